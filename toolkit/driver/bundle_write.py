"""The driver bundle: a tar.gz that is byte-identical for the same inputs.

Members are sorted, owned by root:root (uid/gid 0), mode 0644 (0755 for scripts), and carry one fixed
mtime; the gzip header's own mtime is 0 and it names no file. `SHA256SUMS` (the format `sha256sum -c`
reads) covers every other member. The file is written to a temp file beside the target and renamed.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import ToolkitError
from toolkit.output import write_bytes_atomic

# 2000-01-01T00:00:00Z: fixed, and after the epoch so that tools showing dates show a plausible one.
FIXED_MTIME = 946684800
SUMS = "SHA256SUMS"


@dataclass(frozen=True)
class Member:
    name: str  # path inside the bundle's top directory
    data: bytes
    executable: bool = False


def sha256sums(members: Mapping[str, bytes]) -> bytes:
    lines = [f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(members.items())]
    return "".join(lines).encode("ascii")


def write_bundle(target: Path, top: str, members: list[Member]) -> str:
    """Write `target` (a .tar.gz whose members live under `top/`); return its sha256."""
    names = [m.name for m in members]
    if len(set(names)) != len(names) or SUMS in names:
        raise ToolkitError(f"bundle {target.name}: duplicate member names or a member named {SUMS} (a bug)")
    for name in names:
        if name.startswith("/") or ".." in name.split("/") or not name:
            raise ToolkitError(f"bundle {target.name}: member name {name!r} would escape the bundle (a bug)")
    sums = Member(SUMS, sha256sums({m.name: m.data for m in members}))
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(_info(top, None, True))
        for member in sorted([*members, sums], key=lambda m: m.name):
            tar.addfile(_info(f"{top}/{member.name}", member, False), io.BytesIO(member.data))
    packed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=packed, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    data = packed.getvalue()
    _write_atomic(target, data)
    return hashlib.sha256(data).hexdigest()


def _info(name: str, member: Member | None, directory: bool) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mtime = FIXED_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    if directory:
        info.type, info.mode = tarfile.DIRTYPE, 0o755
    else:
        assert member is not None
        info.size = len(member.data)
        info.mode = 0o755 if member.executable else 0o644
    return info


def _write_atomic(target: Path, data: bytes) -> None:
    try:
        write_bytes_atomic(target, data, mode=0o644)
    except OSError as exc:
        raise ToolkitError(f"{target}: cannot write: {exc.strerror or exc}") from None
