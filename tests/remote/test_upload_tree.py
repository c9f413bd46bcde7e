"""stream_upload.upload_tree through the local executor: a tree of streamed files, all or nothing."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from toolkit.errors import ToolkitError
from toolkit.remote.local import LocalExecutor
from toolkit.remote.stream_upload import StreamFile, upload_tree


def test_upload_tree_is_all_or_nothing(tmp_path: Path) -> None:
    def fill(data: bytes, fail: bool = False) -> Callable[[object], None]:
        def write(sink: object) -> None:
            sink.write(data)  # type: ignore[attr-defined]
            if fail:
                raise ToolkitError("source broke")
        return write

    files = [StreamFile("d/a", 3, fill(b"abc")), StreamFile("d/e/b", 2, fill(b"xy"))]
    assert upload_tree(LocalExecutor(), str(tmp_path / "t"), ["d", "d/e"], files) == 5
    assert (tmp_path / "t/d/e/b").read_bytes() == b"xy" and sorted(os.listdir(tmp_path)) == ["t"]
    for bad in (StreamFile("d/c", 3, fill(b"abc", fail=True)), StreamFile("d/c", 9, fill(b"short"))):
        with pytest.raises(ToolkitError, match=r"source broke|5 bytes, 9 expected"):
            upload_tree(LocalExecutor(), str(tmp_path / "u"), ["d"], [files[0], bad])
        assert sorted(os.listdir(tmp_path)) == ["t"]  # no u, no hidden part directory

