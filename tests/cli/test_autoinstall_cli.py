"""`xenkit autoinstall render`: both files or neither, user-data 0600, one-line errors, no secret shown."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.conftest import Xenkit
from tests.support.cloud_init import cloud_init_schema, read_seed

GUEST = ["--hostname", "web1.example.org", "--ip", "192.0.2.10/24", "--gateway", "192.0.2.1",
         "--nameserver", "192.0.2.53"]
SECRET = "Tr0ub4dor&3-secret"


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "pw.txt"
    path.write_text(SECRET + "\n")
    return path


def test_render_writes_user_data_and_meta_data(xenkit: Xenkit, tmp_path: Path, password_file: Path) -> None:
    out = tmp_path / "seed"
    result = xenkit("autoinstall", "render", "ubuntu2404-autoinstall", *GUEST, "--root-password-file",
                    str(password_file), "--firmware", "uefi", "--guest-utilities", "--username", "admin",
                    "-o", str(out))
    assert result.code == 0, result.err
    assert sorted(p.name for p in out.iterdir()) == ["meta-data", "user-data"]
    assert stat.S_IMODE((out / "user-data").stat().st_mode) == 0o600
    assert SECRET not in (out / "user-data").read_text() + result.out + result.err
    assert cloud_init_schema(out / "user-data").returncode == 0
    section = read_seed(out)["user-data"]["autoinstall"]
    assert section["identity"]["username"] == "admin"
    assert section["identity"]["password"].startswith("$6$")
    assert section["packages"] == ["xe-guest-utilities"]
    assert "/boot/efi" in [a.get("path") for a in section["storage"]["config"]]
    assert f"wrote {out / 'user-data'}" in result.err


def test_a_kickstart_profile_is_refused(xenkit: Xenkit, tmp_path: Path, password_file: Path) -> None:
    result = xenkit("autoinstall", "render", "centos7", *GUEST, "--root-password-file", str(password_file),
                    "-o", str(tmp_path / "seed"))
    assert result.code == 2
    assert result.err.startswith("error: profile 'centos7' is a kickstart profile; autoinstall profiles: "
                                 "ubuntu2004-autoinstall, ubuntu2204-autoinstall, ubuntu2404-autoinstall")
    assert not (tmp_path / "seed").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--username", "Root User"], "error: --username: 'Root User' must be 1-32 lower-case letters"),
    (["--firmware", "coreboot"], "'coreboot' is not one of 'bios', 'uefi'"),
    (["--timezone", "Europe/Kyiv"], "error: time zone 'Europe/Kyiv' is not one that Ubuntu 20.04's installer knows"),
])
def test_bad_values_are_one_line_errors(xenkit: Xenkit, tmp_path: Path, password_file: Path, args: list[str],
                                        message: str) -> None:
    result = xenkit("autoinstall", "render", "ubuntu2004-autoinstall", *GUEST, "--root-password-file",
                    str(password_file), *args, "-o", str(tmp_path / "seed"))
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "seed").exists()


def test_both_files_or_neither(xenkit: Xenkit, tmp_path: Path, password_file: Path) -> None:
    """meta-data cannot be written (a directory of that name): user-data is not written either."""
    out = tmp_path / "seed"
    (out / "meta-data").mkdir(parents=True)
    (out / "user-data").write_text("old\n")
    result = xenkit("autoinstall", "render", "ubuntu2204-autoinstall", *GUEST, "--root-password-file",
                    str(password_file), "-o", str(out))
    assert result.code == 1
    assert result.err.startswith(f"error: cannot write {out / 'meta-data'}: it is a directory")
    assert (out / "user-data").read_text() == "old\n"
    assert sorted(p.name for p in out.iterdir()) == ["meta-data", "user-data"]  # no temporary left behind


def test_output_must_be_a_directory(xenkit: Xenkit, tmp_path: Path, password_file: Path) -> None:
    target = tmp_path / "file"
    target.write_text("")
    result = xenkit("autoinstall", "render", "ubuntu2204-autoinstall", *GUEST, "--root-password-file",
                    str(password_file), "-o", str(target))
    assert result.code == 2
    assert "file" in result.err and result.err.startswith("error:")
    dash = xenkit("autoinstall", "render", "ubuntu2204-autoinstall", *GUEST, "--root-password-file",
                  str(password_file), "-o", "-")
    assert dash.code == 2
    assert "cannot hold a directory of files" in dash.err
