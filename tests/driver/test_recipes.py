"""Driver recipes: the shipped ones load, bad ones are refused by field, and the demo really builds.

The demo build here is rpmbuild run by hand on this machine against Debian's installed kernel headers:
it checks the recipe's files (spec, module source, Kbuild) produce an RPM holding a module whose
vermagic names that kernel. The pipeline's own build steps have their tests with the pipeline.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, require_program
from toolkit.driver.recipe import load_recipe, recipe_names
from toolkit.errors import UsageError

DEMO = ROOT / "drivers" / "demo"


def test_shipped_recipes() -> None:
    assert recipe_names() == ["demo", "scsi_dh_alua"]
    demo = load_recipe("demo")
    assert (demo.spec, demo.srpm, demo.sources, demo.modules) == (
        "xenkit-demo.spec", None, ("xenkit_demo.c", "Kbuild"), ("xenkit_demo.ko",))
    assert demo.rpmbuild_defines("6.1.0-50-amd64") == ["--define", "kernel_version 6.1.0-50-amd64"]
    alua = load_recipe("scsi_dh_alua")
    assert (alua.srpm, alua.spec, alua.vendor_archive) == (
        "scsi_dh_alua_CBVTrak-*.src.rpm", "scsi_dh_alua.spec", "RHEL6_MPIO_Setup_20110712.zip")
    assert alua.rpmbuild_defines("2.6.32.12-0.7.1.xs6.0.2.542.170665xen") == []  # builds for the DDK's kernel
    assert alua.multipath_profile == "intel-multiflex"
    assert load_recipe(str(DEMO)) == demo == load_recipe(str(DEMO / "recipe.toml"))


@pytest.mark.parametrize(("text", "shown"), [
    ('name = "x"\n', "spec: required"),
    ('name = "X Y"\nspec = "a.spec"\nsrpm = "a.src.rpm"\nkernel = "running"\nmodules = ["a.ko"]\n'
     'multipath_profile = "p"\n', "name: 'X Y'"),
    ('name = "x"\nspec = "a.spec"\nkernel = "running"\nmodules = ["a.ko"]\nmultipath_profile = "p"\n',
     "give either srpm"),
    ('name = "x"\nspec = "a.spec"\nsrpm = "../a.src.rpm"\nkernel = "running"\nmodules = ["a.ko"]\n'
     'multipath_profile = "p"\n', "'../a.src.rpm' is not a plain file name"),
    ('name = "x"\nspec = "a.spec"\nsrpm = "a.src.rpm"\nkernel = "uname"\nmodules = ["a.ko"]\n'
     'multipath_profile = "p"\n', "kernel: 'uname'"),
    ('name = "x"\nspec = "a.spec"\nsrpm = "a.src.rpm"\nkernel = "running"\nmodules = ["a.o"]\n'
     'multipath_profile = "p"\n', "modules: ['a.o']"),
    ('name = "x"\nspec = "a.spec"\nsources = ["missing.c"]\nkernel = "running"\nmodules = ["a.ko"]\n'
     'multipath_profile = "p"\n', "missing.c is missing"),
    ('name = "x"\ncolour = "red"\n', "colour: unknown key"),
    ('name = \n', "not valid TOML"),
])
def test_bad_recipes(tmp_path: Path, text: str, shown: str) -> None:
    (tmp_path / "recipe.toml").write_text(text)
    with pytest.raises(UsageError) as info:
        load_recipe(str(tmp_path))
    assert shown in info.value.message and str(tmp_path) in info.value.message


def test_unknown_recipe_lists_the_known_ones() -> None:
    with pytest.raises(UsageError, match="no such recipe; known: demo, scsi_dh_alua"):
        load_recipe("nope")


def _headers() -> tuple[str, Path]:
    """The newest installed Debian kernel headers: (kernel release, build directory)."""
    builds = sorted(Path("/lib/modules").glob("*/build"))
    if not builds:
        import os

        message = "no kernel headers in /lib/modules/*/build (make test installs linux-headers-amd64)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return builds[-1].parent.name, builds[-1]


@pytest.mark.integration
def test_the_demo_recipe_builds_a_module_for_the_given_kernel(tmp_path: Path) -> None:
    rpmbuild = require_program("rpmbuild")
    require_program("make")
    require_program("gcc")
    kver, _build = _headers()
    recipe = load_recipe("demo")
    (tmp_path / "SOURCES").mkdir()
    for name in recipe.sources:
        (tmp_path / "SOURCES" / name).write_bytes((recipe.directory / name).read_bytes())
    result = subprocess.run([rpmbuild, "--define", f"_topdir {tmp_path}", *recipe.rpmbuild_defines(kver), "-ba",
                             str(recipe.directory / recipe.spec)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    wrote = [line.split(": ", 1)[1] for line in result.stdout.splitlines() if line.startswith("Wrote: ")]
    [binary] = [w for w in wrote if not w.endswith(".src.rpm")]
    files = subprocess.run(["rpm", "-qlp", binary], capture_output=True, text=True, check=True).stdout.split()
    assert files == [f"/lib/modules/{kver}/extra/xenkit_demo.ko"]
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    subprocess.run(f"rpm2cpio {binary} | cpio -idm --quiet", shell=True, cwd=unpacked, check=True)
    module = unpacked / files[0].lstrip("/")
    vermagic = subprocess.run(["modinfo", "-F", "vermagic", str(module)], capture_output=True, text=True)
    if vermagic.returncode == 0:  # kmod's modinfo, where installed, reads it as the kernel would
        assert vermagic.stdout.split()[0] == kver
    assert f"vermagic={kver} ".encode() in module.read_bytes()
