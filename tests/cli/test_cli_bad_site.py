"""`xenkit render` of a bad site file: every problem reported (one `error:` line each), nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli_bad_input import SITE, check_error
from tests.conftest import Xenkit


def site_copy(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    text = SITE.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_site_with_several_bad_entries(xenkit: Xenkit, tmp_path: Path) -> None:
    site = site_copy(
        tmp_path,
        ('ip = "192.0.2.11/24"', 'ip = "192.0.2.300/24"'),
        ("vcpus = 2", "vcpus = 99"),
        ('name = "centos7-app"', 'name = "centos7-app"\ncolour = "red"'),
    )
    out_dir = tmp_path / "out"
    (out_dir / "fedora17-web").mkdir(parents=True)
    (out_dir / "fedora17-web" / "ks.cfg").write_bytes(b"# the previous kickstart\n")
    result = xenkit("render", str(site), "-o", str(out_dir))
    assert result.code == 2
    assert "Traceback" not in result.err
    for entry, field in (("vm #1 (fedora17-web)", "ip"), ("vm #2 (centos6-db)", "vcpus"),
                         ("vm #3 (centos7-app)", "colour")):
        assert any(str(site) in line and entry in line and field in line for line in result.err.splitlines()), entry
    assert sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*")) == ["fedora17-web", "fedora17-web/ks.cfg"]
    assert (out_dir / "fedora17-web" / "ks.cfg").read_bytes() == b"# the previous kickstart\n"


def test_site_problems_print_one_error_line_each(xenkit: Xenkit, tmp_path: Path) -> None:
    site = site_copy(tmp_path, ('ip = "192.0.2.11/24"', 'ip = "192.0.2.300/24"'), ("vcpus = 2", "vcpus = 99"))
    lines = xenkit("render", str(site), "-o", str(tmp_path / "out")).err.splitlines()
    assert [line.split(": ")[0] for line in lines] == ["error", "error", "hint"]
    assert "vm #1" in lines[0]
    assert "vm #2" in lines[1]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (('name = "centos6-db"', 'name = "fedora17-web"'), "vm #2 (fedora17-web): name: 'fedora17-web' is alre"),
        (('ip = "192.0.2.12/255.255.255.0"', 'ip = "192.0.2.11/24"'), "vm #2 (centos6-db): ip: '192.0.2.11' is alre"),
        (('password_hash = "', 'password_hash = "$1$x'), "[defaults]: password_hash: is not a SHA-512 crypt hash"),
    ],
    ids=["duplicate-name", "duplicate-ip", "bad-default"],
)
def test_site_conflicts(xenkit: Xenkit, tmp_path: Path, edit: tuple[str, str], expected: str) -> None:
    site = site_copy(tmp_path, edit)
    result = xenkit("render", str(site), "-o", str(tmp_path / "out"))
    assert result.code == 2
    assert result.err.startswith(f"error: {site}: {expected}")
    assert "Traceback" not in result.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("content", [None, "[[vm]\nname = 1\n", "[defaults]\ngateway = '192.0.2.1'\n", ""])
def test_site_file_unusable(xenkit: Xenkit, tmp_path: Path, content: str | None) -> None:
    site = tmp_path / "site.toml"
    if content is not None:
        site.write_text(content, encoding="utf-8")
    check_error(xenkit("render", str(site), "-o", str(tmp_path / "out")))
    assert not (tmp_path / "out").exists()


def test_site_output_is_a_file(xenkit: Xenkit, tmp_path: Path) -> None:
    (tmp_path / "out").write_bytes(b"x")
    check_error(xenkit("render", str(SITE), "-o", str(tmp_path / "out")))
    assert (tmp_path / "out").read_bytes() == b"x"
