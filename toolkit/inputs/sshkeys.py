"""OpenSSH public keys to authorize in a guest, checked line by line before they reach a kickstart."""

from __future__ import annotations

import base64
import binascii
import re
import struct
from pathlib import Path

from toolkit.errors import UsageError
from toolkit.inputs.safetext import check_text
from toolkit.inputs.userfile import read_user_text

KEY_TYPES = (
    "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
)
_LINE = re.compile(r"^(\S+) ([A-Za-z0-9+/]+={0,3})(?: (.*))?$")


def parse_public_key(field: str, line: str) -> str:
    """One `type base64 [comment]` line; the blob must decode and name the same key type."""
    match = _LINE.fullmatch(line.strip())
    if not match:
        raise UsageError(f"{field}: not an OpenSSH public key line (type, base64, optional comment)")
    key_type, blob, comment = match.groups()
    if key_type not in KEY_TYPES:
        raise UsageError(f"{field}: key type {key_type!r} is not one of {', '.join(KEY_TYPES)}")
    try:
        raw = base64.b64decode(blob, validate=True)
        fields = _ssh_strings(raw)
        if len(fields) < 2:  # the type name must be followed by the key material
            raise ValueError("no key material")
        inner = fields[0].decode("ascii")
    except (binascii.Error, struct.error, UnicodeDecodeError, ValueError):
        raise UsageError(f"{field}: the key's base64 data is corrupt") from None
    if inner != key_type:
        raise UsageError(f"{field}: the key data is a {inner!r} key but the line says {key_type!r}")
    if comment:
        check_text(f"{field} comment", comment)
    return f"{key_type} {blob}" + (f" {comment}" if comment else "")


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


def read_public_keys(path: Path) -> list[str]:
    """Every key in an authorized_keys-style file (blank lines and # comments skipped)."""
    field = f"ssh key file {path}"
    text = read_user_text(path, "ssh key file")
    keys = [
        parse_public_key(f"{field} line {n}", line)
        for n, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not keys:
        raise UsageError(f"{field}: holds no public key")
    return keys
