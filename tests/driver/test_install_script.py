"""The bundle's install.sh as rendered: the values it is given (and those refused), and what bash and shellcheck
make of it. tests/driver/test_install_run.py and test_install_rollback.py run it for real in a throwaway dom0.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import fails, require_program
from tests.support.fake_dom0 import run
from tests.support.fake_dom0_data import BUNDLE, KVER, MODULE, RPM
from toolkit.errors import UsageError, ValidationError
from toolkit.generate.install_script import render_install_script

# --- rendering ------------------------------------------------------------------------------------------


def test_renders_a_script_bash_accepts() -> None:
    bash = require_program("bash")
    # The seed's own RPM name: underscores are plain too.
    seed_rpm = "scsi_dh_alua_intelmodular_cbvtrak.i386.rpm"
    script = render_install_script(kver=KVER, rpms=[RPM, seed_rpm], modules=[MODULE, "b-c.ko"], bundle=BUNDLE)
    assert script.startswith("#!/bin/bash\n") and "set -euo pipefail\n" in script
    assert f"kver={KVER}\n" in script
    assert f"rpms=( {RPM} scsi_dh_alua_intelmodular_cbvtrak.i386.rpm )\n" in script
    assert f"modules=( {MODULE} b-c.ko )\n" in script
    checked = run([bash, "-n"], input=script)
    assert checked.returncode == 0, checked.stderr
    # bash 3.2 (CentOS 5) has none of these.
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))
    for newer in ("declare -A", "mapfile", "readarray", ",,}", "^^}", "@Q}", "|&", "&>>", "coproc", "local -n"):
        assert newer not in code, newer


@pytest.mark.parametrize(("kwargs", "field", "shown"), [
    ({"kver": "2.6.32 xen"}, "kver", "not a kernel release"),
    ({"kver": "../../etc"}, "kver", "not a kernel release"),
    ({"kver": "$(reboot)"}, "kver", "not a kernel release"),
    ({"kver": "2." + "1" * 70}, "kver", "not a kernel release"),
    ({"rpms": []}, "rpms", "at least one"),
    ({"rpms": RPM}, "rpms", "not one string"),
    ({"rpms": ["../x.rpm"]}, "rpms", "not a plain RPM file name"),
    ({"rpms": ["-x.rpm"]}, "rpms", "not a plain"),
    ({"rpms": ["a b.rpm"]}, "rpms", "not a plain"),
    ({"rpms": ["x.tar.gz"]}, "rpms", "not a plain"),
    ({"rpms": [RPM, RPM]}, "rpms", "more than once"),
    ({"rpms": ["x-1.0-1.src.rpm"]}, "rpms", "source RPMs"),
    ({"modules": []}, "modules", "at least one"),
    ({"modules": ["extra/x.ko"]}, "modules", "not a plain kernel module"),
    ({"modules": ["x.o"]}, "modules", "not a plain"),
    ({"modules": ["x';reboot;'.ko"]}, "modules", "not a plain"),
    ({"bundle": ""}, "bundle", "not a plain bundle name"),
    ({"bundle": "a/b"}, "bundle", "not a plain bundle name"),
])
def test_bad_inputs_are_refused(kwargs: dict[str, object], field: str, shown: str) -> None:
    values: dict[str, object] = {"kver": KVER, "rpms": [RPM], "modules": [MODULE], "bundle": BUNDLE, **kwargs}
    # The ignore: a dict[str, object] cannot say each name's type.
    err = fails(lambda: render_install_script(**values), field, shown)  # type: ignore[arg-type]
    assert isinstance(err, UsageError)


def test_values_are_shell_quoted() -> None:
    # The patterns keep shell syntax out; quoting is the second fence. "+" and "~" are legal and harmless.
    script = render_install_script(kver="4.19.0+1", rpms=["a~b-1.0-1.x86_64.rpm"], modules=[MODULE], bundle="b")
    assignments = [line for line in script.splitlines() if line.startswith(("bundle=", "kver=", "rpms=", "modules="))]
    assert len(assignments) == 4
    show = 'printf "%s\\n" "$bundle" "$kver" "${rpms[@]}" "${modules[@]}"'
    shown = run(["bash", "-c", "\n".join([*assignments, show])])
    assert shown.stdout.splitlines() == ["b", "4.19.0+1", "a~b-1.0-1.x86_64.rpm", MODULE]
    with pytest.raises(ValidationError):
        render_install_script(kver=KVER, rpms=["`id`.rpm"], modules=[MODULE], bundle="b")


@pytest.mark.integration
def test_renders_a_script_shellcheck_accepts() -> None:
    shellcheck = require_program("shellcheck")
    script = render_install_script(kver=KVER, rpms=[RPM, "b.rpm"], modules=[MODULE, "b-c.ko"], bundle=BUNDLE)
    checked = run([shellcheck, "--shell=bash", "-"], input=script)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_bad_arguments_and_shells_stop_it_first(tmp_path: Path) -> None:
    # Both stop before the script looks at anything, so they are safe to run on the real machine.
    bash, sh = require_program("bash"), require_program("sh")
    script = tmp_path / "install.sh"
    script.write_text(render_install_script(kver=KVER, rpms=[RPM], modules=[MODULE], bundle=BUNDLE))
    wrong = run([bash, str(script), "--reboot"])
    assert wrong.returncode == 1 and "install.sh: error: unknown argument '--reboot'" in wrong.stderr
    helped = run([bash, str(script), "--help"])
    assert helped.returncode == 0 and "--dry-run" in helped.stdout
    if Path(sh).resolve().name != "bash":
        plain = run([sh, str(script)])
        assert plain.returncode == 1 and "run it with bash" in plain.stderr
