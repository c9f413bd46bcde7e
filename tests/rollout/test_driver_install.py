"""`xenkit driver install` against real sshd hosts whose sessions see a fake XenServer 6.0.2 dom0 (dom0_hosts.py):
the real bundle uploaded, unpacked and its install.sh run, then checked; canary, parallel, stop on failure."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import Xenkit
from tests.rollout.conftest import Install, MakeHosts
from tests.rollout.dom0_hosts import MODULE_PATH, REMOTE_BASE, UPDATES, Dom0Host, RebootWatcher, tampered_copy
from tests.support.fake_dom0_data import KVER
from toolkit.output import PART_SUFFIX

pytestmark = pytest.mark.integration
OTHER_KERNEL = "2.6.32.43-0.4.1.xs1.8.0.835.170778xen"


@pytest.mark.parametrize("count", [3])
def test_all_hosts_installed_then_already_installed(make_hosts: MakeHosts, bundle: Path, count: int,
                                                    install: Install) -> None:
    hosts = make_hosts(count)
    result, summary = install(bundle, "--parallel", "2")
    assert result.code == 0, result.err
    assert [(s["host"], s["result"]) for s in summary] == [(h.name, "installed, reboot needed") for h in hosts]
    for host, shown in zip(hosts, summary, strict=True):
        assert host.installed() and host.mkinitrd_runs() == 1
        assert host.uploaded()[0] == f"{REMOTE_BASE}/{bundle.name.removesuffix('.tar.gz')}"
        log = Path(shown["log"]).read_text()
        assert "install.sh: " in log and "xenkit: post-check" in log
        assert host.sh("cat /etc/multipath.conf").startswith("# the bundle's multipath.conf")
    for line in ("connect", "kernel: uname -r", "upload", "unpack", "install: bash", "post-check"):
        assert f"{hosts[0].name}: {line}" in result.err
    # every command is a round trip and a session on the host: 11 commands and SFTP, not more
    assert [h.ssh.log_text().count("Starting session") for h in hosts] == [12] * count
    again, summary = install(bundle)
    assert again.code == 0, again.err
    assert {s["result"] for s in summary} == {"already installed"}
    assert [h.mkinitrd_runs() for h in hosts] == [1] * count  # no second initrd rebuild


def test_other_kernel_is_skipped_and_nothing_uploaded(make_hosts: MakeHosts, bundle: Path, install: Install) -> None:
    hosts = make_hosts(3)
    hosts[1].set("uname-r", OTHER_KERNEL)
    result, summary = install(bundle)
    assert result.code == 1, result.err
    assert summary[1]["result"] == "skipped"
    assert OTHER_KERNEL in summary[1]["reason"] and KVER in summary[1]["reason"]
    assert hosts[1].uploaded() == [] and not hosts[1].installed()
    assert [s["result"] for s in (summary[0], summary[2])] == ["installed, reboot needed"] * 2


def test_failed_canary_touches_no_other_host(make_hosts: MakeHosts, bundle: Path, install: Install,
                                             xenkit: Xenkit) -> None:
    hosts = make_hosts(3)
    hosts[0].set("mode", "fail")
    result, summary = install(bundle)
    assert result.code == 1, result.err
    assert (summary[0]["result"], summary[0]["step"]) == ("failed", "install")
    assert any("mkinitrd: failing on purpose" in line for line in summary[0]["tail"]), summary[0]["tail"]
    assert [(s["result"], s["tail"]) for s in summary[1:]] == [("not started", [])] * 2
    assert not hosts[0].installed()  # install.sh rolled back
    assert all(h.uploaded() == [] and h.mkinitrd_runs() == 0 for h in hosts[1:])
    table = xenkit("driver", "install", str(bundle), "--group", "pool")
    assert "failed at install" in table.out and "mkinitrd: failing on purpose" in table.out


@pytest.mark.parametrize("keep_going", [False, True])
def test_middle_host_fails(make_hosts: MakeHosts, bundle: Path, keep_going: bool, install: Install,
                           ) -> None:
    hosts = make_hosts(3)
    hosts[1].set("mode", "fail")
    result, summary = install(bundle, "--parallel", "1", *(["--keep-going"] if keep_going else []))
    assert result.code == 1, result.err
    assert [s["result"] for s in summary] == ["installed, reboot needed", "failed",
                                              "installed, reboot needed" if keep_going else "not started"]
    assert not hosts[1].installed() and hosts[2].installed() == keep_going


def test_tampered_bundle_goes_nowhere(make_hosts: MakeHosts, bundle: Path, tmp_path: Path, install: Install) -> None:
    hosts = make_hosts(1)
    bad = tampered_copy(bundle, tmp_path / bundle.name)
    result, summary = install(bad)
    assert result.code == 2, result.err
    assert "multipath.conf: sha256 differs from SHA256SUMS" in result.err and summary == []
    assert "Accepted publickey" not in hosts[0].ssh.log_text() and not (tmp_path / "xenkit-logs").exists()


def test_upload_cut_off_by_the_host_resumes_on_the_next_run(make_hosts: MakeHosts, bundle: Path,
                                                           install: Install) -> None:
    """The host's sshd killed after 4096 bytes of the bundle arrived: the host fails at upload, the part file
    keeps those bytes; the next run goes on from them instead of sending them again, and installs."""
    (host,) = make_hosts(1)
    directory = f"{REMOTE_BASE}/{bundle.name.removesuffix('.tar.gz')}"
    host.drop_uploads_after(4096)
    result, summary = install(bundle)
    assert result.code == 1, result.err
    assert (summary[0]["result"], summary[0]["step"]) == ("failed", "upload"), summary
    assert "connection lost while uploading" in summary[0]["reason"]
    assert host.sh(f"stat -c %s {directory}/{bundle.name}{PART_SUFFIX}").strip() == "4096"
    host.drop_uploads_after(None)
    result, summary = install(bundle)
    assert result.code == 0, result.err
    assert "resumed at 4096 bytes" in Path(summary[0]["log"]).read_text()
    assert host.sh(f"sha256sum {directory}/{bundle.name}").split()[0] == hashlib.sha256(bundle.read_bytes()).hexdigest()
    assert host.installed()


def test_dry_run_changes_nothing_and_the_upload_is_reused(make_hosts: MakeHosts, bundle: Path,
                                                          install: Install) -> None:
    (host,) = make_hosts(1)
    result, summary = install(bundle, "--dry-run")
    assert result.code == 0, result.err
    assert summary[0]["result"] == "dry run ok" and not host.installed() and host.mkinitrd_runs() == 0
    assert "dry run: every check passed" in Path(summary[0]["log"]).read_text()
    result, summary = install(bundle)
    assert result.code == 0, result.err
    assert "already there, sha256 ok: not uploaded again" in Path(summary[0]["log"]).read_text()


@pytest.fixture
def watcher() -> Iterator[Callable[[list[Dom0Host]], RebootWatcher]]:
    made: list[RebootWatcher] = []

    def make(hosts: list[Dom0Host]) -> RebootWatcher:
        made.append(RebootWatcher(hosts))
        return made[-1]

    yield make
    for each in made:
        each.close()


def test_reboot_then_checked(make_hosts: MakeHosts, bundle: Path, install: Install,
                             watcher: Callable[[list[Dom0Host]], RebootWatcher]) -> None:
    hosts = make_hosts(2)
    watcher(hosts)
    result, summary = install(bundle, "--reboot", "--reboot-timeout", "60")
    assert result.code == 0, result.err
    assert [s["result"] for s in summary] == ["installed", "installed"]
    log = Path(summary[0]["log"]).read_text()
    assert "xenkit: after reboot" in log and "mpatha (3600a0b80001234) dm-0 Intel,Multi-Flex" in log


def test_after_reboot_a_module_without_srcversion_is_checked_by_its_file(
        make_hosts: MakeHosts, bundle: Path, install: Install,
        watcher: Callable[[list[Dom0Host]], RebootWatcher]) -> None:
    """The test module has no srcversion: the file the kernel loads by its name (modinfo -n) must be the
    bundle's; here another module of the name in updates/ shadows it after the reboot."""
    (host,) = make_hosts(1)
    host.on_reboot = "shadowed"
    watcher([host])
    result, summary = install(bundle, "--reboot", "--reboot-timeout", "60")
    assert result.code == 1, result.err
    assert (summary[0]["result"], summary[0]["step"]) == ("failed", "after reboot")
    assert f"loaded is {UPDATES}/xenkit_testdrv.ko, not the bundle's {MODULE_PATH}" in summary[0]["reason"]


