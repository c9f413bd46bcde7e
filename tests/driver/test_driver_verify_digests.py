"""`xenkit driver verify` checks the digests an RPM carries of itself, and agrees with `rpm -K`: a good RPM
passes, one byte changed in its header or a payload swapped is corrupt (exit 1). An RPM written the rpm 4.4
way (only SHA-1 and MD5) is checked with those.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tests.conftest import Xenkit
from tests.driver.test_driver_build import installed_kernel
from tests.support.driver_rpms import (
    EXTRA,
    KVER,
    as_rpm44,
    build_rpm,
    flip_byte,
    gcc_module,
    only_error_lines,
    rpm_checksig,
    rpm_layout,
)
from toolkit.driver.rpm_inspect import inspect_rpm

DESCRIPTION = b"A driver RPM for xenkit's tests."
MODERN = ("header SHA-256", "header SHA-1", "payload SHA-256", "MD5 of header and payload")
RPM44 = ("header SHA-1", "MD5 of header and payload")


def corrupt_line(rpm: Path, differ: tuple[str, ...]) -> str:
    return (f"error: {rpm.name}: corrupt: digests differ from the ones it carries ({', '.join(differ)}): damaged "
            "or changed since it was built; rpm -K says DIGESTS NOT OK")


@pytest.mark.integration
@pytest.mark.parametrize("payload", ["w9.gzdio", "w2.xzdio"])
def test_tampered_rpm_is_corrupt_as_rpm_k_says(tmp_path: Path, xenkit: Xenkit, payload: str) -> None:
    good = build_rpm(tmp_path, {f"{EXTRA}/test.ko": gcc_module(tmp_path)}, payload=payload)
    assert rpm_checksig(good) == "digests OK"
    info = inspect_rpm(good)
    assert (info.digests, info.digest_mismatches) == (MODERN, ())
    assert xenkit("driver", "verify", str(good), "--kernel", KVER).code == 0

    tampered = flip_byte(good, DESCRIPTION, tmp_path / good.name.replace(".rpm", "-tampered.rpm"))
    assert rpm_checksig(tampered) == "DIGESTS NOT OK"
    assert inspect_rpm(tampered).digest_mismatches == ("header SHA-256", "header SHA-1", "MD5 of header and payload")
    result = xenkit("driver", "verify", str(tampered), "--kernel", KVER)
    assert result.code == 1, result.err
    assert only_error_lines(result.err) == [corrupt_line(tampered, MODERN[:2] + MODERN[3:])]


@pytest.mark.integration
def test_swapped_payload_is_corrupt(tmp_path: Path, xenkit: Xenkit) -> None:
    """The same files compressed another way: the header is intact, its payload digest (and MD5) are not."""
    good = build_rpm(tmp_path, {f"{EXTRA}/test.ko": gcc_module(tmp_path)}, payload="w9.gzdio")
    data = good.read_bytes()
    _, _, payload_at = rpm_layout(data)
    swapped = tmp_path / "swapped.rpm"
    swapped.write_bytes(data[:payload_at] + gzip.compress(gzip.decompress(data[payload_at:]), compresslevel=1))
    assert rpm_checksig(swapped) == "DIGESTS NOT OK"
    result = xenkit("driver", "verify", str(swapped), "--kernel", KVER)
    assert result.code == 1, result.err
    assert only_error_lines(result.err) == [corrupt_line(swapped, ("payload SHA-256", "MD5 of header and payload"))]


@pytest.mark.integration
def test_rpm44_package_is_checked_with_sha1_and_md5(tmp_path: Path, xenkit: Xenkit) -> None:
    built = build_rpm(tmp_path, {f"{EXTRA}/test.ko": gcc_module(tmp_path)}, payload="w9.gzdio",
                      defines={"_binary_filedigest_algorithm": "1"})  # MD5 file digests, as rpm 4.4 wrote
    old = as_rpm44(built, tmp_path / "old-style.rpm")
    assert rpm_checksig(old) == "digests OK"
    info = inspect_rpm(old)
    assert (info.digests, info.digest_mismatches) == (RPM44, ())
    result = xenkit("driver", "verify", str(old), "--kernel", KVER)
    assert result.code == 0, result.err
    assert "warning" not in result.err

    tampered = flip_byte(old, DESCRIPTION, tmp_path / "old-style-tampered.rpm")
    assert rpm_checksig(tampered) == "DIGESTS NOT OK"
    result = xenkit("driver", "verify", str(tampered), "--kernel", KVER)
    assert result.code == 1, result.err
    assert only_error_lines(result.err) == [corrupt_line(tampered, RPM44)]


@pytest.mark.integration
def test_build_refuses_a_changed_rpm_in_the_step_store(xenkit: Xenkit, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The step store is a directory anyone can write to: a cached RPM changed there is corrupt, not bundled."""
    kver = installed_kernel()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    assert xenkit("driver", "build", "demo", "--local", "--kernel", kver, "-o", "out").code == 0
    (stored,) = (tmp_path / "cache").rglob("*.rpm")
    flip_byte(stored, b"A kernel module that does nothing", stored)
    for bundle in Path("out").glob("*.tar.gz"):
        bundle.unlink()
    result = xenkit("driver", "build", "demo", "--local", "--kernel", kver, "-o", "out")
    assert result.code == 1
    assert "rpmbuild: cached" in result.err
    assert f"error: {stored.name}: corrupt: digests differ from the ones it carries (header SHA-256" in result.err
    assert not list(Path("out").glob("*.tar.gz"))
