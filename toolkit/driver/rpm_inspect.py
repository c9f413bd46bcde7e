"""What a driver RPM holds, and whether its kernel modules fit a given kernel (`xenkit driver verify`).

`inspect_rpm` reads the header with rpmfile (name, version, release, arch, group, file list) and walks the
cpio payload once, in archive order, parsing the `.modinfo` of each `.ko` (`.ko.xz` and `.ko.gz` too).
`verify` checks a list of them against a kernel release: the later bundle step runs the same check.
"""

from __future__ import annotations

import bz2
import gzip
import importlib
import lzma
import posixpath
import re
import struct
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from toolkit.driver.elfmodinfo import ModinfoError, kernel_release, read_modinfo
from toolkit.errors import ToolkitError, UsageError

RPM_LEAD_MAGIC = b"\xed\xab\xee\xdb"
MAX_MODULE = 64 * 1024 * 1024  # a .ko bigger than this is read no further
MODULE_SUFFIXES = (".ko", ".ko.xz", ".ko.gz")
_CPIO_HEADER = 110  # "070701" + 13 fields of 8 hex digits
_CHUNK = 1024 * 1024
_S_IFMT, _S_IFREG = 0o170000, 0o100000
_ARCH_ELF = {"i386": (32, "i386"), "i486": (32, "i386"), "i586": (32, "i386"), "i686": (32, "i386"),
             "athlon": (32, "i386"), "x86_64": (64, "x86-64"), "aarch64": (64, "aarch64")}
VERMAGIC_HINT = ("the kernel refuses a module whose vermagic differs (insmod: \"Invalid module format\"): build "
                 "it against that kernel's headers (the DDK of the same XenServer release); `uname -r` on the host "
                 "prints the release to give --kernel")


class _Reader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class ModuleInfo:
    path: str  # where rpm installs it: /lib/modules/<kver>/extra/x.ko
    vermagic: str = ""
    kernel_release: str = ""
    elf_class: int = 0  # 32 or 64; 0 when the file could not be read
    machine: str = ""
    relocatable: bool = False
    error: str | None = None  # why no vermagic could be read


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

    def raise_if_failed(self) -> None:
        if self.errors:
            vermagic = any("vermagic says" in error for error in self.errors)
            raise DriverCheckFailed(list(self.errors), VERMAGIC_HINT if vermagic else None)


class DriverCheckFailed(ToolkitError):
    """A driver RPM does not fit the kernel: one `error:` line per problem."""

    def __init__(self, problems: list[str], hint: str | None = None) -> None:
        super().__init__(f"{len(problems)} problem(s) with the driver RPMs", hint)
        self.problems = problems

    def lines(self) -> list[str]:
        return list(self.problems)


def verify(infos: Sequence[RpmInfo], kver: str) -> Verdict:
    """The problems that stop these RPMs from loading on kernel `kver`; warnings do not fail the check."""
    errors: list[str] = []
    warnings: list[str] = []
    for info in infos:
        label = Path(info.source).name
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


def inspect_rpm(path: Path) -> RpmInfo:
    """Read an RPM file. Raises UsageError (naming the file) when it is unreadable, not an RPM, or damaged."""
    try:
        with path.open("rb") as handle:
            return _inspect(path, handle)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def _inspect(path: Path, handle: IO[bytes]) -> RpmInfo:
    import rpmfile

    lead = handle.read(4)
    if lead != RPM_LEAD_MAGIC:
        raise UsageError(f"{path}: not an RPM (an RPM starts with the bytes ed ab ee db)")
    handle.seek(0)
    size = path.stat().st_size
    try:
        rpm = rpmfile.open(fileobj=handle)
        headers: dict[str, Any] = rpm.headers
        offset: int = rpm.data_offset
    except (rpmfile.errors.RPMError, AssertionError, struct.error, ValueError, IndexError, TypeError) as exc:
        raise UsageError(f"{path}: truncated or damaged RPM header ({exc or type(exc).__name__})") from exc
    if offset > size:
        raise UsageError(f"{path}: truncated RPM: the header ends past the file's {size} bytes")
    if "name" not in headers:
        raise UsageError(f"{path}: damaged RPM header: no NAME tag")
    compression = _text(headers.get("archive_compression", b"gzip"))
    payload_format = _text(headers.get("archive_format", b"cpio"))
    if payload_format != "cpio":
        raise UsageError(f"{path}: payload format {payload_format}, not cpio")
    handle.seek(offset)
    stream = _decompressed(path, handle, compression)
    try:
        modules = _modules(stream)
    except (EOFError, OSError, lzma.LZMAError, zlib.error, ValueError) as exc:
        reason = str(exc) or type(exc).__name__
        raise UsageError(f"{path}: truncated or damaged RPM payload ({compression}: {reason})") from exc
    return RpmInfo(str(path), _text(headers["name"]), _text(headers.get("version")), _text(headers.get("release")),
                   _text(headers.get("arch")), _text(headers.get("group")), "sourcerpm" not in headers,
                   compression, _file_list(path, headers), tuple(modules))


