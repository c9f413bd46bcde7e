"""Names as odd as XenServer allows (any printable text), shared by the tests that check a name stays data.

`hostile(marker)` holds every shell metacharacter and command substitution a name could smuggle in; each of
them, if a shell ever ran it, would create `marker`. xe splits an argument at its first '=' only, so '=', ','
and ':' are in it too.
"""

from __future__ import annotations

from pathlib import Path

# The names the first users could not use.
PLAIN_ODD_NAMES = ("Bob's web (prod)", "Bob's network", "Réseau 1", "web,1", "100% web", "--force", "%post",
                   " padded ", "a=b", "other-config:x=y", "Ünïcødé 名前")

# Refused in a name: one line each, the value shown escaped.
CONTROL_CHARACTERS = {"\n": "a newline", "\r": "a carriage return", "\0": "a NUL byte", "\t": "a tab",
                      "\x1b": r"'\x1b'", "\x7f": r"'\x7f'", "\x85": r"'\x85'", "\u2028": r"'\u2028'",
                      "\u00a0": r"'\xa0'"}


def hostile(marker: Path, kind: str = "") -> str:
    """A name (prefixed by `kind`, so that several objects get different names) that runs `touch marker` if a
    shell ever reads it as code rather than as one word."""
    return (f"{kind}Bob's \"web\" $(touch {marker}) `touch {marker}` ${{HOME}} \\ & ; touch {marker} | # "
            "% 100%, Ü a=b:c")

