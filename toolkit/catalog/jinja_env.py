"""The one jinja2 Environment: strict about undefined names, loading templates/ and kickstarts/.

Compiling the templates a command uses is a good part of a short command's run (`kickstart render`), so the
compiled code is kept as Python keeps .pyc files: in toolkit/__pycache__/templates/, written only when Python writes
bytecode (not under PYTHONDONTWRITEBYTECODE or -B, nor where the directory is read-only), and used only for the same
template source, jinja2 version, Python version and Environment options.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
import tempfile
from functools import cache
from hashlib import sha1
from pathlib import Path

import jinja2

from toolkit.resources import data_dir

CACHE_DIR = Path(__file__).resolve().parent.parent / "__pycache__" / "templates"


class _PycacheTemplates(jinja2.BytecodeCache):
    def __init__(self, directory: Path, env: jinja2.Environment) -> None:
        self.directory = directory
        options = (env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline, env.autoescape, sorted(env.filters))
        self.salt = f"|{jinja2.__version__}|{options}"

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        # jinja2's key is the template's name and path; the compiled code also depends on our options.
        return sha1(f"{super().get_cache_key(name, filename)}{self.salt}".encode()).hexdigest()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError), (self.directory / bucket.key).open("rb") as cached:
            bucket.load_bytecode(cached)  # a stale or broken file leaves the bucket empty: compiled anew

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if sys.dont_write_bytecode:
            return
        with contextlib.suppress(OSError):
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as out:
                    bucket.write_bytecode(out)
                os.replace(tmp, self.directory / bucket.key)
            except BaseException:
                os.unlink(tmp)
                raise


@cache
def environment() -> jinja2.Environment:
    return make_environment(CACHE_DIR)


def make_environment(cache_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(data_dir("kickstarts")), str(data_dir("templates"))]),
        undefined=jinja2.StrictUndefined,  # a typo in a template is an error, not an empty string
        autoescape=False,  # output is kickstart and shell text, never HTML
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["shquote"] = shlex.quote
    env.bytecode_cache = _PycacheTemplates(cache_dir, env)
    return env


def render_template(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)
