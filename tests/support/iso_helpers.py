"""DDK-like ISOs for tests, written with pycdlib (shared by the ddk extract and ddk import tests)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TypedDict


class _Names(TypedDict, total=False):
    """A path's names in each of the image's name spaces, as pycdlib's add_* take them."""

    iso_path: str
    rr_name: str
    joliet_path: str


def _iso9660(name: str, is_dir: bool) -> str:
    stem = "".join(c if c.isalnum() or c in "._" else "_" for c in name.upper())
    return stem if is_dir else (stem if "." in stem else stem + ".") + ";1"


def make_iso(path: Path, files: dict[str, bytes], *, rock_ridge: bool = True, joliet: bool = True,
             symlinks: dict[str, str] | None = None, rr_names: dict[str, str] | None = None) -> Path:
    """An ISO of `files` (relative names), written by pycdlib. `rr_names` gives a path a different Rock Ridge
    name (how unsafe names are made); `symlinks` adds Rock Ridge symlinks name -> target."""
    import pycdlib

    image = pycdlib.PyCdlib()
    image.new(interchange_level=3, rock_ridge="1.09" if rock_ridge else None, joliet=3 if joliet else None)
    rr_names = rr_names or {}
    keep: list[io.BytesIO] = []  # pycdlib reads these at write(): they must stay open until then
    made: set[str] = set()

    def names(rel: str, is_dir: bool) -> _Names:
        parts = rel.split("/")
        iso_path = "/" + "/".join(_iso9660(p, is_dir or i < len(parts) - 1) for i, p in enumerate(parts))
        args: _Names = {"iso_path": iso_path}
        if rock_ridge:
            args["rr_name"] = rr_names.get(rel, parts[-1])
        if joliet:
            args["joliet_path"] = "/" + rel
        return args

    for rel in sorted(files):
        parts = rel.split("/")
        for depth in range(1, len(parts)):
            directory = "/".join(parts[:depth])
            if directory not in made:
                made.add(directory)
                image.add_directory(**names(directory, True))
        data = io.BytesIO(files[rel])
        keep.append(data)
        image.add_fp(data, len(files[rel]), **names(rel, False))
    for i, (name, target) in enumerate(sorted((symlinks or {}).items())):
        image.add_symlink(symlink_path=f"/LINK{i}.;1", rr_symlink_name=name, rr_path=target)
    image.write(str(path))
    image.close()
    return path
