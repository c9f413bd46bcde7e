"""Compiled templates are kept like .pyc files: reused while nothing changed, never trusted otherwise, written only
when Python writes bytecode."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import jinja2
import pytest

from toolkit.catalog import jinja_env


@pytest.fixture
def writes_bytecode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


def _render(cache: Path, name: str = "fedora17-xenserver.ks.j2") -> int:
    """Load a template in a fresh environment; how many templates it compiled."""
    env = jinja_env.make_environment(cache)
    compiled = 0
    real = env.compile

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal compiled
        compiled += 1
        return real(*args, **kwargs)

    env.compile = counting  # type: ignore[method-assign]
    env.get_template(name)
    return compiled


def test_a_second_run_loads_the_compiled_template(tmp_path: Path, writes_bytecode: None) -> None:
    assert _render(tmp_path) == 1 and len(os.listdir(tmp_path)) == 1  # fedora17 only: its includes load at render
    assert _render(tmp_path) == 0  # loaded from the cache: nothing compiled


def test_nothing_is_written_without_bytecode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert _render(tmp_path / "cache") == 1 and not (tmp_path / "cache").exists()


def test_an_unwritable_cache_is_no_error(tmp_path: Path, writes_bytecode: None) -> None:
    (tmp_path / "file").write_text("not a directory")
    assert _render(tmp_path / "file" / "cache") == 1


def test_stale_or_broken_cache_files_are_compiled_anew(tmp_path: Path, writes_bytecode: None) -> None:
    _render(tmp_path)
    (cached,) = tmp_path.iterdir()
    cached.write_bytes(b"garbage")
    assert _render(tmp_path) == 1  # broken: compiled again (and written again)
    assert _render(tmp_path) == 0


def test_other_options_or_source_never_share_compiled_code(tmp_path: Path, writes_bytecode: None) -> None:
    source = tmp_path / "t" / "x.j2"
    source.parent.mkdir()
    source.write_text("{% if true %}\n  a\n{% endif %}\n")
    cache = tmp_path / "cache"

    def render(trim: bool, cached: bool = True) -> str:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(source.parent)), trim_blocks=trim,
                                 lstrip_blocks=trim, keep_trailing_newline=True)
        if cached:
            env.bytecode_cache = jinja_env._PycacheTemplates(cache, env)
        return env.get_template("x.j2").render()

    expected = (render(True, cached=False), render(False, cached=False))
    assert expected[0] != expected[1]
    assert (render(True), render(False)) == expected == (render(True), render(False))  # each its own code
    source.write_text("{% if true %}\n  b\n{% endif %}\n")
    assert render(True) == "  b\n"  # the source changed: compiled anew
