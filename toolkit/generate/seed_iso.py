"""A small ISO 9660 image (Rock Ridge + Joliet) holding a few files under a volume label, byte for byte the same
for the same label and files.

Installers find their answers on such a volume by its label (anaconda: OEMDRV; cloud-init NoCloud: cidata) and read
the files by their Rock Ridge names, so `user-data` keeps its dash and case there; the plain ISO 9660 names are only
a fallback. pycdlib stamps every volume descriptor and directory record with time.time() in local time: while the
image is built, its modules see a clock frozen at SOURCE_DATE (UTC), so nothing in the image depends on when or in
which time zone it was made.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from toolkit.errors import ValidationError

# 1980-01-01 00:00:00 UTC: the earliest date every consumer of ISO and zip dates takes (the date reproducible
# builds conventionally use); it says nothing about the image.
SOURCE_DATE = 315532800.0
MAX_LABEL = 32  # the primary volume descriptor's volume identifier field
MAX_JOLIET_LABEL = 16  # the same field holds UCS-2 in the Joliet descriptor: 16 characters
_LABEL = re.compile(r"^[A-Za-z0-9_]{1,16}$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# pycdlib's modules that read the clock (pycdlib 1.14-1.22: pycdlib.py, headervd.py, dates.py, utils.py).
_CLOCK_MODULES = ("pycdlib.pycdlib", "pycdlib.headervd", "pycdlib.dates", "pycdlib.utils")


def build_seed_iso(label: str, files: Mapping[str, bytes]) -> bytes:
    """The image's bytes: `files` ({name: content}, flat, at the root) on a volume labelled `label`."""
    import pycdlib

    _check(label, files)
    image = pycdlib.PyCdlib()
    keep: list[io.BytesIO] = []  # pycdlib reads the contents at write(): they stay open until then
    out = io.BytesIO()
    with _frozen_clock():
        # Level 3 so that a name such as META_DATA.;1 may be longer than 8.3; sys/app identifiers are pycdlib's
        # constants. Both labels are the same text: blkid reports the Joliet one when there is one.
        image.new(interchange_level=3, vol_ident=label, rock_ridge="1.09", joliet=3)
        for name in sorted(files):
            data = io.BytesIO(files[name])
            keep.append(data)
            image.add_fp(data, len(files[name]), iso_path=f"/{_iso9660_name(name)};1", rr_name=name,
                         joliet_path=f"/{name}")
        image.write_fp(out)
        image.close()
    return out.getvalue()


def read_seed_file(image: Path, name: str, limit: int) -> bytes | None:
    """File `name` at the root of an existing seed image (by its Rock Ridge name); None if it cannot be had."""
    import pycdlib

    try:
        if not image.is_file() or image.stat().st_size > 64 * limit:
            return None
        reader = pycdlib.PyCdlib()
        reader.open(str(image))
        try:
            out = io.BytesIO()
            reader.get_file_from_iso_fp(out, rr_path=f"/{name}")
        finally:
            reader.close()
    except Exception:  # any damage, or not an image of ours: there is nothing to reuse
        return None
    data = out.getvalue()
    return data if len(data) <= limit else None


def seed_image_label(image: Path, limit: int = 1 << 20) -> str | None:
    """The volume label of `image` if it is a small ISO 9660 image (at most `limit` bytes); None otherwise."""
    import pycdlib

    try:
        if not image.is_file() or image.stat().st_size > limit:
            return None
        reader = pycdlib.PyCdlib()
        reader.open(str(image))
        try:
            label: bytes = reader.pvd.volume_identifier
        finally:
            reader.close()
    except Exception:  # any damage, or not an ISO image: not one of ours
        return None
    return label.decode("ascii", errors="replace").rstrip(" ")


def _check(label: str, files: Mapping[str, bytes]) -> None:
    if not _LABEL.fullmatch(label):
        raise ValidationError("label", f"{label!r}: a volume label here is 1-{MAX_JOLIET_LABEL} letters, digits or _")
    if not files:
        raise ValidationError("files", "a seed volume needs at least one file")
    for name in files:
        if not _FILE_NAME.fullmatch(name):
            raise ValidationError("files", f"{name!r}: a seed file name is letters, digits, '.', '_' or '-'")
    plain = [_iso9660_name(name) for name in files]
    if len(set(plain)) != len(plain):
        raise ValidationError("files", f"{sorted(files)}: two names map to the same ISO 9660 name")


def _iso9660_name(name: str) -> str:
    """The plain ISO 9660 name: upper case d-characters, one dot (`user-data` -> `USER_DATA.`)."""
    stem, dot, ext = name.upper().rpartition(".")
    if not dot:
        stem, ext = ext, ""
    clean = re.sub(r"[^A-Z0-9_]", "_", stem)[:30], re.sub(r"[^A-Z0-9_]", "_", ext)[:30 - min(len(stem), 30)]
    return f"{clean[0]}.{clean[1]}"


@contextmanager
def _frozen_clock() -> Iterator[None]:
    """pycdlib's modules see a `time` whose now is SOURCE_DATE and whose local time is UTC."""
    import importlib

    clock = SimpleNamespace(**{name: getattr(time, name) for name in dir(time) if not name.startswith("__")})
    clock.time = lambda: SOURCE_DATE
    clock.localtime = _utc
    modules = [importlib.import_module(name) for name in _CLOCK_MODULES]
    saved = [getattr(module, "time") for module in modules]  # noqa: B009  (mypy: pycdlib has no stubs)
    for module in modules:
        setattr(module, "time", clock)  # noqa: B010
    try:
        yield
    finally:
        for module, original in zip(modules, saved, strict=True):
            setattr(module, "time", original)  # noqa: B010


def _utc(seconds: Any = None) -> time.struct_time:
    return time.gmtime(SOURCE_DATE if seconds is None else seconds)