@pytest.mark.parametrize(("on_reboot", "shown"), [
    ("never", "did not answer SSH again within 4 s of the reboot"),
    ("new key", "HOST KEY CHANGED"),
])
def test_host_not_back_after_reboot(make_hosts: MakeHosts, bundle: Path, install: Install,
                                    watcher: Callable[[list[Dom0Host]], RebootWatcher], on_reboot: str,
                                    shown: str) -> None:
    (host,) = make_hosts(1)
    host.on_reboot = on_reboot
    watcher([host])
    result, summary = install(bundle, "--reboot", "--reboot-timeout", "4")
    assert result.code == 1, result.err
    assert (summary[0]["result"], summary[0]["step"]) == ("failed", "reboot")
    assert shown in summary[0]["reason"]


def test_multipath_off_checks_the_enabled_file(make_hosts: MakeHosts, bundle: Path, install: Install) -> None:
    """With multipathing off (/etc/multipath.conf -> multipath-disabled.conf) install.sh writes
    multipath-enabled.conf, and that is the file checked."""
    (host,) = make_hosts(1)
    host.sh("mv /etc/multipath.conf /etc/multipath-disabled.conf && "
            "ln -s /etc/multipath-disabled.conf /etc/multipath.conf")
    result, summary = install(bundle)
    assert result.code == 0, result.err
    assert host.sh("cat /etc/multipath-enabled.conf").startswith("# the bundle's multipath.conf")
    again, summary = install(bundle)
    assert summary[0]["result"] == "already installed", again.err


