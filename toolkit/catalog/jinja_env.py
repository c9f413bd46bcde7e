"""The one jinja2 Environment: strict about undefined names, loading templates/ and kickstarts/."""

from __future__ import annotations

import shlex
from functools import cache

import jinja2

from toolkit.resources import data_dir


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(data_dir("kickstarts")), str(data_dir("templates"))]),
        undefined=jinja2.StrictUndefined,  # a typo in a template is an error, not an empty string
        autoescape=False,  # output is kickstart and shell text, never HTML
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["shquote"] = shlex.quote
    return env


def render_template(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)
