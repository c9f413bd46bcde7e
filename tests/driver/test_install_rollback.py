"""The bundle's install.sh refusing to run, and rolling back, in a throwaway dom0 (tests/support/fake_dom0.py): a wrong
kernel or bundle, an unexpected .cmd file, the lock held; broken initrd builds, a terminated run, signals and a
closed output pipe during the rollback, a rollback step that fails, and a failure after the point of no return.
The dom0 fixture checks that the real machine is the same after every test.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.support.fake_dom0 import Dom0
from tests.support.fake_dom0_data import BUNDLE, KDUMP_KVER, KVER, MODNAME, MODULE, MODULE_PATH, NVR, OLD_MULTIPATH, RPM
from tests.support.install_checks import KDUMP_CALL, LOCK, MAIN_CALL, backups, check_installed, refused

# The hint when new-kernel-pkg.py's mkinitrd did not pack the module.
FALLBACK_HINT = f"add the line 'alias scsi_hostadapterN {MODNAME}' to /etc/modprobe.conf"


# --- refusals before any change -------------------------------------------------------------------------


def test_wrong_kernel_changes_nothing(dom0: Dom0) -> None:
    dom0.set("uname-r", "2.6.32.43-0.4.1.xs1.8.0.835.170778xen")
    refused(dom0, f"this bundle is for kernel {KVER} but this host runs 2.6.32.43-0.4.1.xs1.8.0.835.170778xen")
    assert not dom0.installed() and dom0.calls() == []


@pytest.mark.parametrize("member", ["multipath.conf", RPM, "install.sh"])
def test_tampered_bundle_changes_nothing(dom0: Dom0, member: str) -> None:
    path = dom0.bundle / member
    data = path.read_bytes()
    # install.sh must stay runnable to report anything: append a comment line to it.
    path.write_bytes(data + b"\n# changed\n" if member == "install.sh" else data[:-1] + bytes([data[-1] ^ 1]))
    refused(dom0, "do not match SHA256SUMS", f"{member}: FAILED")
    assert not dom0.installed()


def test_sums_not_covering_a_file_changes_nothing(dom0: Dom0) -> None:
    sums = dom0.bundle / "SHA256SUMS"
    sums.write_text("".join(line for line in sums.read_text().splitlines(True) if "multipath.conf" not in line))
    refused(dom0, "SHA256SUMS does not cover multipath.conf")


# --- a broken initrd build, rolled back -----------------------------------------------------------------


def rollback_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(("install.sh: erasing", "install.sh: restoring"))]


@pytest.mark.parametrize(("mode", "message"), [
    ("fail", "the initrd build failed"),
    ("nomodule", f"the new initrd lacks {MODULE}"),
    # mkinitrd ignores --with: it packs the kernel's own module of that name. Its name alone would pass.
    ("ignorewith", f"the new initrd's lib/{MODULE} is not the {MODULE} that the RPMs installed as /{MODULE_PATH}"),
    ("small", "less than half the old one's"),
])
def test_broken_initrd_build_is_rolled_back(dom0: Dom0, mode: str, message: str) -> None:
    dom0.set("mode", mode)
    result = refused(dom0, message, "rolled back: the host is as it was before")
    assert not dom0.installed() and not (dom0.root / MODULE_PATH).exists()
    assert dom0.boot_initrd.read_bytes() == dom0.old_initrd
    assert dom0.target.read_bytes() == OLD_MULTIPATH and os.readlink(dom0.link) == "/etc/multipath-enabled.conf"
    assert backups(dom0.target) == [] and backups(dom0.boot_initrd) == []
    assert not (dom0.root / LOCK.lstrip("/")).exists()
    # The RPMs first (their scripts may rebuild the initrd), then multipath.conf, then the initrd.
    assert rollback_lines(result.stderr) == [f"install.sh: erasing {NVR} (it was not installed before)",
                                             "install.sh: restoring the old /etc/multipath-enabled.conf",
                                             f"install.sh: restoring the old initrd /boot/initrd-{KVER}.img"]
    assert FALLBACK_HINT not in result.stderr  # a .cmd was there: no word of modprobe.conf


def test_terminated_run_is_rolled_back(dom0: Dom0) -> None:
    dom0.set("mode", "interrupt")
    result = refused(dom0, "stopped (exit 143) while rebuilding", "rolled back: the host is as it was before")
    assert result.returncode == 143
    assert not dom0.installed() and dom0.boot_initrd.read_bytes() == dom0.old_initrd


def test_failed_rerun_keeps_the_first_install(dom0: Dom0) -> None:
    first = dom0.install()
    assert first.returncode == 0, first.stdout + first.stderr
    dom0.set("mode", "fail")
    result = refused(dom0, "the initrd build failed", "rolled back")
    assert "was installed before" in result.stderr
    check_installed(dom0)
    [initrd_backup] = backups(dom0.boot_initrd)
    assert initrd_backup.read_bytes() == dom0.old_initrd


@pytest.mark.parametrize(("mode", "message"), [
    ("gzip", f"the new initrd's lib/{MODULE} is not the {MODULE} that the RPMs installed"),  # the kernel's own
    ("nomodule", f"the new initrd lacks {MODULE}"),
])
def test_old_xenserver_fallback_gets_no_with(dom0: Dom0, mode: str, message: str) -> None:
    # Without a .cmd the build is new-kernel-pkg.py's as it is: a module mkinitrd leaves out is caught, and the
    # error says how to have it packed.
    dom0.initrd_cmd.unlink()
    dom0.set("mode", mode)
    result = refused(dom0, message, "rolled back: the host is as it was before")
    assert dom0.calls()[-1] == f"mkinitrd /boot/initrd-{KVER}.img {KVER}"
    [error] = [line for line in result.stderr.splitlines() if line.startswith("install.sh: error: ")]
    assert "new-kernel-pkg.py runs mkinitrd without --with" in error and FALLBACK_HINT in error


def test_fallback_hint_says_what_it_found_not_which_releases(dom0: Dom0) -> None:
    # A 6.0.2 host can have a .cmd: the hint names the missing file and the tool used, not "6.1 and older".
    dom0.initrd_cmd.unlink()
    dom0.set("mode", "nomodule")
    result = refused(dom0, f"the new initrd lacks {MODULE}")
    [error] = [line for line in result.stderr.splitlines() if line.startswith("install.sh: error: ")]
    assert f"install.sh found no /boot/initrd-{KVER}.img.cmd on this host, so it ran new-kernel-pkg.py" in error
    assert "6.1 and older" not in error
    assert f"no /boot/initrd-{KVER}.img.cmd on this host: the initrd is rebuilt with new-kernel-pkg.py" in result.stdout


# --- the .cmd file --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kdump", "text", "message"), [
    (False, f"mkinitrd -f /boot/initrd-{KVER}.img {KVER}\nreboot\n", "holds 2 lines, not the one mkinitrd"),
    (False, f"rm -f /boot/initrd-{KVER}.img; mkinitrd /boot/initrd-{KVER}.img {KVER}\n",
     "does not start with a mkinitrd command (it starts with 'rm')"),
    (False, "\n \n", "is empty"),
    (True, f"mkinitrd -f /boot/initrd-{KDUMP_KVER}.img {KDUMP_KVER}\n\nmkinitrd -f /x {KVER}\n", "holds 2 lines"),
])
def test_unexpected_cmd_file_changes_nothing(dom0: Dom0, kdump: bool, text: str, message: str) -> None:
    if kdump:
        dom0.add_kdump()
    (dom0.kdump_cmd if kdump else dom0.initrd_cmd).write_text(text)
    refused(dom0, message, "nothing was changed")
    assert not dom0.installed() and dom0.calls() == []


# --- the kdump initrd -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "message"), [
    ("fail", f"the kdump initrd build failed (exit 1): {KDUMP_CALL}"),
    ("small", "the new kdump initrd is"),
    ("interrupt", "stopped (exit 143) while rebuilding /boot/initrd-" + KDUMP_KVER),
])
def test_broken_kdump_build_rolls_back_both_initrds(dom0: Dom0, mode: str, message: str) -> None:
    dom0.add_kdump()
    dom0.set(f"mode.{KDUMP_KVER}", mode)
    result = refused(dom0, message, "rolled back: the host is as it was before")  # the state as before
    assert dom0.calls() == [MAIN_CALL, KDUMP_CALL]  # the main initrd was built, and is restored all the same
    assert dom0.boot_initrd.read_bytes() == dom0.old_initrd and dom0.kdump_initrd.read_bytes() == dom0.old_kdump
    assert dom0.target.read_bytes() == OLD_MULTIPATH and not dom0.installed()
    assert backups(dom0.boot_initrd) == [] and backups(dom0.kdump_initrd) == []
    # The RPMs first, then multipath.conf, then the initrds, newest first.
    assert rollback_lines(result.stderr) == [
        f"install.sh: erasing {NVR} (it was not installed before)",
        "install.sh: restoring the old /etc/multipath-enabled.conf",
        f"install.sh: restoring the old kdump initrd /boot/initrd-{KDUMP_KVER}.img",
        f"install.sh: restoring the old initrd /boot/initrd-{KVER}.img"]


def test_kdump_cmd_without_its_initrd_changes_nothing(dom0: Dom0) -> None:
    dom0.add_kdump()
    dom0.kdump_initrd.unlink()
    refused(dom0, f"initrd-{KDUMP_KVER}.img.cmd is there but /boot/initrd-{KDUMP_KVER}.img is missing")


# --- the lock -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lock_dir", ["/var/lock", "/var/run"])
def test_second_run_is_refused_while_the_lock_is_held(dom0: Dom0, lock_dir: str) -> None:
    if lock_dir == "/var/run":  # no /var/lock: the lock goes to /var/run
        (dom0.root / "var/lock").rmdir()
        (dom0.root / "var/run").mkdir()
    lock = dom0.root / lock_dir.lstrip("/") / "xenkit-install.lock"
    lock.mkdir()
    (lock / "pid").write_text("4242\n")
    refused(dom0, f"another install.sh (process 4242) holds the lock {lock_dir}/xenkit-install.lock",
            f"remove the lock (rm -rf {lock_dir}/xenkit-install.lock)", "nothing was changed")
    assert (lock / "pid").read_text() == "4242\n"  # the other run's: left alone
    assert not dom0.installed() and dom0.calls() == []
    # Once the lock is gone, a run takes it and gives it back.
    shutil.rmtree(lock)
    result = dom0.install()
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(lock.parent.iterdir()) == []


# --- failures in and around the rollback ----------------------------------------------------------------


def test_closed_output_pipe_does_not_stop_the_rollback(dom0: Dom0) -> None:
    # `bash install.sh 2>&1 | tee log`, and tee gone (a Ctrl-C stops it too) before the build fails: every
    # message after that meets a pipe without a reader. bash must not die of SIGPIPE: the rollback has to run.
    dom0.set("mode", "fail")
    # The reader stops reading at once and goes when the build starts; the build waits until it has gone.
    wait = 'n=0; while [ ! -e /opt/fake/{0} ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n + 1)); done'
    dom0.set_hook(f'if [ "$1" = mkinitrd ]; then : >/opt/fake/building; {wait.format("reader-gone")}; fi\n')
    before = dom0.state()
    reader = f"{{ head -c 1 >/dev/null; {wait.format('building')}; exec 0<&-; : >/opt/fake/reader-gone; }}"
    result = dom0.sh(f'cd / && /bundle/{BUNDLE}/install.sh 2>&1 | {reader}; echo "exit ${{PIPESTATUS[0]}}"')
    assert result.stdout.splitlines() == ["exit 1"], result.stdout + result.stderr
    assert (dom0.root / "opt/fake/reader-gone").exists()
    assert dom0.calls() == [MAIN_CALL]  # it got as far as the build
    assert dom0.state() == before and not dom0.installed()
    assert dom0.boot_initrd.read_bytes() == dom0.old_initrd and backups(dom0.boot_initrd) == []
    assert list((dom0.root / "tmp").iterdir()) == [] and list((dom0.root / "var/lock").iterdir()) == []


@pytest.mark.parametrize("mode", ["gzip", "fail"])
def test_rpm_scripts_that_rebuild_the_initrd_spoil_no_copy(dom0: Dom0, mode: str) -> None:
    # A driver RPM whose %post and %postun rebuild the initrd: the copy of the original is taken before
    # rpm -ivh, and the rollback erases the RPM before it puts the initrd back.
    dom0.set_hook(f'case $1 in post | postun) echo "built by %$1" >/boot/initrd-{KVER}.img ;; esac\n')
    if mode == "fail":
        dom0.set("mode", mode)
        refused(dom0, "the initrd build failed", "rolled back: the host is as it was before")
        assert dom0.boot_initrd.read_bytes() == dom0.old_initrd
    else:
        result = dom0.install()
        assert result.returncode == 0, result.stdout + result.stderr
        check_installed(dom0)
    assert [p.read_bytes() for p in backups(dom0.boot_initrd)] == ([dom0.old_initrd] if mode == "gzip" else [])


# The hook's way to reach install.sh: up the chain of parents (sh, rpm) to the bash running it.
SIGNAL_INSTALL_SH = """\
pid=$$
while [ "$pid" -gt 1 ]; do
    pid=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$pid/status")
    case $(tr '\\0' ' ' <"/proc/$pid/cmdline") in
        *install.sh*) for sig in INT TERM HUP PIPE INT; do kill -"$sig" "$pid"; done; exit 0 ;;
    esac
