"""The build's input, found and checked here before anything goes to the build host.

A recipe is built either from a vendor source RPM (given with --source: the .src.rpm itself, or the zip or
tarball the vendor ships it in, such as RHEL6_MPIO_Setup_20110712.zip) or from files shipped in the recipe
directory (the demo: a spec and its sources, packed into a source RPM on the build host). A source RPM is
read here (lead, both headers, the payload's size) so that a truncated download or a binary RPM given by
mistake is reported by name instead of as an rpm error on a remote machine.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import shutil
import struct
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from toolkit.driver.recipe import Recipe
from toolkit.driver.rpm_inspect import RPM_LEAD_MAGIC, inspect_rpm
from toolkit.errors import UsageError
from toolkit.remote.local import sha256_of

_HEADER_MAGIC = b"\x8e\xad\xe8\x01"
_SIGTAG_SIZE = 1000  # header + payload size, in the signature header (INT32)
_SIGTAG_LONGSIZE = 270  # the same as INT64, for packages over 4 GiB
_LEAD_SIZE = 96
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")


@dataclass(frozen=True)
class SourceFile:
    name: str  # as it goes to the build host
    path: Path  # here
    sha256: str


@dataclass(frozen=True)
class BuildInput:
    kind: str  # "srpm": one vendor source RPM; "sources": spec + sources for rpmbuild -bs
    files: tuple[SourceFile, ...]
    origin: str  # what the input is, without local paths: messages and the manifest

    @property
    def sha256(self) -> str:
        """One hash over every input file (names and contents): the source step's id."""
        listing = json.dumps(sorted((f.name, f.sha256) for f in self.files), separators=(",", ":"))
        return hashlib.sha256(listing.encode()).hexdigest()

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "origin": self.origin, "sha256": self.sha256,
                "files": {f.name: f.sha256 for f in self.files}}


def resolve_input(recipe: Recipe, source: Path | None, scratch: Path) -> BuildInput:
    """The files to build from. A member taken out of a vendor archive is written under `scratch`."""
    if recipe.srpm is None:
        if source is not None:
            raise UsageError(f"--source {source}: recipe {recipe.name} builds from its own files "
                             f"({', '.join(recipe.sources)}); --source is for recipes built from a vendor source RPM")
        names = (recipe.spec, *recipe.sources)
        files = tuple(SourceFile(n, recipe.directory / n, sha256_of(recipe.directory / n)) for n in names)
        return BuildInput("sources", files, f"recipe {recipe.name}'s files")
    if source is None:
        where = f" or the vendor's {recipe.vendor_archive}" if recipe.vendor_archive else ""
        raise UsageError(f"recipe {recipe.name} needs --source: the source RPM ({recipe.srpm}){where}; "
                         "vendor files are not shipped with xenkit")
    if not source.is_file():
        raise UsageError(f"--source {source}: no such file")
    origin = source.name  # not the path: the manifest (and so the bundle) must not depend on where it sits
    if source.name.lower().endswith(_ARCHIVE_SUFFIXES):
        member, srpm = extract_member(source, recipe.srpm, scratch)
        origin = f"{source.name}:{member}"
    elif fnmatch.fnmatchcase(source.name, recipe.srpm) or source.name.endswith(".rpm"):
        srpm = source
    else:
        raise UsageError(f"--source {source}: neither a source RPM ({recipe.srpm}) nor a zip or tarball "
                         f"({', '.join(_ARCHIVE_SUFFIXES)}) holding one")
    check_srpm(srpm, recipe.spec)
    return BuildInput("srpm", (SourceFile(srpm.name, srpm, sha256_of(srpm)),), origin)


def extract_member(archive: Path, pattern: str, scratch: Path) -> tuple[str, Path]:
    """The one member of `archive` whose file name matches `pattern`, copied (streamed) into `scratch`."""
    try:
        if archive.name.lower().endswith(".zip"):
            with zipfile.ZipFile(archive) as zipped:
                names = [i.filename for i in zipped.infolist() if not i.is_dir()]
                member = _one_match(archive, names, pattern)
                with zipped.open(member) as data:
                    return member, _save(data, scratch, member)
        with tarfile.open(archive) as tarred:
            members = [m for m in tarred.getmembers() if m.isfile()]
            member = _one_match(archive, [m.name for m in members], pattern)
            data_or_none = tarred.extractfile(member)
            assert data_or_none is not None  # a regular file always has data
            with data_or_none as data:
                return member, _save(data, scratch, member)
    # RuntimeError: an encrypted member; NotImplementedError: a compression zipfile lacks (Deflate64).
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, RuntimeError, NotImplementedError,
            zlib.error) as exc:
        kind = "zip" if archive.name.lower().endswith(".zip") else "tarball"
        raise UsageError(f"--source {archive}: not a readable {kind} ({exc})") from None