def _decompressed(path: Path, handle: IO[bytes], compression: str) -> _Reader:
    if compression == "gzip":
        return gzip.GzipFile(fileobj=handle, mode="rb")
    if compression in ("xz", "lzma"):
        return lzma.LZMAFile(handle)
    if compression == "bzip2":
        return bz2.BZ2File(handle)
    if compression == "zstd":
        try:
            zstandard = importlib.import_module("zstandard")
        except ImportError:
            hint = "pip install zstandard, or rebuild with --define '_binary_payload w9.gzdio'"
            raise UsageError(f"{path}: zstd payload, and the Python package zstandard is not installed", hint) from None
        reader: _Reader = zstandard.ZstdDecompressor().stream_reader(handle)
        return reader
    raise UsageError(f"{path}: payload compression {compression!r} is not one of gzip, xz, lzma, bzip2, zstd")


def _modules(stream: _Reader) -> list[ModuleInfo]:
    """Walk the cpio (newc) payload once; the .ko members, parsed. Ends at TRAILER!!!, then drains the stream
    so that a cut-off compressed stream is noticed."""
    modules: list[ModuleInfo] = []
    waiting: dict[int, list[str]] = {}  # hard links: rpm stores the data with the last name only
    while True:  # every member starts 4-aligned: header + name, then the data, are padded to 4 bytes
        header = _read_exact(stream, _CPIO_HEADER)
        if header[:6] not in (b"070701", b"070702"):
            raise ValueError(f"cpio member with magic {header[:6]!r}; rpm writes 070701 (newc)")
        fields = [int(header[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        ino, mode, nlink, filesize, namesize = fields[0], fields[1], fields[4], fields[6], fields[11]
        name = _read_exact(stream, namesize + -(_CPIO_HEADER + namesize) % 4)[:namesize].rstrip(b"\0")
        if name == b"TRAILER!!!":
            break
        text = name.decode("utf-8", "replace")
        installed = text[1:] if text.startswith("./") else "/" + text.lstrip("/")
        is_module = (mode & _S_IFMT) == _S_IFREG and installed.endswith(MODULE_SUFFIXES)
        if is_module and filesize == 0 and nlink > 1:
            waiting.setdefault(ino, []).append(installed)
        elif (is_module or ino in waiting) and filesize > 0:
            names = [*waiting.pop(ino, []), *([installed] if is_module else [])]
            if filesize > MAX_MODULE:
                modules.extend(ModuleInfo(n, error=f"larger than {MAX_MODULE >> 20} MiB; not read") for n in names)
                _skip(stream, filesize)
            else:
                data = _read_exact(stream, filesize)
                modules.extend(_module(n, data) for n in names)
        else:
            _skip(stream, filesize)
        _skip(stream, -filesize % 4)
    modules.extend(ModuleInfo(n, error="hard link whose data never came") for names in waiting.values() for n in names)
    while stream.read(_CHUNK):
        pass
    return modules


def _module(path: str, data: bytes) -> ModuleInfo:
    try:
        info = read_modinfo(_inflate(path, data) if path.endswith((".xz", ".gz")) else data)
        vermagic = info.vermagic
    except (ModinfoError, lzma.LZMAError, zlib.error, ValueError) as exc:
        return ModuleInfo(path, error=getattr(exc, "message", None) or str(exc))
    return ModuleInfo(path, vermagic, kernel_release(vermagic), info.elf_class, info.machine, info.relocatable)


def _inflate(path: str, data: bytes) -> bytes:
    """A .ko.xz or .ko.gz, decompressed; at most MAX_MODULE bytes of it."""
    if path.endswith(".xz"):
        xz = lzma.LZMADecompressor()
        out = xz.decompress(data, max_length=MAX_MODULE + 1)
        complete = xz.eof
    else:
        gz = zlib.decompressobj(wbits=31)
        out = gz.decompress(data, MAX_MODULE + 1)
        complete = gz.eof
    if len(out) > MAX_MODULE:
        raise ValueError(f"larger than {MAX_MODULE >> 20} MiB once decompressed; not read")
    if not complete:
        raise ValueError("compressed module is cut short")
    return out


def _read_exact(stream: _Reader, count: int) -> bytes:
    parts, left = [], count
    while left:
        part = stream.read(min(left, _CHUNK))
        if not part:
            raise EOFError(f"the payload ends {left} byte(s) early (no cpio TRAILER!!!)")
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _skip(stream: _Reader, count: int) -> None:
    while count:
        count -= len(_read_exact(stream, min(count, _CHUNK)))


def _file_list(path: Path, headers: dict[str, Any]) -> tuple[str, ...]:
    if "basenames" in headers:
        bases, dirs = _texts(headers["basenames"]), _texts(headers.get("dirnames", []))
        index = headers.get("dirindexes", ())
        indexes = (index,) if isinstance(index, int) else tuple(index)
        if len(indexes) != len(bases) or any(not 0 <= i < len(dirs) for i in indexes):
            raise UsageError(f"{path}: damaged RPM header (file names and directory indexes disagree)")
        return tuple(dirs[i] + base for i, base in zip(indexes, bases, strict=True))
    return tuple(_texts(headers.get("oldfilenames", [])))


def _texts(value: Any) -> list[str]:
    return [_text(value)] if isinstance(value, bytes) else [_text(item) for item in value]


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else "" if value is None else str(value)
