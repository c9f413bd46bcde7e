"""`xenkit driver verify A B C`: a verdict for every file named (ok, mismatch, unreadable, with the reasons),
whatever the others hold; `--json` always prints a list with one object per file; the exit code is the worst.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Xenkit
from tests.support.driver_rpms import EXTRA, KVER, OTHER, build_rpm, gcc_module, only_error_lines

NOT_AN_RPM = "not an RPM (an RPM starts with the bytes ed ab ee db)"


def junk(tmp_path: Path) -> Path:
    path = tmp_path / "broken.rpm"
    path.write_bytes(b"<html>404 Not Found</html>\n")
    return path


@pytest.mark.integration
def test_one_broken_file_hides_nothing_about_the_others(tmp_path: Path, xenkit: Xenkit) -> None:
    good = build_rpm(tmp_path, {f"{EXTRA}/good.ko": gcc_module(tmp_path)})
    broken = junk(tmp_path)
    result = xenkit("driver", "verify", str(good), str(broken), "--kernel", KVER, "--json")
    assert result.code == 2, result.err
    data = json.loads(result.out)
    assert [(v["path"], v["kind"], v["status"], v["kernel"]) for v in data] == [
        (str(good), "rpm", "ok", KVER), (str(broken), "rpm", "unreadable", KVER)]
    assert (data[0]["errors"], data[1]["errors"], data[1]["rpms"]) == ([], [f"{broken}: {NOT_AN_RPM}"], [])
    assert [m["path"] for m in data[0]["rpms"][0]["modules"]] == [f"{EXTRA}/good.ko"]
    assert only_error_lines(result.err) == [f"error: {broken}: {NOT_AN_RPM}"]
    assert f"ok: {good}: 1 module(s) in 1 RPM(s) fit kernel {KVER}" in result.err.splitlines()

    text = xenkit("driver", "verify", str(good), str(broken), "--kernel", KVER)
    assert text.code == 2
    assert "xenkit-test-driver-1.2-3.xs." in text.out and f"{EXTRA}/good.ko" in text.out
    assert text.err == result.err


@pytest.mark.integration
def test_exit_code_is_the_worst_file(tmp_path: Path, xenkit: Xenkit) -> None:
    good = build_rpm(tmp_path, {f"{EXTRA}/good.ko": gcc_module(tmp_path)})
    mismatch = build_rpm(tmp_path, {f"{EXTRA}/bad.ko": gcc_module(tmp_path, vermagic=f"{OTHER} SMP")})
    broken = junk(tmp_path)
    missing = tmp_path / "missing.rpm"
    cases = [([good, good], 0, ["ok", "ok"]), ([good, mismatch], 1, ["ok", "mismatch"]),
             ([mismatch, broken, good], 2, ["mismatch", "unreadable", "ok"]),
             ([missing], 2, ["unreadable"])]
    for paths, code, statuses in cases:
        result = xenkit("driver", "verify", *map(str, paths), "--kernel", KVER, "--json")
        assert result.code == code, (paths, result.err)
        data = json.loads(result.out)
        assert [v["status"] for v in data] == statuses
        assert [v["path"] for v in data] == list(map(str, paths))
        assert only_error_lines(result.err) == [f"error: {e}" for v in data for e in v["errors"]]
    assert json.loads(xenkit("driver", "verify", str(missing), "--kernel", KVER, "--json").out)[0]["errors"] == [
        f"{missing}: does not exist"]


def test_json_list_even_when_nothing_could_be_read(tmp_path: Path, xenkit: Xenkit) -> None:
    broken = junk(tmp_path)
    result = xenkit("driver", "verify", str(broken), "--kernel", KVER, "--json")
    assert result.code == 2
    assert json.loads(result.out) == [{"path": str(broken), "kind": "rpm", "status": "unreadable", "kernel": KVER,
                                       "errors": [f"{broken}: {NOT_AN_RPM}"], "warnings": [], "rpms": []}]
    assert only_error_lines(result.err) == [f"error: {broken}: {NOT_AN_RPM}"]
