"""A site's HVM guests get their seed image beside their answer files: read back by xorriso (label, and the very
ks.cfg / user-data written beside it), the same bytes on a second render, none for a PV guest, known to --prune; and
the rendered install.sh, run by bash against a XenServer 8.4 simulator, finds it in an ISO SR and attaches it."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.conftest import Xenkit
from tests.generate.test_seed_iso import read_back, xorriso
from tests.support.xe_local import LocalXe
from tests.support.xe_sim.xe_sim_state import ISO_LIBRARY, NETWORK_ETH0
from toolkit.inputs.mac import mac_for_vm
from toolkit.output import OutputFile, write_all_atomic

SITE = f"""
[defaults]
ks_url_base = "http://192.0.2.2/xenkit"
network = "{NETWORK_ETH0}"
gateway = "192.0.2.1"
nameservers = ["192.0.2.53"]
password_file = "root-pw.txt"

[[vm]]
name = "rocky1"
profile = "rocky9"
xenserver = "8.4"
iso = "Rocky-9.4-x86_64-minimal.iso"
hostname = "rocky1.example.com"
ip = "192.0.2.30/24"

[[vm]]
name = "jammy1"
profile = "ubuntu2204-autoinstall"
xenserver = "8.4"
iso = "ubuntu-22.04.4-live-server-amd64.iso"
hostname = "jammy1.example.com"
ip = "192.0.2.31/24"
{{extra}}
[[vm]]
name = "f17"
profile = "fedora17-xenserver"
hostname = "f17.example.com"
ip = "192.0.2.32/24"
"""
SEEDS = {"rocky1": ("OEMDRV", ("ks.cfg",)), "jammy1": ("cidata", ("meta-data", "user-data"))}


def tree(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "root-pw.txt").write_text("Sup3r-secret-value\n")
    path = tmp_path / "site.toml"
    path.write_text(SITE.format(extra=""))
    return path


def render(xenkit: Xenkit, site: Path, out: Path, *extra: str) -> dict[str, list[str]]:
    result = xenkit("render", str(site), "-o", str(out), "--json", *extra)
    assert result.code == 0, result.err
    return {vm["name"]: [Path(f).name for f in vm["files"]] for vm in json.loads(result.out)["vms"]}


def test_each_hvm_guest_gets_its_seed_image_holding_the_answers_beside_it(
    xenkit: Xenkit, site: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    written = render(xenkit, site, out)
    assert sorted(written["rocky1"]) == ["bootargs.txt", "install.sh", "ks.cfg", "rocky1-seed.iso"]
    assert sorted(written["jammy1"]) == ["bootargs.txt", "install.sh", "jammy1-seed.iso", "meta-data", "user-data"]
    assert sorted(written["f17"]) == ["bootargs.txt", "install.sh", "ks.cfg"]  # PV: no seed image
    assert not list((out / "f17").glob("*.iso"))
    for name, (label, files) in SEEDS.items():
        image = out / name / f"{name}-seed.iso"
        assert stat.S_IMODE(image.stat().st_mode) == 0o600  # it holds the password hash
        assert f"Volume Id    : {label}" in xorriso(image, "-pvd_info")
        assert xorriso(image, "-ls", "/").split() == [f"'{f}'" for f in files]
        for file in files:
            assert read_back(image, tmp_path, file) == (out / name / file).read_bytes()
        script = (out / name / "install.sh").read_text()
        assert f'seed volume "{name}-seed.iso"' in script
        assert f'# The seed volume "{name}-seed.iso" is beside this script: copy it into an ISO SR' in script
    kickstart = (out / "rocky1" / "ks.cfg").read_text()
    assert "\npoweroff\n" in kickstart  # the seed-volume kickstart: finish-install boots the installed system
    assert f"network --device={mac_for_vm('rocky1')} " in kickstart
    assert f" mac={mac_for_vm('rocky1')}" in (out / "rocky1" / "install.sh").read_text()
    assert "\nreboot\n" in (out / "f17" / "ks.cfg").read_text()


def test_a_second_render_gives_the_same_bytes(xenkit: Xenkit, site: Path, tmp_path: Path) -> None:
    """The password file's hash (a new salt each time it is made) is kept from the earlier ks.cfg and user-data,
    so the images do not change either."""
    out = tmp_path / "out"
    render(xenkit, site, out)
    first = tree(out)
    render(xenkit, site, out)
    assert tree(out) == first
    assert b"Sup3r-secret-value" not in b"".join(first.values())


def test_seed_iso_names_the_image_and_install_sh_uses_it(xenkit: Xenkit, site: Path, tmp_path: Path) -> None:
    named = 'name = "rocky1"\nseed_iso = "Rocky answers.iso"\n'
    site.write_text(SITE.format(extra="").replace('name = "rocky1"\n', named))
    out = tmp_path / "out"
    assert "Rocky answers.iso" in render(xenkit, site, out)["rocky1"]
    assert not (out / "rocky1" / "rocky1-seed.iso").exists()
    assert "xenkit-find-iso 'Rocky answers.iso')" in (out / "rocky1" / "install.sh").read_text()
    assert "Volume Id    : OEMDRV" in xorriso(out / "rocky1" / "Rocky answers.iso", "-pvd_info")


@pytest.mark.parametrize("name", ["../rocky1.iso", "install.sh", ".hidden.iso", "seed.img"])
def test_a_seed_iso_that_is_no_iso_file_name_is_a_problem(xenkit: Xenkit, site: Path, tmp_path: Path,
                                                        name: str) -> None:
    site.write_text(SITE.format(extra="").replace('name = "rocky1"\n', f'name = "rocky1"\nseed_iso = "{name}"\n'))
    result = xenkit("render", str(site), "-o", str(tmp_path / "out"))
    assert (result.code, result.out) == (2, "")
    assert f"vm #1 (rocky1): seed_iso: {name!r}: a file name ending in .iso" in result.err
    assert not (tmp_path / "out").exists()


def test_a_guest_removed_from_the_site_is_pruned_with_its_seed_image(
    xenkit: Xenkit, site: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    render(xenkit, site, out)
    (out / "f17" / "not-ours.iso").write_bytes(b"a user's file")  # an .iso that is no seed image: kept
    defaults, _, _, pv_guest = SITE.format(extra="").split("[[vm]]")
    site.write_text(f"{defaults}[[vm]]{pv_guest}")
    result = xenkit("render", str(site), "-o", str(out), "--prune", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["pruned"] == [str(out / "jammy1"), str(out / "rocky1")]
    assert data["stale"] == []
    assert sorted(p.name for p in out.iterdir()) == ["f17"]
    assert (out / "f17" / "not-ours.iso").exists()


def test_rendered_install_sh_creates_the_vm_with_both_cd_drives_on_8_4(
    xenkit: Xenkit, site: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    render(xenkit, site, out)
    local = LocalXe(tmp_path / "pool")
    local.directory.mkdir()
    made = local.bash("xe pool-list --minimal", XE_SIM_RELEASE="8.4")  # the state is created as an 8.4 pool
    assert made.returncode == 0, made.stderr
    for name, iso in (("rocky1", "Rocky-9.4-x86_64-minimal.iso"), ("jammy1", "ubuntu-22.04.4-live-server-amd64.iso")):
        local.add_iso(ISO_LIBRARY, iso)
        local.add_iso(ISO_LIBRARY, f"{name}-seed.iso", (out / name / f"{name}-seed.iso").read_bytes())
        done = local.bash((out / name / "install.sh").read_text())
        assert done.returncode == 0, done.stderr
        vm = done.stdout.splitlines()[-1]
        objects = json.loads(local.state.read_text())["objects"]
        cds = {b["userdevice"]: objects["vdi"][b["vdi-uuid"]]["name-label"]
               for b in objects["vbd"].values() if b["vm-uuid"] == vm and b["type"] == "CD"}
        assert cds == {"3": iso, "1": f"{name}-seed.iso"}
        record = objects["vm"][vm]
        assert (record["name-label"], record["power-state"]) == (name, "running")
        assert record["HVM-boot-params"]["order"] == "dc"


def test_a_batch_writes_bytes_as_they_are_beside_text(tmp_path: Path) -> None:
    image = bytes(range(256)) * 4 + b"\r\n\x00"  # no encoding, no line-end translation
    write_all_atomic([OutputFile.of_bytes(tmp_path / "a" / "seed.iso", image, 0o600),
                      OutputFile(tmp_path / "a" / "ks.cfg", "text\r\n", 0o644)])
    assert (tmp_path / "a" / "seed.iso").read_bytes() == image
    assert (tmp_path / "a" / "ks.cfg").read_bytes() == b"text\r\n"
    assert stat.S_IMODE((tmp_path / "a" / "seed.iso").stat().st_mode) == 0o600


def test_a_seed_image_that_cannot_be_written_leaves_every_file_as_it_was(
    xenkit: Xenkit, site: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    (out / "rocky1" / "rocky1-seed.iso").mkdir(parents=True)  # in the way of rocky1's image
    result = xenkit("render", str(site), "-o", str(out))
    assert result.code == 1
    assert result.err.startswith(f"error: cannot write {out / 'rocky1' / 'rocky1-seed.iso'}")
    assert tree(out) == {} and sorted(p.name for p in out.iterdir()) == ["rocky1"]


def test_two_guests_cannot_share_a_seed_image_name(xenkit: Xenkit, site: Path, tmp_path: Path) -> None:
    """install.sh finds its seed image by name in the pool's ISO SRs: one name, one guest's answers."""
    site.write_text(SITE.format(extra="").replace("[[vm]]", '[[vm]]\nseed_iso = "answers.iso"', 2))
    result = xenkit("render", str(site), "-o", str(tmp_path / "out"))
    assert (result.code, result.out) == (2, "")
    assert "vm #2 (jammy1): seed_iso: 'answers.iso' is already used by vm #1" in result.err
    taken = 'name = "jammy1"\nseed_iso = "rocky1-seed.iso"\n'  # rocky1's by default
    site.write_text(SITE.format(extra="").replace('name = "jammy1"\n', taken))
    result = xenkit("render", str(site), "-o", str(tmp_path / "out"))
    assert "vm #2 (jammy1): seed_iso: 'rocky1-seed.iso' is already used by vm #1" in result.err
