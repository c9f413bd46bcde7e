"""What a driver RPM holds, and whether its kernel modules fit a given kernel (`xenkit driver verify`).

`inspect_rpm` reads the file once, front to back: the lead and headers (rpm_digests.py; parsed with rpmfile:
name, version, release, arch, group, file list), then the cpio payload in archive order (rpm_payload.py),
parsing the `.modinfo` of each `.ko` (`.ko.xz` and `.ko.gz` too) and computing the digests the package
carries of itself as the bytes go by. `verify` checks a list of them against a kernel release: the later
bundle step runs the same check.
"""

from __future__ import annotations

import io
import lzma
import os
import posixpath
import re
import struct
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from toolkit.driver import rpm_payload
from toolkit.driver.rpm_digests import Digests, read_headers
from toolkit.driver.rpm_payload import ModuleInfo, decompressed
from toolkit.errors import ToolkitError, UsageError
from toolkit.inputs.userfile import open_regular

RPM_LEAD_MAGIC = b"\xed\xab\xee\xdb"
_ARCH_ELF = {"i386": (32, "i386"), "i486": (32, "i386"), "i586": (32, "i386"), "i686": (32, "i386"),
             "athlon": (32, "i386"), "x86_64": (64, "x86-64"), "aarch64": (64, "aarch64")}
VERMAGIC_HINT = ("the kernel refuses a module whose vermagic differs (insmod: \"Invalid module format\"): build "
                 "it against that kernel's headers (the DDK of the same XenServer release); `uname -r` on the host "
                 "prints the release to give --kernel")


@dataclass(frozen=True)
class RpmInfo:
    source: str  # the file read
    name: str
    version: str
    release: str
    arch: str
    group: str
    source_package: bool  # a .src.rpm: no SOURCERPM tag
    compression: str  # of the payload: gzip, xz, bzip2, lzma, zstd
    files: tuple[str, ...]  # as `rpm -qlp` lists them, from the header
    modules: tuple[ModuleInfo, ...]  # every .ko in the payload, in archive order
    digests: tuple[str, ...]  # the digests it carries of itself, all checked: "header SHA-256", ...
    digest_mismatches: tuple[str, ...]  # those that differ: the file was damaged or changed since it was built

    @property
    def nvra(self) -> str:
        return f"{self.name}-{self.version}-{self.release}.{self.arch}"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "nvra": self.nvra}


@dataclass(frozen=True)
class Verdict:
    kernel: str
    errors: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def hint(self) -> str | None:
        return VERMAGIC_HINT if any("vermagic says" in error for error in self.errors) else None

    def raise_if_failed(self) -> None:
        if self.errors:
            raise DriverCheckFailed(list(self.errors), self.hint)


class DriverCheckFailed(ToolkitError):
    """A driver RPM does not fit the kernel, or is corrupt: one `error:` line per problem. Exit code 1, or
    2 when a file could not be read at all (`xenkit driver verify` gives the worst of its files)."""

    def __init__(self, problems: list[str], hint: str | None = None, exit_code: int = 1) -> None:
        super().__init__(f"{len(problems)} problem(s) with the driver RPMs", hint)
        self.problems = problems
        self.exit_code = exit_code

    def lines(self) -> list[str]:
        return list(self.problems)


def verify(infos: Sequence[RpmInfo], kver: str) -> Verdict:
    """The problems that stop these RPMs from loading on kernel `kver`; warnings do not fail the check."""
    errors: list[str] = []
    warnings: list[str] = []
    for info in infos:
        label = Path(info.source).name
        if info.digest_mismatches:
            differ = ", ".join(info.digest_mismatches)
            errors.append(f"{label}: corrupt: digests differ from the ones it carries ({differ}): damaged or changed "
                          "since it was built; rpm -K says DIGESTS NOT OK")
        elif not info.digests:
            warnings.append(f"{label}: carries no digest of its header or payload: damage cannot be detected")
        if info.source_package:
            errors.append(f"{label}: is a source RPM; give the binary RPM that rpmbuild wrote (Wrote: ...)")
            continue
        if not info.modules:
            errors.append(f"{label}: {info.nvra} holds no kernel module (.ko)")
        if not info.group.endswith("/Kernel"):
            warnings.append(f'{label}: Group "{info.group}" does not end in /Kernel (XenServer driver RPMs use '
                            "System Environment/Kernel)")
        errors.extend(f"{label}: module {m.path}: {p}" for m in info.modules for p in _module_problems(info, m, kver))
    return Verdict(kver, tuple(errors), tuple(warnings))


