"""Loading the release catalog: a malformed templates/releases.toml is an error naming the entry."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import toolkit.catalog.releases as releases_module
from tests.conftest import ROOT
from toolkit.catalog.releases import Release, load_releases
from toolkit.errors import GeneratedFileError


def _load_with(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> tuple[Release, ...]:
    (tmp_path / "releases.toml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(releases_module, "data_dir", lambda name: tmp_path)
    releases_module.load_releases.cache_clear()
    try:
        return load_releases()
    finally:
        releases_module.load_releases.cache_clear()


REAL = (ROOT / "templates" / "releases.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "shown"),
    [
        ('codename = "wheezy"', 'codename = "squeeze"', "codename 'squeeze' is not unique"),
        ('version = "7"', 'version = "6"', "version '6' is not unique"),
        ('version = "12.04"\n', "", "release #5 (precise): missing field 'version'"),
        ('lts = true', 'lts = "yes"', "lts must be a bool"),
        ('arches = ["amd64", "i386"]', 'arches = ["amd64", "arm64"]', "'arm64' is not a valid Arch"),
        ('distro = "debian"', 'distro = "fedora"', "'fedora' is not a valid Distro"),
        ('codename = "precise"', 'codename = "precise"\nflavour = "server"', "unknown field(s): flavour"),
        ('"7.4"]\nnote = "the seed', '"7.9"]\nnote = "the seed', "must be distinct xenserver_versions"),
        ('xenserver = ["5.6 SP2", "6.0",', 'xenserver = ["6.0", "5.6 SP2",', "oldest first"),
        ('repository = "http://archive.debian.org/debian/"', 'repository = "archive.debian.org"',
         "not a URL the installer can fetch"),
        ('[base_templates.debian]', '[base_templates.fedora]', "'fedora' is not a valid Distro"),
        ('[base_templates.debian]\n', '[base_templates.x]\n', "'x' is not a valid Distro"),
        ('i386 = "Debian Squeeze 6.0 (32-bit)"', 'i686 = "Debian Squeeze 6.0 (32-bit)"', "needs exactly amd64, i386"),
        ('xenserver_versions =', 'versions =', "xenserver_versions must be a non-empty list"),
        ('lts = false\narches = ["amd64", "i386"]\nrepository = "http://archive.debian.org',
         'lts = true\narches = ["amd64", "i386"]\nrepository = "http://archive.debian.org', "Ubuntu releases only"),
    ],
)
def test_malformed_catalog_names_the_entry(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, old: str, new: str, shown: str
) -> None:
    assert old in REAL
    broken = REAL.replace(old, new, 1)
    tomllib.loads(broken)  # still TOML: the loader's own checks must catch it
    with pytest.raises(GeneratedFileError) as info:
        _load_with(monkeypatch, tmp_path, broken)
    assert "releases.toml" in str(info.value)
    assert shown in str(info.value)
    assert info.value.exit_code == 1


def test_catalog_that_is_not_toml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(GeneratedFileError, match=r"releases\.toml: .*line 1"):
        _load_with(monkeypatch, tmp_path, "[[release]\n")


def test_the_real_catalog_loads_through_the_same_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert len(_load_with(monkeypatch, tmp_path, REAL)) == 21