done
echo "hook: no install.sh above me" >&2
exit 1
"""


def test_signals_during_the_rollback_do_not_cut_it_short(dom0: Dom0) -> None:
    # Ctrl-C, a dropped ssh session and more, while the rollback's rpm -e runs: it carries on to the end.
    dom0.set("mode", "fail")
    dom0.set_hook(f'[ "$1" = preun ] || exit 0\n{SIGNAL_INSTALL_SH}')
    result = refused(dom0, "the initrd build failed", "rolled back: the host is as it was before")
    assert result.returncode == 1
    assert "rollback step failed" not in result.stderr and not dom0.installed()


def test_failed_rollback_keeps_the_work_dir(dom0: Dom0) -> None:
    # rpm -e fails in the rollback (the package's %preun): the rest is still undone, and the copies of the
    # original files stay where the message says, for the admin who now has to check by hand.
    dom0.set("mode", "fail")
    dom0.set_hook('[ "$1" != preun ] || { echo "preun: failing on purpose" >&2; exit 1; }\n')
    modules_dep = (dom0.root / f"lib/modules/{KVER}/modules.dep").read_text()
    result = dom0.install()
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"install.sh: error: rollback step failed: rpm -e --nodeps --allmatches {NVR}" in result.stderr
    assert "THE ROLLBACK IS INCOMPLETE" in result.stderr and "as it was before" not in result.stderr
    [workdir] = (dom0.root / "tmp").iterdir()
    assert f"install.sh: the copies this run saved of the original files are kept in /tmp/{workdir.name}\n" in (
        result.stderr)
    assert (workdir / "modules-index/modules.dep").read_text() == modules_dep
    assert dom0.installed()  # what rpm -e could not undo
    assert dom0.boot_initrd.read_bytes() == dom0.old_initrd and dom0.target.read_bytes() == OLD_MULTIPATH
    assert not (dom0.root / LOCK.lstrip("/")).exists()


def test_failure_after_the_point_of_no_return_rolls_nothing_back(dom0: Dom0) -> None:
    first = dom0.install()
    assert first.returncode == 0, first.stdout + first.stderr
    # The second run cannot remove its temporary copy of the initrd it replaced (say, /boot went read-only):
    # by then the install is complete, and a rollback would only undo part of it.
    dom0.shadow("rm", 'case "$*" in\n'
                      '    *.xenkit-tmp.*) echo "rm: cannot remove: Read-only file system" >&2; exit 1 ;;\n'
                      'esac\n'
                      'exec /usr/bin/rm "$@"\n')
    result = dom0.install()
    assert result.returncode == 1, result.stdout + result.stderr
    [leftover] = (dom0.root / "boot").glob(f".initrd-{KVER}.img.xenkit-tmp.*")
    assert """install.sh: error: 'rm -f "${image_backups[i]}"' failed (exit 1) while finishing""" in result.stderr
    assert "nothing was rolled back" in result.stderr
    assert f"the temporary copy /boot/{leftover.name} of the old initrd is left: remove it" in result.stderr
    for claim in ("rolling back", "restoring", "as it was before", "nothing was changed"):
        assert claim not in result.stderr
    check_installed(dom0)
    [initrd_backup] = backups(dom0.boot_initrd)
    assert initrd_backup.read_bytes() == dom0.old_initrd
    assert list((dom0.root / "tmp").iterdir()) == []
