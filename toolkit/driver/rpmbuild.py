"""The build on the build host (the DDK VM over SSH, or this machine): the blog's steps, in a private _topdir.

    mktemp -d                                    a work directory of our own; removed at the end
    upload the input (sha256-checked)            the vendor .src.rpm, or the recipe's spec and sources
    [rpmbuild -bs]                               recipes without a vendor RPM: pack one, as a vendor would
    rpm -ivh --nomd5 --define "_topdir W/top"    unpack it; --nomd5 as the blog, since the DDK's old rpm
                                                 cannot check digests of RPMs made by newer rpm versions
    rpmbuild -ba --define "_topdir W/top" ...    the build; its output goes to a log file here
    download the RPMs named by its Wrote: lines

The private _topdir keeps the build off the host's ~/rpmbuild (or /usr/src/redhat on the DDK), so
that nothing of an earlier build is picked up and two builds do not collide.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from toolkit.driver.recipe import Recipe
from toolkit.driver.source import BuildInput
from toolkit.errors import ToolkitError
from toolkit.remote.executor import Executor, RemoteError, RunResult
from toolkit.remote.progress import TransferProgress
from toolkit.report import say

BUILD_TIMEOUT = 3600.0  # a vendor driver builds in minutes; an hour means something hangs
LOG_TAIL = 40
_WROTE = re.compile(r"^Wrote: (\S+\.rpm)\s*$", re.MULTILINE)
_PHASE = re.compile(rb"^Executing\((%\w+)\)", re.MULTILINE)


class BuildFailed(ToolkitError):
    """rpmbuild (or a step before it) failed on the build host: its log's last lines are part of the message."""

    def __init__(self, message: str, tail: list[str], hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.tail = tail

    def lines(self) -> list[str]:
        return [self.message, *(f"  | {line}" for line in self.tail)]


@dataclass(frozen=True)
class Built:
    rpms: tuple[Path, ...]  # the binary RPMs, downloaded into the local directory given
    srpm: str  # the source RPM's name as rpmbuild wrote it
    host: str  # where it was built


# One round trip for every fact the checks need (each command over SSH costs a channel and a wait):
# line 1 the running kernel, then which of rpm/rpmbuild are missing, whether the headers exist, /lib/modules.
_PROBE = ('uname -r; for p in rpm rpmbuild; do command -v "$p" >/dev/null 2>&1 || echo "missing $p"; done; '
          'if test -d "/lib/modules/$1/build"; then echo headers; fi; echo "have $(ls /lib/modules 2>/dev/null)"')


def check_build_host(ex: Executor, recipe: Recipe, kver: str) -> None:
    """Refuse a build host that cannot build for `kver`, before anything is uploaded."""
    probe = _checked(ex.run(["sh", "-c", _PROBE, "probe", kver], step="look at the build host"), "probe")
    lines = probe.text().splitlines()
    running = lines[0].strip() if lines else ""
    for line in lines[1:]:
        if line.startswith("missing "):
            raise ToolkitError(f"{ex.name}: has no {line.split()[1]}",
                               hint="build in the DDK VM (xenkit ddk import), or on a machine with rpm-build")
    if recipe.kernel_define is None:
        if running != kver:
            raise ToolkitError(
                f"{ex.name} runs kernel {running}, but --kernel is {kver}: recipe {recipe.name} builds for the "
                "build host's running kernel",
                hint="build in the DDK VM of the XenServer release whose dom0 runs that kernel (uname -r on the host)")
        return
    if "headers" not in lines:
        have = next((line[5:].strip() for line in lines if line.startswith("have ")), "")
        raise ToolkitError(f"{ex.name} has no headers for kernel {kver} (/lib/modules/{kver}/build is missing); "
                           f"it has: {' '.join(have.split()) or 'none'}",
                           hint="give --kernel as `uname -r` prints it on the XenServer host, and build where that "
                                "kernel's headers are installed (the DDK of the same release)")


_MAKE_WORK = ('d=$(mktemp -d /tmp/xenkit-build.XXXXXX) && cd "$d" && '
              'mkdir in srpm top top/BUILD top/RPMS top/SOURCES top/SPECS top/SRPMS && echo "$d"')
# A kmod spec on CentOS 5 also gets a -debuginfo package from redhat-rpm-config; it holds no module and
# would fail verify. Nobody installs it on dom0, so it is not built.
_NO_DEBUGINFO = ["--define", "debug_package %{nil}"]


def build(ex: Executor, recipe: Recipe, source: BuildInput, kver: str, into: Path, log: Path) -> Built:
    """Run the steps of the module docstring on `ex`; the RPMs land in `into`, rpmbuild's output in `log`."""
    # mktemp and every directory in one round trip. The DDK's rpm 4.4 creates only the last component of
    # a missing path (rpmMkdirPath), so the whole _topdir tree is made here; `in` takes the input files.
    made = _checked(ex.run(["sh", "-c", _MAKE_WORK], step="mktemp"), "mktemp -d")
    work = made.text().strip()
    if not work.startswith("/tmp/xenkit-build."):
        raise ToolkitError(f"{ex.name}: mktemp -d printed {work!r}, not a directory under /tmp")
    try:
        top = f"{work}/top"
        srpm = _upload(ex, source, work, recipe, kver, top)
        say(f"rpm -ivh --nomd5 {posixpath.basename(srpm)} (into {top})")
        spec = f"{top}/SPECS/{recipe.spec}"
        # The spec check rides along (exit 3 below): one round trip less.
        installed = ex.run(["sh", "-c", 'rpm -ivh --nomd5 --define "_topdir $1" "$2" || exit; test -f "$3" || exit 3',
                            "rpm", top, srpm, spec], step="rpm -ivh")
        if installed.status == 3:
            raise ToolkitError(f"{posixpath.basename(srpm)} installed no SPECS/{recipe.spec}")
        _checked(installed, f"rpm -ivh --nomd5 {posixpath.basename(srpm)}")
        wrote = _rpmbuild(ex, ["rpmbuild", "-ba", "--define", f"_topdir {top}", *_NO_DEBUGINFO,
                               *recipe.rpmbuild_defines(kver), spec], log)
        for path in wrote:
            if not path.startswith(f"{top}/"):
                raise ToolkitError(f"rpmbuild wrote {path}, outside its _topdir {top}: a ~/.rpmmacros on "
                                   f"{ex.name} overrides a directory; the RPMs would not be ours")
        binaries = [p for p in wrote if not p.endswith(".src.rpm") and "-debuginfo-" not in posixpath.basename(p)]
        if not binaries:
            raise ToolkitError(f"rpmbuild -ba {recipe.spec} wrote no binary RPM (Wrote: {', '.join(wrote) or '-'})")
        local = tuple(_download(ex, p, into) for p in binaries)
        source_rpm = next((posixpath.basename(p) for p in wrote if p.endswith(".src.rpm")), posixpath.basename(srpm))
        return Built(local, source_rpm, ex.name)
    finally:
        try:
            ex.run(["rm", "-rf", "--", work], step="remove the work directory")
        except RemoteError:  # the connection is gone: the error that got us here matters more
            say(f"could not remove {work} on {ex.name}: remove it by hand")


def _upload(ex: Executor, source: BuildInput, work: str, recipe: Recipe, kver: str, top: str) -> str:
    """Put the input on the build host; return the source RPM's path there (packing one if needed)."""
    incoming = f"{work}/in"
    for file in source.files:
        say(f"upload {file.name} -> {ex.name}")  # a step of the build's log, however quick (the bar may not show)
        bar = TransferProgress(f"upload {file.name} -> {ex.name}")
        sent = ex.put(file.path, f"{incoming}/{file.name}", progress=bar)
        bar.finish()
        if sent.sha256 != file.sha256:
            raise ToolkitError(f"{file.name}: changed while it was uploaded (sha256 {sent.sha256}, "
                               f"expected {file.sha256}); run again")
    if source.kind == "srpm":
        return f"{incoming}/{source.files[0].name}"
    say(f"rpmbuild -bs {recipe.spec} (pack the recipe's files into a source RPM)")
    packed = ex.run(["rpmbuild", "-bs", "--define", f"_sourcedir {incoming}", "--define", f"_srcrpmdir {work}/srpm",
                     "--define", f"_topdir {top}", *recipe.rpmbuild_defines(kver), f"{incoming}/{recipe.spec}"],
                    step="rpmbuild -bs", timeout=600)
    _checked(packed, f"rpmbuild -bs {recipe.spec}")
    wrote = _WROTE.findall(packed.text())
    if len(wrote) != 1:
        raise ToolkitError(f"rpmbuild -bs {recipe.spec} did not say which source RPM it wrote")
    return str(wrote[0])


def _rpmbuild(ex: Executor, argv: list[str], log: Path) -> list[str]:
    """Run rpmbuild with its output streamed into `log`; show each phase as it starts."""
    say(f"rpmbuild -ba {posixpath.basename(argv[-1])} on {ex.name} (its output goes to a log, kept if it fails)")
    spec = posixpath.basename(argv[-1])
    try:
        with log.open("wb") as sink:
            result = ex.run(argv, timeout=BUILD_TIMEOUT, step="rpmbuild -ba", on_output=_tee(sink))
    except RemoteError as exc:  # a timeout or a dropped connection: the log so far still tells where it was
        tail = _tail(log)
        raise BuildFailed(f"rpmbuild -ba {spec} on {ex.name}: {exc.message}; the last {len(tail)} lines of its "
                          "log:", tail) from None
    text = log.read_text(encoding="utf-8", errors="replace")
    if not result.ok:
        tail = _tail(log)
        raise BuildFailed(f"rpmbuild -ba {spec} failed on {ex.name} (exit {result.status}); the last {len(tail)} "
                          "lines of its log:", tail)
    return list(_WROTE.findall(text))


def _tail(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8", errors="replace").rstrip("\n").splitlines()[-LOG_TAIL:]


def _tee(sink: IO[bytes]) -> Callable[[str, bytes], None]:
    def write(_stream: str, chunk: bytes) -> None:
        sink.write(chunk)
        for phase in _PHASE.findall(chunk):  # a phase line split across chunks is only not shown
            say(f"rpmbuild: {phase.decode()}")
    return write


def _download(ex: Executor, remote: str, into: Path) -> Path:
    target = into / posixpath.basename(remote)
    bar = TransferProgress(f"download {target.name} <- {ex.name}")
    ex.get(remote, target, progress=bar)
    bar.finish()
    return target


def _checked(result: RunResult, what: str) -> RunResult:
    return result.check(what, tail=LOG_TAIL)
