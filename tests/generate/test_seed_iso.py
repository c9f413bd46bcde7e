"""Seed images read back by a real ISO reader (xorriso, as the installer's kernel would mount them): label, names,
contents; and byte-for-byte the same for the same inputs, whenever and in whichever time zone they are built."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_program
from toolkit.errors import ValidationError
from toolkit.generate.seed_iso import build_seed_iso

NOCLOUD = {"user-data": b"#cloud-config\nautoinstall:\n  version: 1\n", "meta-data": b"instance-id: web1\n"}


def xorriso(image: Path, *commands: str) -> str:
    done = subprocess.run([require_program("xorriso"), "-indev", str(image), *commands], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def read_back(image: Path, tmp_path: Path, name: str) -> bytes:
    target = tmp_path / f"out-{name}"
    xorriso(image, "-osirrox", "on", "-extract", f"/{name}", str(target))
    return target.read_bytes()


@pytest.fixture
def other_time_zone() -> Iterator[None]:
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Kolkata"  # +05:30: a local-time date would differ in day and offset
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


def test_same_inputs_same_bytes_at_another_time_and_zone(tmp_path: Path, other_time_zone: None) -> None:
    first = build_seed_iso("cidata", NOCLOUD)
    time.sleep(1.1)  # ISO dates have whole seconds
    os.environ["TZ"] = "America/St_Johns"  # -03:30
    time.tzset()
    assert build_seed_iso("cidata", dict(reversed(NOCLOUD.items()))) == first
    assert build_seed_iso("cidata", {**NOCLOUD, "meta-data": b"instance-id: web2\n"}) != first


def test_read_back_by_xorriso(tmp_path: Path) -> None:
    image = tmp_path / "seed.iso"
    image.write_bytes(build_seed_iso("cidata", NOCLOUD))
    info = xorriso(image, "-pvd_info")
    assert "Volume Id    : cidata" in info
    assert "Creation Time: 1980010100000000" in info
    listing = xorriso(image, "-ls", "/")
    assert listing.split() == ["'meta-data'", "'user-data'"]  # Rock Ridge names, dash and case kept
    for name, content in NOCLOUD.items():
        assert read_back(image, tmp_path, name) == content


def test_oemdrv_label_and_ks_cfg(tmp_path: Path) -> None:
    image = tmp_path / "seed.iso"
    image.write_bytes(build_seed_iso("OEMDRV", {"ks.cfg": b"text\n"}))
    assert "Volume Id    : OEMDRV" in xorriso(image, "-pvd_info")
    assert read_back(image, tmp_path, "ks.cfg") == b"text\n"


@pytest.mark.parametrize(
    ("label", "files", "shown"),
    [
        ("", {"a": b""}, "label"),
        ("has space", {"a": b""}, "has space"),
        ("x" * 17, {"a": b""}, "1-16"),
        ("cidata", {}, "at least one file"),
        ("cidata", {"../etc": b""}, "../etc"),
        ("cidata", {"user-data": b"", "user_data": b""}, "same ISO 9660 name"),
    ],
)
def test_bad_label_or_names_refused(label: str, files: dict[str, bytes], shown: str) -> None:
    with pytest.raises(ValidationError) as caught:
        build_seed_iso(label, files)
    assert shown in str(caught.value)