def _one_match(archive: Path, names: list[str], pattern: str) -> str:
    matches = [n for n in names if fnmatch.fnmatchcase(PurePosixPath(n).name, pattern)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        raise UsageError(f'--source {archive}: no member matches "{pattern}"; it holds: {shown or "nothing"}')
    raise UsageError(f'--source {archive}: {len(matches)} members match "{pattern}": {", ".join(matches)}; '
                     "give the one to build with --source PATH-TO-IT")


def _save(data: IO[bytes], scratch: Path, member: str) -> Path:
    target = scratch / PurePosixPath(member).name  # the base name only: a member path cannot escape scratch
    with target.open("wb") as out:
        shutil.copyfileobj(data, out, 1024 * 1024)
    return target


def check_srpm(path: Path, spec: str) -> None:
    """A whole, readable source RPM that holds `spec`; else a UsageError naming the file and the problem."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        lead = handle.read(_LEAD_SIZE)
        if len(lead) < _LEAD_SIZE or lead[:4] != RPM_LEAD_MAGIC:
            raise UsageError(f"{path}: not an RPM (no RPM lead); a download error page, or the wrong file?")
        if struct.unpack(">H", lead[6:8])[0] != 1:
            raise UsageError(f"{path}: a binary RPM; the recipe needs the source RPM (.src.rpm)")
        signature, sig_end = _read_header(path, handle, _LEAD_SIZE)
        payload_size = signature.get(_SIGTAG_LONGSIZE) or signature.get(_SIGTAG_SIZE)
        header_start = sig_end + (-sig_end % 8)  # the signature header is padded to 8 bytes
        _, header_end = _read_header(path, handle, header_start)
    expected = header_start + payload_size if payload_size else header_end
    if size < expected:
        raise UsageError(f"{path}: truncated: {size} bytes, the RPM's header says {expected}; download it again")
    info = inspect_rpm(path)  # reads the header with rpmfile and walks the whole payload
    if info.digest_mismatches:  # the build host installs it with --nomd5: refuse a changed file here
        raise UsageError(f"{path}: corrupt: its digests differ from the ones it carries "
                         f"({', '.join(info.digest_mismatches)}); download it again")
    specs = [f for f in info.files if f.endswith(".spec")]
    if spec not in [PurePosixPath(f).name for f in info.files]:
        raise UsageError(f"{path}: holds no {spec} (specs in it: {', '.join(specs) or 'none'}); "
                         "is it the right source RPM for this recipe?")


def _read_header(path: Path, handle: IO[bytes], offset: int) -> tuple[dict[int, int], int]:
    """An RPM header structure at `offset`: its integer tags (enough for sizes) and where it ends."""
    handle.seek(offset)
    intro = handle.read(16)
    if len(intro) < 16 or intro[:4] != _HEADER_MAGIC:
        raise UsageError(f"{path}: damaged or truncated RPM (no header at byte {offset})")
    count, data_size = struct.unpack(">II", intro[8:16])
    index = handle.read(16 * count)
    data = handle.read(data_size)
    if len(index) < 16 * count or len(data) < data_size:
        raise UsageError(f"{path}: truncated RPM (its header at byte {offset} is cut off)")
    values: dict[int, int] = {}
    for i in range(count):
        tag, kind, where, _ = struct.unpack(">IIII", index[16 * i:16 * i + 16])
        if kind == 4 and where + 4 <= data_size:  # INT32
            values[tag] = struct.unpack(">I", data[where:where + 4])[0]
        elif kind == 5 and where + 8 <= data_size:  # INT64
            values[tag] = struct.unpack(">Q", data[where:where + 8])[0]
    return values, offset + 16 + 16 * count + data_size
