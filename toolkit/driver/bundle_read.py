"""Reading a driver bundle back (`xenkit driver verify BUNDLE`): the same checks install.sh makes on the host,
here, before the bundle is copied anywhere: its members, SHA256SUMS, the manifest's kernel and RPM hashes.

The tar.gz is read without extracting anything but the RPMs (into a temp directory the caller owns), and a
member whose name would leave the bundle's top directory, or that is not a regular file, is a problem.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.driver.bundle_write import SUMS
from toolkit.driver.manifest import NAME as MANIFEST
from toolkit.driver.manifest import Manifest, ManifestError, decode
from toolkit.errors import UsageError
from toolkit.inputs.userfile import open_regular

GZIP_MAGIC = b"\x1f\x8b"
MAX_MEMBER = 512 * 1024 * 1024  # a driver RPM is a few MiB; more means this is not one of our bundles
REQUIRED = ("install.sh", "multipath.conf", MANIFEST)


@dataclass
class BundleContents:
    path: Path
    top: str = ""
    rpms: list[Path] = field(default_factory=list)  # extracted, for inspect_rpm
    manifest: Manifest | None = None  # None: absent, or not a JSON object
    problems: list[str] = field(default_factory=list)


def is_bundle(path: Path) -> bool:
    try:
        fd = open_regular(path)  # a FIFO is refused here, not waited on
    except UsageError:
        return False  # inspect_rpm reports the file that cannot be read
    try:
        with os.fdopen(fd, "rb") as handle:
            return handle.read(2) == GZIP_MAGIC
    except OSError:
        return False


def read_bundle(path: Path, scratch: Path, kver: str) -> BundleContents:
    """Check the bundle at `path`; its RPMs are written under `scratch`. Unreadable: UsageError."""
    found = BundleContents(path)
    try:
        with tarfile.open(path, "r:gz") as tar:
            data = _members(tar, found)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise UsageError(f"{path}: not a readable bundle (tar.gz): {exc}") from None
    label = path.name
    sums = data.pop(SUMS, None)
    if sums is None:
        found.problems.append(f"{label}: no {SUMS}")
    else:
        found.problems.extend(f"{label}: {p}" for p in _check_sums(sums, data))
    for name in REQUIRED:
        if name not in data:
            found.problems.append(f"{label}: no {name}")
    if MANIFEST in data:
        found.manifest = _manifest(label, data[MANIFEST], data, kver, found.problems)
    for name in sorted(n for n in data if n.endswith(".rpm")):
        target = scratch / name
        target.write_bytes(data[name])
        found.rpms.append(target)
    if not found.rpms:
        found.problems.append(f"{label}: holds no RPM")
    return found


def _members(tar: tarfile.TarFile, found: BundleContents) -> dict[str, bytes]:
    data: dict[str, bytes] = {}
    for member in tar:
        name = posixpath.normpath(member.name)
        top, _, rest = name.partition("/")
        if name.startswith("/") or ".." in name.split("/") or (found.top and top != found.top):
            found.problems.append(f"{found.path.name}: member {member.name!r} is outside the bundle's directory")
            continue
        found.top = found.top or top
        if member.isdir() and not rest:
            continue
        if not member.isfile() or "/" in rest or not rest:
            found.problems.append(f"{found.path.name}: member {member.name!r} is not a file of the bundle")
            continue
        if member.size > MAX_MEMBER:
            found.problems.append(f"{found.path.name}: member {rest} is {member.size} bytes: too big to be ours")
            continue
        handle = tar.extractfile(member)
        assert handle is not None  # a regular file always has data
        data[rest] = handle.read()
    return data


def _check_sums(sums: bytes, data: dict[str, bytes]) -> list[str]:
    problems, listed = [], set()
    for line in sums.decode("utf-8", "replace").splitlines():
        digest, _, name = line.partition("  ")
        listed.add(name)
        if name not in data:
            problems.append(f"{SUMS} lists {name!r}, which is not in the bundle")
        elif hashlib.sha256(data[name]).hexdigest() != digest:
            problems.append(f"{name}: sha256 differs from {SUMS} (changed after the bundle was made)")
    problems.extend(f"{name}: not in {SUMS}" for name in sorted(set(data) - listed))
    return problems


def _manifest(label: str, raw: bytes, data: dict[str, bytes], kver: str, problems: list[str]) -> Manifest | None:
    try:
        manifest = decode(raw)
    except ManifestError as exc:
        problems.append(f"{label}: {MANIFEST} {exc}")
        return None
    if manifest.get("kernel") != kver:
        problems.append(f"{label}: built for kernel {manifest.get('kernel')}, expected {kver}")
    for rpm in manifest.get("rpms", []):
        name = rpm.get("file") if isinstance(rpm, dict) else None
        if name not in data:
            problems.append(f"{label}: {MANIFEST} names {name!r}, which is not in the bundle")
        elif hashlib.sha256(data[name]).hexdigest() != rpm.get("sha256"):
            problems.append(f"{label}: {name}: sha256 differs from {MANIFEST}")
    return manifest
