"""Checks for values that end up inside kickstart, boot-argument or shell text.

They run where a value enters the program, so a generator never has to wonder whether a value can
break out of the word it is placed in: no newline, quote, `$`, backtick or backslash anywhere, and no
leading `--` (an option) or `%` (a kickstart section).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from toolkit.errors import ValidationError

_FORBIDDEN = {
    "\n": "a newline",
    "\r": "a carriage return",
    "\0": "a NUL byte",
    "'": "a quote (')",
    '"': 'a quote (")',
    "$": "a '$'",
    "`": "a backtick",
    "\\": "a backslash",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_text(field: str, value: str, *, allow_space: bool = True) -> str:
    """Return `value` if it is safe to place in generated text, else raise ValidationError."""
    for char, name in _FORBIDDEN.items():
        if char in value:
            raise ValidationError(field, f"{value!r} contains {name}, which is not allowed here")
    if _CONTROL.search(value):
        raise ValidationError(field, f"{value!r} contains a control character, which is not allowed")
    if not value.strip():
        raise ValidationError(field, "is empty")
    if value != value.strip():
        raise ValidationError(field, f"{value!r} has leading or trailing spaces")
    # isprintable() is False for the Unicode line and paragraph separators (U+0085, U+2028, U+2029),
    # where pykickstart's parser (str.splitlines) would start a new line, and for other invisible text.
    if not value.isprintable():
        raise ValidationError(field, f"{value!r} contains a non-printable character, which is not allowed")
    if value.startswith("--") or value.startswith("%"):
        raise ValidationError(
            field, f"{value!r} starts with {value[:2] if value[0] == '-' else '%'!r}, which is not allowed"
        )
    if not allow_space and " " in value:
        raise ValidationError(field, f"{value!r} contains a space, which is not allowed here")
    return value


URL_SCHEMES = ("http", "https", "ftp")
MAX_URL = 512  # a URL ends up on a kernel command line, which Xen caps at 1024 bytes


def check_url(field: str, value: str, schemes: tuple[str, ...] = URL_SCHEMES) -> str:
    """A URL an installer or eliloader will fetch: one of `schemes`, a host, no spaces or quotes."""
    check_text(field, value, allow_space=False)
    if not value.isascii():
        raise ValidationError(field, f"{value!r} has non-ASCII characters; percent-encode them")
    if len(value) > MAX_URL:
        raise ValidationError(field, f"{value[:40]!r}... is longer than {MAX_URL} characters")
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ValidationError(field, f"{value!r} is not a URL the installer can fetch (allowed: {allowed})")
    if not parts.hostname:
        raise ValidationError(field, f"{value!r} has no host name")
    try:
        parts.port  # noqa: B018 (urlsplit checks the port only when asked)
    except ValueError:
        raise ValidationError(field, f"{value!r} has an invalid port") from None
    # Kernel command lines split on spaces, some installers on ',', and pykickstart cuts a line at '#':
    # keep URLs plain. A ';' is plain text to the kernel, to xe and to pykickstart's shell-like split; where
    # a boot line meets a GRUB prompt or cloud-init's ds=, toolkit/generate/installer_fit.py takes care of it.
    bad = set(value) & set(" ,<>{}|^#")
    if bad:
        raise ValidationError(field, f"{value!r} contains {''.join(sorted(bad))!r}, which is not allowed")
    return value


MAX_LABEL = 255
_UNPRINTABLE_NAMES = {"\n": "a newline", "\r": "a carriage return", "\0": "a NUL byte", "\t": "a tab"}


def check_label(field: str, value: str) -> str:
    """A XenServer name-label or description (VM, template, network or SR name): any printable text.

    Such a value is data, as it is to XenServer: it only ever travels inside one xe argument, which a plan
    quotes as one shell word (toolkit/plan/model.py) or passes as one argv item (toolkit/plan/run.py), and
    xe splits an argument at its first '=' only. So quotes, `$`, `;`, `,`, `=`, `%` and accented letters
    are all fine. Refused: xe's client sends its arguments to xapi one per line, so a newline would split
    one in two; NUL cannot be in an argv at all; other control and invisible characters would only hide
    what a name says. A value that also becomes a file name or part of a URL has that format's own check.
    """
    if not value.strip():
        raise ValidationError(field, "is empty")
    bad = next((char for char in value if not char.isprintable()), None)
    if bad is not None:
        # repr() shows every unprintable character escaped, so the one-line message shows where it is.
        raise ValidationError(field, f"{value!r} contains {_unprintable(bad)}, which a name cannot hold")
    if len(value) > MAX_LABEL:
        raise ValidationError(field, f"{value[:40]!r}... is longer than {MAX_LABEL} characters")
    return value


def check_iso_file_name(field: str, value: str) -> str:
    """A label that is also an image's file name in an output directory, to copy as it is into an ISO library
    (whose scan takes images by their .iso name): ends in .iso, no '/', not hidden, at most 255 bytes."""
    value = check_label(field, value)
    if "/" in value or value.startswith(".") or not value.lower().endswith(".iso") or len(value.encode()) > 255:
        raise ValidationError(field, f"{value!r}: a file name ending in .iso (the render writes the image under it "
                              "beside install.sh), with no '/' and not starting with '.'")
    return value


def _unprintable(char: str) -> str:
    if char in _UNPRINTABLE_NAMES:
        return _UNPRINTABLE_NAMES[char]
    kind = "a control character" if char < " " or "\x7f" <= char <= "\x9f" else "a non-printable character"
    return f"{kind} ({char!r})"
