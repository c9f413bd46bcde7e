"""Site files: checked whole up front, rendered in memory, written all at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT
from toolkit.errors import ToolkitError, UsageError
from toolkit.generate.kscheck import validate_kickstart
from toolkit.output import OutputFile, write_all_atomic
from toolkit.site.load import SiteError, load_site
from toolkit.site.render import render_site

EXAMPLE = ROOT / "examples" / "site.toml"

MINIMAL = """
[defaults]
ks_url_base = "http://192.0.2.2/ks"
network = "Pool-wide network associated with eth0"
gateway = "192.0.2.1"
nameservers = ["192.0.2.53"]
{password}

[[vm]]
name = "a"
profile = "fedora17-xenserver"
hostname = "a.example.com"
ip = "192.0.2.21/24"
{extra_a}

[[vm]]
name = "b"
profile = "centos6-xenserver"
hostname = "b.example.com"
ip = "192.0.2.22/24"
{extra_b}
"""


def _site(tmp_path: Path, password: str = "", extra_a: str = "", extra_b: str = "") -> Path:
    path = tmp_path / "site.toml"
    path.write_text(MINIMAL.format(password=password, extra_a=extra_a, extra_b=extra_b))
    return path


def test_example_site_renders_and_validates(tmp_path: Path) -> None:
    site = load_site(EXAMPLE)
    assert len(site.vms) >= 3
    assert len({vm.profile.name for vm in site.vms}) >= 3, "the example should show several profiles"
    rendered = list(render_site(site, tmp_path))
    for vm, site_vm in zip(rendered, site.vms, strict=True):
        files = {f.path.name: f for f in vm.files}
        seed = [f"{vm.name}-seed.iso"] if site_vm.install.hvm is not None else []  # beside ks.cfg, HVM only
        assert sorted(files) == sorted(["bootargs.txt", "install.sh", "ks.cfg", *seed])
        assert files["ks.cfg"].mode == 0o600
        version = site_vm.profile.pykickstart_version
        assert version is not None
        assert validate_kickstart(files["ks.cfg"].text, version) == []
        assert f"http://192.0.2.2/xenkit/{vm.name}/ks.cfg" in files["bootargs.txt"].text
        assert files["bootargs.txt"].text.count("\n") == 1


def test_password_file_is_hashed_once_and_never_written(tmp_path: Path) -> None:
    secret = tmp_path / "pw.txt"
    secret.write_text("Sup3r-secret-value\n")
    site = load_site(_site(tmp_path, password='password_file = "pw.txt"'))
    rendered = list(render_site(site, tmp_path / "out"))
    hashes = set()
    for vm in rendered:
        for f in vm.files:
            assert "Sup3r-secret-value" not in f.text
        ks = next(f for f in vm.files if f.path.name == "ks.cfg").text
        hashes.add(next(line for line in ks.splitlines() if line.startswith("rootpw")))
    assert len(hashes) == 1
    assert hashes.pop().startswith("rootpw --iscrypted $6$")


def test_entry_password_replaces_the_default_one(tmp_path: Path) -> None:
    (tmp_path / "pw.txt").write_text("x\n")
    digest = "$6$abcdefgh$" + "A" * 86
    site = load_site(_site(tmp_path, password='password_file = "pw.txt"', extra_b=f'password_hash = "{digest}"'))
    assert site.vms[0].password_file is not None and site.vms[0].password_hash is None
    assert site.vms[1].password_hash == digest and site.vms[1].password_file is None


def test_every_bad_entry_is_reported(tmp_path: Path) -> None:
    path = _site(tmp_path, extra_a='ip = "192.0.2.300/24"\ncolour = "blue"', extra_b='gateway = "10.0.0.1"')
    text = path.read_text().replace('ip = "192.0.2.21/24"\n', "", 1)  # keep only the bad ip for a
    path.write_text(text)
    with pytest.raises(SiteError) as caught:
        load_site(path)
    problems = caught.value.problems
    assert any("vm #1 (a)" in p and "colour" in p for p in problems)
    assert any("vm #1" in p and "password" in p for p in problems)  # no password anywhere
    assert any("vm #2 (b): gateway" in p and "outside the subnet" in p for p in problems)
    assert all(str(path) in p for p in problems)


def test_duplicates_are_reported(tmp_path: Path) -> None:
    digest = "$6$abcdefgh$" + "A" * 86
    path = _site(tmp_path, password=f'password_hash = "{digest}"', extra_b="")
    path.write_text(path.read_text().replace('"192.0.2.22/24"', '"192.0.2.21/24"').replace('name = "b"', 'name = "a"'))
    with pytest.raises(SiteError) as caught:
        load_site(path)
    text = "\n".join(caught.value.problems)
    assert "name: 'a' is already used by vm #1" in text
    assert "ip: '192.0.2.21' is already used by vm #1" in text


def test_type_errors_are_reported_not_raised(tmp_path: Path) -> None:
    digest = "$6$abcdefgh$" + "A" * 86
    path = _site(tmp_path, password=f'password_hash = "{digest}"', extra_a="vcpus = \"two\"", extra_b="memory = 4")
    with pytest.raises(SiteError) as caught:
        load_site(path)
    text = "\n".join(caught.value.problems)
    assert "vcpus: must be an integer" in text
    assert "memory: must be a string" in text


def test_write_all_atomic_writes_nothing_when_a_target_is_a_directory(tmp_path: Path) -> None:
    good = tmp_path / "a" / "ks.cfg"
    good.parent.mkdir()
    good.write_text("old\n")
    blocked = tmp_path / "b" / "ks.cfg"
    blocked.mkdir(parents=True)
    with pytest.raises(ToolkitError, match="is a directory"):
        write_all_atomic([OutputFile(good, "new\n"), OutputFile(blocked, "new\n")])
    assert good.read_text() == "old\n"
    assert sorted(p.name for p in good.parent.iterdir()) == ["ks.cfg"]


def test_write_all_atomic_leaves_no_temporary_on_failure(tmp_path: Path) -> None:
    """The second file cannot be staged (its parent is a regular file): the first stays as it was."""
    first = tmp_path / "a" / "ks.cfg"
    first.parent.mkdir()
    first.write_text("old\n")
    (tmp_path / "blocker").write_text("a file where a directory should be")
    with pytest.raises(ToolkitError, match="cannot write"):
        write_all_atomic([OutputFile(first, "new\n"), OutputFile(tmp_path / "blocker" / "ks.cfg", "new\n")])
    assert first.read_text() == "old\n"
    assert sorted(p.name for p in first.parent.iterdir()) == ["ks.cfg"]


def test_example_is_self_contained(tmp_path: Path) -> None:
    """The example must render from a copy elsewhere: it may not point at files beside it."""
    copy = tmp_path / "site.toml"
    shutil.copy(EXAMPLE, copy)
    assert len(list(render_site(load_site(copy), tmp_path / "out"))) == len(load_site(EXAMPLE).vms)


@pytest.mark.parametrize("text", ["vm = [1, 2]\n", "vm = 3\n", "defaults = 1\n[[vm]]\nname = 'a'\n"])
def test_wrong_table_shapes_are_usage_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "site.toml"
    path.write_text(text)
    with pytest.raises(UsageError, match="array of tables"):
        load_site(path)


def test_a_guest_failing_late_in_a_large_site_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """70 guests (rendered on worker processes, files staged as they come); guest 66 fails
    validation: exit 1 naming it, no new file or directory, a file already there untouched."""
    from toolkit.cli.main import main
    from toolkit.generate import kscheck
    from toolkit.generate.kscheck import KickstartProblem

    real_validate = validate_kickstart  # what the site render calls (answer_files imports it when it checks)

    def failing_validate(text: str, version: str) -> list[KickstartProblem]:
        if "vm66.example.com" in text:
            return [KickstartProblem(7, "injected failure", False)]
        return real_validate(text, version)

    monkeypatch.setattr(kscheck, "validate_kickstart", failing_validate)  # forked workers inherit it
    digest = "$6$abcdefgh$" + "A" * 86
    lines = [f'[defaults]\nks_url_base = "http://192.0.2.2/ks"\nnetwork = "n"\ngateway = "10.0.0.1"\n'
             f'nameservers = ["10.0.0.53"]\npassword_hash = "{digest}"\n']
    lines += [f'[[vm]]\nname = "vm{i}"\nprofile = "fedora17-xenserver"\nhostname = "vm{i}.example.com"\n'
              f'ip = "10.0.1.{i}/16"\n'
              for i in range(1, 71)]
    site = tmp_path / "site.toml"
    site.write_text("\n".join(lines))
    out = tmp_path / "out"
    (out / "vm1").mkdir(parents=True)
    (out / "vm1" / "ks.cfg").write_text("old\n")
    assert main(["render", str(site), "-o", str(out)]) == 1
    assert "(vm66): line 7: error: injected failure" in capsys.readouterr().err
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["vm1", "vm1/ks.cfg"]
    assert (out / "vm1" / "ks.cfg").read_text() == "old\n"


def test_every_bad_secret_file_is_reported_once(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "bad1.pub").write_text("ssh-rsa AAAA bad\n")
    (tmp_path / "bad2.pub").write_text("ssh-ed25519 AAAAC3 x\n")
    digest = "$6$abcdefgh$" + "A" * 86
    path = _site(tmp_path, password='password_file = "empty.txt"',
                 extra_b=f'password_hash = "{digest}"\nssh_keys = ["bad1.pub", "bad2.pub"]')
    from toolkit.output import AtomicBatch

    with pytest.raises(SiteError) as caught, AtomicBatch():
        list(render_site(load_site(path), tmp_path / "out"))
    assert caught.value.problems == [
        f"{path}: vm #1 (a): password_file {tmp_path / 'empty.txt'}: is empty; its first line must be the password",
        f"{path}: vm #2 (b): ssh key file {tmp_path / 'bad1.pub'} line 1: the key's base64 data is corrupt",
        f"{path}: vm #2 (b): ssh key file {tmp_path / 'bad2.pub'} line 1: the key's base64 data is corrupt",
    ]
    assert not (tmp_path / "out").exists()