def _module_problems(info: RpmInfo, module: ModuleInfo, kver: str) -> list[str]:
    problems = []
    path = posixpath.normpath(module.path)
    allowed = (f"/lib/modules/{kver}/extra/", f"/lib/modules/{kver}/updates/")
    if not path.startswith(allowed):
        other = re.match(r"^/lib/modules/([^/]+)/(?:extra|updates)/", path)
        where = f"installs for kernel {other.group(1)}" if other else "is not in a driver directory"
        problems.append(f"{where}, expected under {allowed[0]} or {allowed[1]}")
    if module.error is not None:
        return [*problems, module.error]
    if module.kernel_release != kver:
        problems.append(f'vermagic says {module.kernel_release}, expected {kver} (vermagic "{module.vermagic}")')
    if not module.relocatable:
        problems.append("not an ELF relocatable object (ET_REL): the kernel loads nothing else")
    expected = _ARCH_ELF.get(info.arch)
    if expected is not None and expected != (module.elf_class, module.machine):
        problems.append(f"ELF{module.elf_class} {module.machine}, but the RPM's arch {info.arch} needs "
                        f"ELF{expected[0]} {expected[1]}")
    return problems


def inspect_rpm(path: Path, shown_as: str | None = None) -> RpmInfo:
    """Read an RPM file. Raises UsageError (naming the file, or `shown_as`) when it is unreadable, not an RPM,
    or cut short or damaged so that it cannot be read; a digest that does not match is in the RpmInfo."""
    label = shown_as or str(path)
    fd = open_regular(path)  # a FIFO or a directory is refused, not waited on
    try:
        with os.fdopen(fd, "rb") as handle:
            return _inspect(label, handle)
    except OSError as exc:
        raise UsageError(f"{label}: cannot read: {exc.strerror or exc}") from exc


def _inspect(label: str, handle: IO[bytes]) -> RpmInfo:
    import rpmfile

    if handle.read(4) != RPM_LEAD_MAGIC:
        raise UsageError(f"{label}: not an RPM (an RPM starts with the bytes ed ab ee db)")
    handle.seek(0)
    stored = read_headers(label, handle, os.fstat(handle.fileno()).st_size)
    try:  # the headers just read, parsed from memory: the file is read once, front to back
        headers: dict[str, Any] = rpmfile.open(fileobj=io.BytesIO(stored.lead_and_signature + stored.header)).headers
    except (rpmfile.errors.RPMError, AssertionError, struct.error, ValueError, IndexError, TypeError) as exc:
        raise UsageError(f"{label}: truncated or damaged RPM header ({exc or type(exc).__name__})") from exc
    if "name" not in headers:
        raise UsageError(f"{label}: damaged RPM header: no NAME tag")
    compression = _text(headers.get("archive_compression", b"gzip"))
    payload_format = _text(headers.get("archive_format", b"cpio"))
    if payload_format != "cpio":
        raise UsageError(f"{label}: payload format {payload_format}, not cpio")
    digests = Digests.of(stored)
    payload = digests.payload_reader(handle)
    stream = decompressed(label, payload, compression)
    try:
        modules = rpm_payload.modules(stream)
        digests.finish(payload)
    except (EOFError, OSError, lzma.LZMAError, zlib.error, ValueError) as exc:
        reason = str(exc) or type(exc).__name__
        raise UsageError(f"{label}: truncated or damaged RPM payload ({compression}: {reason})") from exc
    return RpmInfo(label, _text(headers["name"]), _text(headers.get("version")), _text(headers.get("release")),
                   _text(headers.get("arch")), _text(headers.get("group")), "sourcerpm" not in headers,
                   compression, _file_list(label, headers), tuple(modules), tuple(digests.checked),
                   tuple(digests.mismatched))


def _file_list(label: str, headers: dict[str, Any]) -> tuple[str, ...]:
    if "basenames" in headers:
        bases, dirs = _texts(headers["basenames"]), _texts(headers.get("dirnames", []))
        index = headers.get("dirindexes", ())
        indexes = (index,) if isinstance(index, int) else tuple(index)
        if len(indexes) != len(bases) or any(not 0 <= i < len(dirs) for i in indexes):
            raise UsageError(f"{label}: damaged RPM header (file names and directory indexes disagree)")
        return tuple(dirs[i] + base for i, base in zip(indexes, bases, strict=True))
    return tuple(_texts(headers.get("oldfilenames", [])))


def _texts(value: Any) -> list[str]:
    return [_text(value)] if isinstance(value, bytes) else [_text(item) for item in value]


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else "" if value is None else str(value)
