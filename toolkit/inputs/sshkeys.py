"""OpenSSH public keys to authorize in a guest, checked line by line before they reach a kickstart.

A line is what sshd reads in authorized_keys: optional options (`from="10.0.0.0/8",no-pty`), the key
type, its base64 blob and an optional comment. The kickstart writes the lines through a quoted heredoc,
where nothing is expanded, so options and comments may hold quotes, `$` or backslashes; only control
characters, which would end or garble the line, are refused. Errors name the file, the line and the
rule broken, never the line's text: a file given by mistake may be a private key or a password.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from pathlib import Path

from toolkit.errors import UsageError, ValidationError
from toolkit.inputs.userfile import label_of, read_user_text

KEY_TYPES = (
    "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
)
# Type names an error may repeat: OpenSSH's own vocabulary, which tells nothing about a file's content.
_NAMED_TYPES = frozenset(
    (*KEY_TYPES, "ssh-dss",
     *(name.removesuffix("@openssh.com") + "-cert-v01@openssh.com" for name in (*KEY_TYPES, "ssh-dss")))
)
# sshd(8), AUTHORIZED_KEYS FILE FORMAT; sshd reads option names without regard to case.
_FLAG_OPTIONS = frozenset({
    "agent-forwarding", "cert-authority", "no-agent-forwarding", "no-port-forwarding", "no-pty", "no-user-rc",
    "no-x11-forwarding", "port-forwarding", "pty", "no-touch-required", "verify-required", "restrict", "user-rc",
    "x11-forwarding",
})
_VALUE_OPTIONS = frozenset(
    {"command", "environment", "expiry-time", "from", "permitlisten", "permitopen", "principals", "tunnel"}
)
_OPTION = re.compile(r'([A-Za-z0-9-]+)(?:="((?:[^"\\]|\\.)*)")?')
_KEY = re.compile(r"^(\S+) ([A-Za-z0-9+/]+={0,3})(?: (.*))?$")
_SHAPE = "[options] type base64 [comment]"


def parse_public_key(field: str, line: str) -> str:
    """One authorized_keys line; the blob must decode and name the line's key type."""
    text = line.strip()
    options, rest = _split_options(field, text)
    match = _KEY.fullmatch(rest)
    if not match:
        raise UsageError(f"{field}: not an OpenSSH public key line ({_SHAPE})")
    key_type, blob, comment = match.groups()
    if key_type not in KEY_TYPES:
        named = f"{key_type} keys are" if key_type in _NAMED_TYPES else "the key type is"
        raise UsageError(f"{field}: {named} not one of {', '.join(KEY_TYPES)}")
    try:
        raw = base64.b64decode(blob, validate=True)
        fields = _ssh_strings(raw)
        if len(fields) < 2:  # the type name must be followed by the key material
            raise ValueError("no key material")
        inner = fields[0].decode("ascii")
    except (binascii.Error, struct.error, UnicodeDecodeError, ValueError):
        raise UsageError(f"{field}: the key's base64 data is corrupt") from None
    if inner != key_type:
        held = f"a {inner} key" if inner in _NAMED_TYPES else "not a key of any known type"
        raise UsageError(f"{field}: the key data is {held}, but the line says {key_type}")
    if comment and not comment.isprintable():
        raise ValidationError(f"{field} comment", "holds a control or other invisible character")
    return (f"{options} " if options else "") + f"{key_type} {blob}" + (f" {comment}" if comment else "")


def _split_options(field: str, text: str) -> tuple[str, str]:
    """(options, the rest of the line); no options when the line starts with a key type."""
    first = text.split(" ", 1)[0]
    if not first or first in _NAMED_TYPES or (_KEY.fullmatch(text) and "=" not in first):
        return "", text
    position = 0
    while True:
        option = _OPTION.match(text, position)
        if option is None or option.group(1).lower() not in _FLAG_OPTIONS | _VALUE_OPTIONS:
            raise UsageError(
                f"{field}: not an OpenSSH public key line ({_SHAPE}): it does not start with a key type "
                "or with authorized_keys options"
            )
        name, value = option.group(1).lower(), option.group(2)
        if (value is None) != (name in _FLAG_OPTIONS):
            needs = "takes no value" if name in _FLAG_OPTIONS else 'needs a value (name="value")'
            raise UsageError(f"{field}: option {name} {needs}")
        if value is not None and not value.isprintable():
            raise UsageError(f"{field}: option {name} holds a control or other invisible character")
        position = option.end()
        if text[position : position + 1] != ",":
            break
        position += 1
    if text[position : position + 1] != " ":
        raise UsageError(f"{field}: the options must be followed by one space and the key type")
    return text[:position], text[position + 1 :]


def _ssh_strings(raw: bytes) -> list[bytes]:
    """Split a public key blob into its length-prefixed fields (RFC 4253 6.6); they must fill it exactly."""
    fields = []
    offset = 0
    while offset < len(raw):
        (length,) = struct.unpack(">I", raw[offset : offset + 4])
        offset += 4
        if offset + length > len(raw):
            raise ValueError("a field runs past the end of the key")
        fields.append(raw[offset : offset + length])
        offset += length
    return fields


_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")


def _wrong_kind_of_file(lines: list[str]) -> str | None:
    """Why a file of keys in another format cannot be used, or None."""
    stripped = [line.strip() for line in lines]
    if any(_PRIVATE_KEY.fullmatch(line) for line in stripped):
        return "is a private key; give its public half (the .pub file), and keep this one secret"
    if any(line.startswith("PuTTY-User-Key-File-") for line in stripped):
        return "is a PuTTY private key; give the OpenSSH public key (puttygen -L FILE prints it)"
    if "---- BEGIN SSH2 PUBLIC KEY ----" in stripped:
        return "is an SSH2 (RFC 4716) public key; convert it with: ssh-keygen -i -f FILE"
    return None


def read_public_keys(path: Path, what: str = "ssh key file") -> list[str]:
    """Every key in an authorized_keys-style file (blank lines and # comments skipped).

    `what` says where the file was named (`--ssh-key` on the command line).
    """
    label = label_of(path, what)
    lines = read_user_text(path, what).splitlines()
    wrong = _wrong_kind_of_file(lines)
    if wrong:
        raise UsageError(f"{label}: {wrong}")
    keys = [
        parse_public_key(f"{label} line {n}", line)
        for n, line in enumerate(lines, 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not keys:
        raise UsageError(f"{label}: holds no public key")
    return keys
