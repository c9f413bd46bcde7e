"""The payload of a driver RPM: decompressed, its cpio (newc) members walked once in archive order, and the
`.modinfo` of each kernel module in it (`.ko`, `.ko.xz`, `.ko.gz`) read.
"""

from __future__ import annotations

import bz2
import gzip
import importlib
import lzma
import zlib
from dataclasses import dataclass
from typing import IO, Protocol, cast

from toolkit.driver.elfmodinfo import ModinfoError, kernel_release, read_modinfo
from toolkit.errors import UsageError

MAX_MODULE = 64 * 1024 * 1024  # a .ko bigger than this is read no further
MODULE_SUFFIXES = (".ko", ".ko.xz", ".ko.gz")
CHUNK = 1024 * 1024
_CPIO_HEADER = 110  # "070701" + 13 fields of 8 hex digits
_S_IFMT, _S_IFREG = 0o170000, 0o100000


class Reader(Protocol):
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


def decompressed(label: str, raw: Reader, compression: str) -> Reader:
    """The payload `raw` (positioned at its first byte) as the cpio archive it compresses."""
    fileobj = cast("IO[bytes]", raw)  # the decompressors only call read(): seek() only to rewind, never done here
    if compression == "gzip":
        return gzip.GzipFile(fileobj=fileobj, mode="rb")
    if compression in ("xz", "lzma"):
        return lzma.LZMAFile(fileobj)
    if compression == "bzip2":
        return bz2.BZ2File(fileobj)
    if compression == "zstd":
        try:
            zstandard = importlib.import_module("zstandard")
        except ImportError:
            hint = "pip install zstandard, or rebuild with --define '_binary_payload w9.gzdio'"
            raise UsageError(f"{label}: zstd payload, and the Python package zstandard is not installed",
                             hint) from None
        reader: Reader = zstandard.ZstdDecompressor().stream_reader(raw)
        return reader
    raise UsageError(f"{label}: payload compression {compression!r} is not one of gzip, xz, lzma, bzip2, zstd")


def modules(stream: Reader) -> list[ModuleInfo]:
    """Walk the cpio (newc) payload once; the .ko members, parsed. Ends at TRAILER!!!, then drains the stream
    so that a cut-off compressed stream is noticed."""
    found: list[ModuleInfo] = []
    waiting: dict[int, list[str]] = {}  # hard links: rpm stores the data with the last name only
    while True:  # every member starts 4-aligned: header + name, then the data, are padded to 4 bytes
        header = read_exact(stream, _CPIO_HEADER)
        if header[:6] not in (b"070701", b"070702"):
            raise ValueError(f"cpio member with magic {header[:6]!r}; rpm writes 070701 (newc)")
        fields = [int(header[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        ino, mode, nlink, filesize, namesize = fields[0], fields[1], fields[4], fields[6], fields[11]
        name = read_exact(stream, namesize + -(_CPIO_HEADER + namesize) % 4)[:namesize].rstrip(b"\0")
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
                found.extend(ModuleInfo(n, error=f"larger than {MAX_MODULE >> 20} MiB; not read") for n in names)
                skip(stream, filesize)
            else:
                data = read_exact(stream, filesize)
                found.extend(_module(n, data) for n in names)
        else:
            skip(stream, filesize)
        skip(stream, -filesize % 4)
    found.extend(ModuleInfo(n, error="hard link whose data never came") for names in waiting.values() for n in names)
    drain(stream)
    return found


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


def read_exact(stream: Reader, count: int) -> bytes:
    parts, left = [], count
    while left:
        part = stream.read(min(left, CHUNK))
        if not part:
            raise EOFError(f"the payload ends {left} byte(s) early (no cpio TRAILER!!!)")
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def skip(stream: Reader, count: int) -> None:
    while count:
        count -= len(read_exact(stream, min(count, CHUNK)))


def drain(stream: Reader) -> None:
    while stream.read(CHUNK):
        pass
