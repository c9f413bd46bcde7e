"""toolkit.inputs.password: SHA-512 crypt hashes only, and a clear text that never shows up in an error."""

from __future__ import annotations

import shutil
import subprocess
import traceback
import warnings
from pathlib import Path

import pytest
from passlib.hash import md5_crypt, sha256_crypt, sha512_crypt

from tests.conftest import run_unprivileged
from toolkit.errors import UsageError, ValidationError
from toolkit.inputs.password import HASH_ROUNDS, check_hash, hash_password, hash_password_file, read_password_file

SECRET = "Tr0ub4dor&3-not-in-errors"
# `openssl passwd -6 -salt abc secret`, fixed so the test does not depend on openssl being installed.
OPENSSL_ABC_SECRET = (
    "$6$abc$IdWKNKTJEb8LxY7CGg8YBXlvtfZzFw7Mp/r6niK9YB2mdvgY..TKjv1T..8RadRt2qvUHYRLr/TsVArtr91iR1"
)


def openssl_hash(password: str, salt: str | None = None) -> str:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    argv = ["openssl", "passwd", "-6", "-stdin"] + (["-salt", salt] if salt else [])
    done = subprocess.run(argv, input=password + "\n", capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_fixed_openssl_hash_is_accepted() -> None:
    assert check_hash("h", OPENSSL_ABC_SECRET) == OPENSSL_ABC_SECRET
    assert sha512_crypt.verify("secret", OPENSSL_ABC_SECRET)


def test_openssl_output_is_accepted() -> None:
    assert openssl_hash("secret", salt="abc") == OPENSSL_ABC_SECRET
    value = openssl_hash(SECRET)
    assert check_hash("h", value) == value


@pytest.mark.parametrize("salt", ["a", "abcdefgh", "./09AZaz", "0123456789abcdef"])
def test_passlib_hashes_are_accepted(salt: str) -> None:
    value = sha512_crypt.using(salt=salt, rounds=5000).hash("secret")
    assert check_hash("h", value) == value


@pytest.mark.parametrize("rounds", [1000, 5001, 20_000])
def test_rounds_form_is_accepted(rounds: int) -> None:
    value = sha512_crypt.using(rounds=rounds).hash("secret")
    if rounds != 5000:
        assert f"$rounds={rounds}$" in value
    assert check_hash("h", value) == value


def test_rounds_bounds() -> None:
    body = OPENSSL_ABC_SECRET[len("$6$"):]
    assert check_hash("h", "$6$rounds=999999999$" + body)
    with pytest.raises(ValidationError) as info:
        check_hash("h", "$6$rounds=0999$" + body)
    assert info.value.field == "h" and "rounds=0999" in info.value.message
    for rounds in ("999", "1000000000", "", "x"):
        with pytest.raises(ValidationError):
            check_hash("h", f"$6$rounds={rounds}$" + body)


@pytest.mark.parametrize(
    "value",
    [
        md5_crypt.hash("secret"),
        sha256_crypt.hash("secret"),
        "$5$abc$" + "a" * 43,
        "$1$abc$" + "a" * 22,
        OPENSSL_ABC_SECRET[:-1],  # truncated
        OPENSSL_ABC_SECRET + "x",  # one too many
        OPENSSL_ABC_SECRET[:30],
        OPENSSL_ABC_SECRET.replace(".", "-"),  # outside crypt's alphabet
        OPENSSL_ABC_SECRET[:-1] + "=",
        "$6$abc$" + "a" * 85 + "!",
        "$6$$" + "a" * 86,  # empty salt
        "$6$" + "s" * 17 + "$" + "a" * 86,  # salt too long
        "$6$a b$" + "a" * 86,
        " " + OPENSSL_ABC_SECRET,
        OPENSSL_ABC_SECRET + " ",
        "secret",
        "",
        "$6$",
        "!" + OPENSSL_ABC_SECRET,  # a locked-account hash
    ],
)
def test_rejected_hashes(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        check_hash("--root-password-hash", value)
    err = info.value
    assert err.field == "--root-password-hash"
    assert "SHA-512" in err.message
    assert "openssl passwd -6" in (err.hint or "")
    if len(value) > 6:
        assert value not in str(err)  # only a prefix of the value is shown


@pytest.mark.parametrize("value", ["S3cret-pass-123", "abc", "$6$S3cret", "hunter2 with spaces", "x"])
def test_clear_text_given_as_a_hash_is_never_shown(value: str) -> None:
    """Not even its first characters: a password pasted into --root-password-hash stays out of the error."""
    with pytest.raises(ValidationError) as info:
        check_hash("--root-password-hash", value)
    assert str(info.value) == (
        "--root-password-hash: is not a SHA-512 crypt hash ($6$salt$ followed by 86 characters); "
        "the value is not shown, as it may be a password"
    )


@pytest.mark.parametrize(
    ("value", "kind"),
    [(md5_crypt.hash("secret"), "an MD5 crypt hash ($1$)"), (sha256_crypt.hash("secret"), "a SHA-256 crypt hash ($5$)"),
     ("$2b$12$" + "a" * 53, "a bcrypt hash ($2b$)"), ("$y$j9T$" + "a" * 22 + "$" + "b" * 43, "a yescrypt hash ($y$)")],
)
def test_a_whole_hash_of_another_scheme_is_named(value: str, kind: str) -> None:
    with pytest.raises(ValidationError) as info:
        check_hash("h", value)
    assert info.value.reason == f"is {kind}; only a SHA-512 crypt hash ($6$) is accepted"
    assert value not in str(info.value)


@pytest.mark.parametrize("end", ["\n", "\r\n", "\nrootpw --plaintext x"])
def test_hash_with_trailing_newline_rejected(end: str) -> None:  # '$' alone would match before a final newline
    with pytest.raises(ValidationError):
        check_hash("h", OPENSSL_ABC_SECRET + end)


# --- hashing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["secret", SECRET, "pässwörd ünïcode", "with space", "x" * 200, "'\"$`\\"])
def test_hash_password_verifies_with_passlib(password: str) -> None:
    hashed = hash_password(password)
    assert check_hash("h", hashed) == hashed
    assert sha512_crypt.verify(password, hashed)
    assert not sha512_crypt.verify(password + "x", hashed)
    assert password not in hashed
    assert "rounds=" not in hashed  # HASH_ROUNDS is crypt's default, so it is implicit
    assert HASH_ROUNDS == 5000


def test_hash_password_verifies_with_stdlib_crypt() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        crypt = pytest.importorskip("crypt")
    hashed = hash_password(SECRET)
    assert crypt.crypt(SECRET, hashed) == hashed
    assert crypt.crypt("wrong", hashed) != hashed


def test_salts_differ() -> None:
    first, second = hash_password("secret"), hash_password("secret")
    assert first != second
    assert first.split("$")[2] != second.split("$")[2]


# --- password files ------------------------------------------------------------------------------


def rejects(path: Path, *shown: str) -> UsageError:
    with pytest.raises(UsageError) as info:
        read_password_file("--root-password-file", path)
    err = info.value
    assert str(err).startswith(f"--root-password-file {path}: ")  # the user-file wording: OPTION FILE: problem
    for text in shown:
        assert text in err.message
    full = "".join(traceback.format_exception(err)) + repr(err) + str(err.hint)
    assert SECRET not in full
    if err.__context__ is not None:  # a wrapped OSError/UnicodeDecodeError is hidden from tracebacks
        assert err.__suppress_context__
    return err


def test_first_line_only(tmp_path: Path) -> None:
    path = tmp_path / "pw"
    path.write_text(f"{SECRET}\nsecond line\n")
    assert read_password_file("f", path) == SECRET


@pytest.mark.parametrize("content", [SECRET, SECRET + "\n", SECRET + "\r\n", SECRET + "\r\nmore"])
def test_line_ends_dropped(tmp_path: Path, content: str) -> None:
    path = tmp_path / "pw"
    path.write_bytes(content.encode())
    assert read_password_file("f", path) == SECRET


def test_spaces_in_password_kept(tmp_path: Path) -> None:
    path = tmp_path / "pw"
    path.write_text(" two words \n")
    assert read_password_file("f", path) == " two words "


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope"
    rejects(path, str(path), "does not exist")


def test_directory(tmp_path: Path) -> None:
    rejects(tmp_path, str(tmp_path), "directory")


@pytest.mark.parametrize("content", [b"", b"\n", b"\n" + SECRET.encode() + b"\n"])
def test_empty_first_line(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "pw"
    path.write_bytes(content)
    rejects(path, str(path), "empty")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "pw"
    path.write_bytes(SECRET.encode() + b"\xff\xfe\n")
    err = rejects(path, str(path), "not UTF-8")
    assert "0xff" not in err.message


def test_unreadable(open_tmp: Path) -> None:
    path = open_tmp / "pw"
    path.write_text(SECRET + "\n")
    path.chmod(0)
    message = run_unprivileged(lambda: read_password_file("--root-password-file", path))
    assert message == f"--root-password-file {path}: is not readable (permission denied)"
    assert SECRET not in message


def test_hash_password_file(tmp_path: Path) -> None:
    path = tmp_path / "pw"
    path.write_text(SECRET + "\nignored\n")
    hashed = hash_password_file("f", path)
    assert sha512_crypt.verify(SECRET, hashed)
    assert not sha512_crypt.verify(SECRET + "\nignored", hashed)


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"ab\0cd\n", "NUL byte"), (b"x" * 5000 + b"\n", "longer than 4096 bytes")],
)
def test_passwords_crypt_cannot_take_are_usage_errors(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "pw"
    path.write_bytes(content)
    with pytest.raises(UsageError, match=expected):
        read_password_file("--root-password-file", path)


def test_byte_order_mark_is_not_part_of_the_password(tmp_path: Path) -> None:
    path = tmp_path / "pw"
    path.write_bytes("\ufeffsecret\r\n".encode())
    assert read_password_file("--root-password-file", path) == "secret"
