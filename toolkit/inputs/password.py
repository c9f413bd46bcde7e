"""Root passwords, only ever as SHA-512 crypt hashes (`$6$...`).

The clear text is read from a file, hashed, and dropped: it never reaches argv, output, logs or an
error message (errors name the file, not its content).
"""

from __future__ import annotations

import re
from pathlib import Path

from toolkit.errors import UsageError, ValidationError
from toolkit.inputs.sha512_crypt import sha512_crypt
from toolkit.inputs.userfile import read_user_text

# $6$[rounds=N$]salt$hash: salt up to 16 chars, hash exactly 86, both from crypt's ./0-9A-Za-z alphabet.
SHA512_CRYPT_FORMAT = re.compile(
    r"^\$6\$(?:rounds=(\d{4,9})\$)?(?P<salt>[./0-9A-Za-z]{1,16})\$[./0-9A-Za-z]{86}$")

# glibc's and anaconda's default. passlib's default (656,000) makes each hash slow, which a site render of
# hundreds of guests pays for every one; 5,000 is what `openssl passwd -6` and the installers themselves write.
HASH_ROUNDS = 5000
MAX_PASSWORD_BYTES = 4096  # passlib's limit (a guard against hashing huge inputs)


# Whole hashes of other crypt schemes: named in the error, since a complete hash is not a clear-text password.
_OTHER_CRYPT = (
    (re.compile(r"\$1\$[./0-9A-Za-z]{0,8}\$[./0-9A-Za-z]{22}"), "an MD5 crypt hash ($1$)"),
    (re.compile(r"\$5\$(?:rounds=\d+\$)?[./0-9A-Za-z]{0,16}\$[./0-9A-Za-z]{43}"), "a SHA-256 crypt hash ($5$)"),
    (re.compile(r"\$2[abxy]\$\d\d\$[./0-9A-Za-z]{53}"), "a bcrypt hash ($2b$)"),
    (re.compile(r"\$y\$[./0-9A-Za-z]+\$[./0-9A-Za-z]*\$[./0-9A-Za-z]{43}"), "a yescrypt hash ($y$)"),
)


def check_hash(field: str, value: str) -> str:
    """Accept only a well-formed SHA-512 crypt string.

    A rejected value is never quoted, not even in part: it may be the clear-text password itself.
    """
    match = SHA512_CRYPT_FORMAT.fullmatch(value)
    if not match:
        kind = next((name for pattern, name in _OTHER_CRYPT if pattern.fullmatch(value)), None)
        raise ValidationError(
            field,
            f"is {kind}; only a SHA-512 crypt hash ($6$) is accepted" if kind else
            "is not a SHA-512 crypt hash ($6$salt$ followed by 86 characters); "
            "the value is not shown, as it may be a password",
            hint="make one with: openssl passwd -6  (or pass --root-password-file)",
        )
    rounds = match.group(1)
    if rounds is not None and not 1000 <= int(rounds) <= 999_999_999:
        raise ValidationError(field, f"rounds={rounds} is out of range (1000 to 999999999)")
    return value


def read_password_file(field: str, path: Path) -> str:
    """The first line of `path`, without its line end. The error names the file, never its content."""
    # A byte-order mark from a Windows editor is not part of the password.
    text = read_user_text(path, field, allow_nul=True).removeprefix("\ufeff")
    lines = text.splitlines()
    password = lines[0] if lines else ""
    if not password:
        raise UsageError(f"{field} {path}: is empty; its first line must be the password")
    if "\0" in password:
        raise UsageError(f"{field} {path}: the password contains a NUL byte, which crypt cannot hash")
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise UsageError(f"{field} {path}: the password is longer than {MAX_PASSWORD_BYTES} bytes")
    return password


def hash_password(password: str) -> str:
    """SHA-512 crypt with a fresh random salt."""
    return sha512_crypt(password.encode(), rounds=HASH_ROUNDS)


def hash_password_file(field: str, path: Path) -> str:
    return hash_password(read_password_file(field, path))