def test_unreachable_or_unknown_host_fails_at_connect(make_hosts: MakeHosts, bundle: Path, install: Install) -> None:
    hosts = make_hosts(3)
    hosts[1].ssh.stop()
    hosts[2].ssh.known_hosts.write_text("")
    result, summary = install(bundle, "--keep-going")
    assert result.code == 1, result.err
    assert [(s["result"], s["step"]) for s in summary] == [("installed, reboot needed", None),
                                                           ("failed", "connect"), ("failed", "connect")]
    assert "connection refused" in summary[1]["reason"] and "host key not known" in summary[2]["reason"]


def test_a_platform_with_the_conf_d_drop_in_gets_it_checked(make_hosts: MakeHosts, bundle: Path,
                                                          install: Install) -> None:
    """A host that ships /etc/multipath/conf.d/custom.conf (XenServer 8, XCP-ng 8.2/8.3) gets the bundle's
    drop-in there (install.sh), and the post-check compares that file, not the managed multipath.conf."""
    (host,) = make_hosts(1)
    host.sh("mkdir -p /etc/multipath/conf.d && echo '# the platform custom.conf' > /etc/multipath/conf.d/custom.conf")
    result, summary = install(bundle)
    assert result.code == 0, result.err
    assert host.sh("cat /etc/multipath/conf.d/custom.conf").startswith("# the bundle's multipath-custom.conf")
    again, summary = install(bundle)
    assert summary[0]["result"] == "already installed", again.err
    host.sh("echo '# changed by hand' >> /etc/multipath/conf.d/custom.conf")
    third, summary = install(bundle, "--dry-run")
    assert summary[0]["result"] == "dry run ok", third.err  # not "already installed": the drop-in differs now
