"""`xenkit driver verify` on input it refuses (a source RPM, a truncated file, not an RPM, a zstd payload
without zstandard, a bad --kernel), and its help.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Xenkit
from tests.support.driver_rpms import EXTRA, KVER, build_rpm, gcc_module, only_error_lines, rpm_query
from toolkit.driver.rpm_inspect import inspect_rpm
from toolkit.errors import UsageError


@pytest.mark.integration
def test_source_rpm_is_refused(tmp_path: Path, xenkit: Xenkit) -> None:
    srpm = build_rpm(tmp_path, {f"{EXTRA}/test.ko": gcc_module(tmp_path)}, source=True)
    result = xenkit("driver", "verify", str(srpm), "--kernel", KVER)
    assert result.code == 1
    assert only_error_lines(result.err) == [f"error: {srpm.name}: is a source RPM; give the binary RPM that "
                                            "rpmbuild wrote (Wrote: ...)"]


@pytest.mark.integration
def test_truncated_rpm_is_bad_input(tmp_path: Path, xenkit: Xenkit) -> None:
    rpm = build_rpm(tmp_path, {f"{EXTRA}/test.ko": gcc_module(tmp_path)}, payload="w2.xzdio")
    data = rpm.read_bytes()
    for size in (4, 96, 200, 1000, len(data) // 2, len(data) - 40, len(data) - 1):
        cut = tmp_path / f"cut-{size}.rpm"
        cut.write_bytes(data[:size])
        result = xenkit("driver", "verify", str(cut), "--kernel", KVER)
        assert result.code == 2, (size, result.err)
        (error,) = only_error_lines(result.err)
        assert error.startswith(f"error: {cut}: truncated"), error


@pytest.mark.parametrize(("content", "shown"), [(b"", "not an RPM"), (b"\x7fELF not an rpm", "not an RPM"),
                                                (None, "does not exist")])
def test_not_an_rpm_is_bad_input(tmp_path: Path, xenkit: Xenkit, content: bytes | None, shown: str) -> None:
    path = tmp_path / "driver.rpm"
    if content is not None:
        path.write_bytes(content)
    result = xenkit("driver", "verify", str(path), "--kernel", KVER)
    assert result.code == 2
    assert only_error_lines(result.err) == [f"error: {path}: {shown}" + (" (an RPM starts with the bytes ed ab ee db)"
                                                                          if shown == "not an RPM" else "")]
    with pytest.raises(UsageError):
        inspect_rpm(path)


@pytest.mark.integration
def test_zstd_payload(tmp_path: Path, xenkit: Xenkit) -> None:
    rpm = build_rpm(tmp_path, {f"{EXTRA}/test.ko": gcc_module(tmp_path)}, payload="w19.zstdio")
    if rpm_query(rpm, "--queryformat", "%{PAYLOADCOMPRESSOR}") != "zstd":
        pytest.skip("this rpmbuild writes no zstd payloads")
    result = xenkit("driver", "verify", str(rpm), "--kernel", KVER)
    try:
        import zstandard  # noqa: F401
    except ImportError:
        assert result.code == 2
        assert only_error_lines(result.err) == [f"error: {rpm}: zstd payload, and the Python package zstandard "
                                                "is not installed"]
        assert "hint: pip install zstandard" in result.err
    else:
        assert result.code == 0, result.err


@pytest.mark.parametrize("kver", ["", "5.10 xen", "../5.10"])
def test_bad_kernel_option(tmp_path: Path, xenkit: Xenkit, kver: str) -> None:
    result = xenkit("driver", "verify", str(tmp_path / "x.rpm"), "--kernel", kver)
    assert result.code == 2
    (error,) = only_error_lines(result.err)
    assert error.startswith("error: --kernel: ")


def test_help_teaches_why(xenkit: Xenkit) -> None:
    result = xenkit("driver", "verify", "--help")
    assert result.code == 0
    text = " ".join(result.out.split())
    assert 'insmod: "Invalid module format"' in text and "/lib/modules/KVER/extra/" in text
    missing = xenkit("driver", "verify", "--kernel", KVER)
    assert missing.code == 2 and "Missing argument" in missing.err
