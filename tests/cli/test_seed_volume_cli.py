"""`xenkit seed-volume`: the image read back by xorriso, its ks.cfg checked by the profile's pykickstart, the same
bytes from two runs, and the refusals (one `error:` line, exit 2, nothing written)."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Xenkit, require_program
from toolkit.catalog.profiles import get_profile
from toolkit.generate.kscheck import validate_kickstart
from toolkit.inputs.mac import mac_for_vm

GUEST = ["--hostname", "web1.example.com", "--ip", "192.0.2.10/24", "--gateway", "192.0.2.1",
         "--nameserver", "192.0.2.53"]


@pytest.fixture
def password(tmp_path: Path) -> list[str]:
    (tmp_path / "pw").write_text("correct horse\n")
    return ["--root-password-file", str(tmp_path / "pw")]


def _extract(image: Path, name: str, target: Path) -> str:
    done = subprocess.run([require_program("xorriso"), "-osirrox", "on", "-indev", str(image), "-extract",
                           f"/{name}", str(target)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return target.read_text()


def _label(image: Path) -> str:
    done = subprocess.run([require_program("xorriso"), "-indev", str(image), "-pvd_info"], capture_output=True,
                          text=True, timeout=60)
    return next(line.split(":", 1)[1].strip() for line in done.stdout.splitlines() if line.startswith("Volume Id"))


@pytest.mark.parametrize(("profile", "firmware"), [("centos7", "bios"), ("rocky8", "uefi"), ("rocky9", "uefi"),
                                                   ("fedora45", "bios")])
def test_seed_volume_read_back(xenkit: Xenkit, tmp_path: Path, profile: str, firmware: str) -> None:
    hash_arg = ["--root-password-hash", "$6$saltsalt$" + "a" * 86]  # a fixed hash: the same inputs
    images = []
    for run in ("a", "b"):
        image = tmp_path / f"{run}.iso"
        result = xenkit("seed-volume", profile, "--name", "web1", *GUEST, *hash_arg, "--firmware", firmware,
                        "-o", str(image))
        assert result.code == 0, result.err
        assert result.out == "" and f"wrote {image} (label OEMDRV: ks.cfg)" in result.err
        images.append(image.read_bytes())
    assert images[0] == images[1]
    image = tmp_path / "a.iso"
    assert stat.S_IMODE(image.stat().st_mode) == 0o600  # it holds the root password's hash
    assert _label(image) == "OEMDRV"
    text = _extract(image, "ks.cfg", tmp_path / "ks.cfg")
    version = get_profile(profile).pykickstart_version
    assert version and validate_kickstart(text, version) == []
    assert f"network --device={mac_for_vm('web1')} " in text  # the MAC vm install --name web1 gives the VIF
    assert ("part /boot/efi --fstype=efi" in text) == (firmware == "uefi")
    assert "\npoweroff\n" in text


@pytest.mark.parametrize("firmware", ["bios", "uefi"])
def test_autoinstall_profile_gets_a_cidata_volume(xenkit: Xenkit, tmp_path: Path, password: list[str],
                                                  firmware: str) -> None:
    image = tmp_path / "u.iso"
    result = xenkit("seed-volume", "ubuntu2404-autoinstall", *GUEST, *password, "--firmware", firmware,
                    "-o", str(image))
    assert result.code == 0, result.err
    assert _label(image) == "cidata"
    user_data = _extract(image, "user-data", tmp_path / "user-data")
    assert user_data.startswith("#cloud-config\nautoinstall:\n") and "$6$" in user_data
    assert ("/boot/efi" in user_data) == (firmware == "uefi")
    assert "local-hostname: " in _extract(image, "meta-data", tmp_path / "meta-data")


def test_mac_wins_over_name(xenkit: Xenkit, tmp_path: Path, password: list[str]) -> None:
    image = tmp_path / "s.iso"
    result = xenkit("seed-volume", "rocky9", "--name", "web1", "--mac", "00:16:3e:0a:0b:0c", *GUEST, *password,
                    "-o", str(image))
    assert result.code == 0, result.err
    assert "network --device=00:16:3e:0a:0b:0c " in _extract(image, "ks.cfg", tmp_path / "ks.cfg")


@pytest.mark.parametrize(("args", "message"), [
    (["ubuntu1204-di"], "error: profile ubuntu1204-di is a preseed profile"),
    (["centos6-xenserver"], "error: profile centos6-xenserver: its installer (pykickstart RHEL6) does not look for"),
    (["rocky9", "--firmware", "efi"], "error: --firmware: 'efi' is not a firmware; give bios or uefi"),
    (["rocky9", "--mac", "eth1"], "error: --mac: 'eth1' is not a MAC address"),
])
def test_refused(xenkit: Xenkit, tmp_path: Path, password: list[str], args: list[str], message: str) -> None:
    image = tmp_path / "s.iso"
    result = xenkit("seed-volume", *args, *GUEST, *password, "-o", str(image))
    assert result.code == 2 and result.err.startswith(message), result.err
    assert not image.exists()


def test_stdout_refused(xenkit: Xenkit, password: list[str]) -> None:
    result = xenkit("seed-volume", "rocky9", *GUEST, *password, "-o", "-")
    assert result.code == 2 and "an ISO image is binary" in result.err and result.out == ""


def test_password_file_hash_kept_while_it_matches(xenkit: Xenkit, tmp_path: Path, password: list[str]) -> None:
    image = tmp_path / "s.iso"
    args = ["seed-volume", "rocky9", "--name", "web1", *GUEST, *password, "-o", str(image)]
    assert xenkit(*args).code == 0
    first = image.read_bytes()
    assert xenkit(*args).code == 0
    assert image.read_bytes() == first  # the earlier hash kept: the same bytes
    (tmp_path / "pw").write_text("another password\n")
    assert xenkit(*args).code == 0
    assert image.read_bytes() != first  # a new password, a new hash
    image.write_bytes(b"not an ISO image")
    assert xenkit(*args).code == 0  # a damaged earlier image is just replaced


def test_kickstart_render_takes_firmware_and_mac(xenkit: Xenkit, password: list[str]) -> None:
    result = xenkit("kickstart", "render", "rocky9", *GUEST, *password, "--firmware", "uefi", "--mac",
                    "00:16:3E:0A:0B:0C")
    assert result.code == 0, result.err
    assert "part /boot/efi --fstype=efi" in result.out and "network --device=00:16:3e:0a:0b:0c " in result.out
    assert "\nreboot\n" in result.out  # only a seed volume's kickstart powers off
