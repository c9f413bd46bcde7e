"""toolkit.inputs.sshkeys: OpenSSH public keys, checked line by line, made by the real ssh-keygen."""

from __future__ import annotations

import base64
import os
import shutil
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_unprivileged
from toolkit.errors import UsageError, ValidationError
from toolkit.inputs.sshkeys import parse_public_key, read_public_keys


def ssh_keygen(directory: Path, key_type: str, comment: str = "", bits: str = "") -> str:
    """The .pub line of a fresh key made by ssh-keygen; skip without it, except under CI=true."""
    if shutil.which("ssh-keygen") is None:
        message = "ssh-keygen is not installed (package openssh-client)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    path = directory / f"id_{key_type}"
    argv = ["ssh-keygen", "-q", "-t", key_type, "-N", "", "-C", comment, "-f", str(path)]
    argv += ["-b", bits] if bits else []
    subprocess.run(argv, check=True, capture_output=True)
    return (directory / f"id_{key_type}.pub").read_text().strip()


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    directory = tmp_path_factory.mktemp("keys")
    return {
        "ed25519": ssh_keygen(directory, "ed25519", "alice@example.com"),
        "ecdsa": ssh_keygen(directory, "ecdsa", "bob@host", bits="256"),
        "rsa": ssh_keygen(directory, "rsa", "carol", bits="2048"),
    }


def blob_of(line: str) -> str:
    return line.split()[1]


def with_type(name: str, body: bytes = b"\x00\x00\x00\x01x") -> str:
    """A base64 blob that begins with the string `name`, as every key blob does."""
    return base64.b64encode(struct.pack(">I", len(name)) + name.encode() + body).decode()


def rejects(call: Callable[[], object], *shown: str) -> UsageError:
    with pytest.raises(UsageError) as info:
        call()
    for text in shown:
        assert text in str(info.value), (text, str(info.value))
    return info.value


@pytest.mark.parametrize(
    ("kind", "key_type"), [("ed25519", "ssh-ed25519"), ("ecdsa", "ecdsa-sha2-nistp256"), ("rsa", "ssh-rsa")]
)
def test_real_keys_round_trip(keys: dict[str, str], kind: str, key_type: str) -> None:
    line = keys[kind]
    assert line.startswith(key_type + " ")
    assert parse_public_key("key", line) == line
    assert parse_public_key("key", f"  {line}  \n") == line


def test_key_without_comment(keys: dict[str, str]) -> None:
    bare = " ".join(keys["ed25519"].split()[:2])
    assert parse_public_key("key", bare) == bare


def test_comment_with_spaces_kept(keys: dict[str, str]) -> None:
    line = f"ssh-ed25519 {blob_of(keys['ed25519'])} Alice Example (laptop)"
    assert parse_public_key("key", line) == line


@pytest.mark.parametrize(
    "comment",
    ["it's-me", 'say"hi"', "$(reboot)", "`id`", "a$HOME", "back\\slash", "a\rb", "%post", "--force", "bell\x07"],
)
def test_dangerous_comment(keys: dict[str, str], comment: str) -> None:
    line = f"ssh-ed25519 {blob_of(keys['ed25519'])} {comment}"
    with pytest.raises(ValidationError) as info:
        parse_public_key("key", line)
    assert info.value.field == "key comment"


def test_comment_with_unicode_line_separator(keys: dict[str, str]) -> None:
    with pytest.raises(UsageError):
        parse_public_key("key", f"ssh-ed25519 {blob_of(keys['ed25519'])} me\u2028%post")


def test_type_disagrees_with_blob(keys: dict[str, str]) -> None:
    rejects(lambda: parse_public_key("key", f"ssh-rsa {blob_of(keys['ed25519'])} x"), "'ssh-ed25519'", "'ssh-rsa'")
    rejects(lambda: parse_public_key("key", f"ssh-ed25519 {blob_of(keys['rsa'])}"), "'ssh-rsa'", "'ssh-ed25519'")
    rejects(lambda: parse_public_key("key", f"ssh-ed25519 {with_type('ssh-ed2551')}"), "'ssh-ed2551'")


def test_unknown_key_type(keys: dict[str, str]) -> None:
    rejects(lambda: parse_public_key("key", f"ssh-dss {with_type('ssh-dss')}"), "'ssh-dss'", "not one of")
    rejects(lambda: parse_public_key("key", f"ssh-foo {blob_of(keys['ed25519'])}"), "'ssh-foo'")


@pytest.mark.parametrize("blob", ["AAAAC3NzaC1lZDI1NTE5AAAAI", "AAAA", "A", "AAAAC3NzaC1lZDI1NTE5AAAAIA="])
def test_corrupt_base64(blob: str) -> None:
    rejects(lambda: parse_public_key("key", f"ssh-ed25519 {blob} x"), "key:", "base64 data is corrupt")


@pytest.mark.parametrize("blob", ["AAAAC3NzaC1lZDI1NTE5====", "AAAAC3N=zaC1lZDI1NTE5", "AAAA-_AA", "AAAA.AAA"])
def test_not_base64_at_all(blob: str) -> None:
    rejects(lambda: parse_public_key("key", f"ssh-ed25519 {blob} x"), "key:", "not an OpenSSH public key line")


@pytest.mark.parametrize(
    "raw",
    [b"\xff\xff\xff\xfessh-ed25519", b"\x00\x00\x00\x40ssh-ed25519", b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20"],
)
def test_blob_structure_is_checked(raw: bytes) -> None:
    blob = base64.b64encode(raw).decode()
    rejects(lambda: parse_public_key("key", f"ssh-ed25519 {blob}"), "corrupt")


@pytest.mark.parametrize(
    "line", ["", "ssh-ed25519", "ssh-ed25519 !!!! x", "ssh-ed25519  AAAA x", "ssh-ed25519\tAAAAC3NzaC1lZDI1NTE5"]
)
def test_not_a_key_line(line: str) -> None:
    rejects(lambda: parse_public_key("key", line), "key:", "not an OpenSSH public key line")


def test_truncated_base64(keys: dict[str, str]) -> None:
    blob = blob_of(keys["ed25519"])
    rejects(lambda: parse_public_key("key", f"ssh-ed25519 {blob[:-2]}"), "corrupt")


def test_base64_that_decodes_to_garbage() -> None:
    blob = base64.b64encode(b"\x00\x00\x00\x04\xff\xfe\xfd\xfc").decode()
    rejects(lambda: parse_public_key("key", f"ssh-ed25519 {blob}"), "corrupt")


# --- files ---------------------------------------------------------------------------------------


def test_read_file_skips_blanks_and_comments(tmp_path: Path, keys: dict[str, str]) -> None:
    path = tmp_path / "authorized_keys"
    path.write_text(f"# team keys\n\n{keys['ed25519']}\n   \n  # old key\n{keys['rsa']}\n{keys['ecdsa']}")
    assert read_public_keys(path) == [keys["ed25519"], keys["rsa"], keys["ecdsa"]]


def test_real_pub_file(tmp_path: Path) -> None:
    line = ssh_keygen(tmp_path, "ed25519", "dave@example.com")
    assert read_public_keys(tmp_path / "id_ed25519.pub") == [line]


def test_private_key_file_rejected(tmp_path: Path) -> None:
    ssh_keygen(tmp_path, "ed25519")
    path = tmp_path / "id_ed25519"
    rejects(lambda: read_public_keys(path), str(path), "line 1")


def test_bad_line_is_numbered(tmp_path: Path, keys: dict[str, str]) -> None:
    path = tmp_path / "keys"
    path.write_text(f"{keys['ed25519']}\n\nssh-rsa {blob_of(keys['ed25519'])} x\n")
    rejects(lambda: read_public_keys(path), f"ssh key file {path} line 3")


def test_bad_comment_in_file(tmp_path: Path, keys: dict[str, str]) -> None:
    path = tmp_path / "keys"
    path.write_text(f"ssh-ed25519 {blob_of(keys['ed25519'])} $(curl evil)\n")
    with pytest.raises(ValidationError) as info:
        read_public_keys(path)
    assert info.value.field == f"ssh key file {path} line 1 comment"


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n", "   \n# x\n"])
def test_file_without_keys(tmp_path: Path, content: str) -> None:
    path = tmp_path / "keys"
    path.write_text(content)
    rejects(lambda: read_public_keys(path), str(path), "holds no public key")


def test_missing_file(tmp_path: Path) -> None:
    rejects(lambda: read_public_keys(tmp_path / "nope.pub"), "nope.pub", "does not exist")


def test_directory(tmp_path: Path) -> None:
    rejects(lambda: read_public_keys(tmp_path), str(tmp_path), "is a directory")


def test_non_utf8_file(tmp_path: Path, keys: dict[str, str]) -> None:
    path = tmp_path / "keys"
    path.write_bytes(keys["ed25519"].encode() + b" caf\xe9\n")
    rejects(lambda: read_public_keys(path), str(path), "is not UTF-8 text")


def test_unreadable_file(open_tmp: Path, keys: dict[str, str]) -> None:
    path = open_tmp / "keys"
    path.write_text(keys["ed25519"] + "\n")
    path.chmod(0)
    message = run_unprivileged(lambda: read_public_keys(path))
    assert message == f"ssh key file {path}: is not readable (permission denied)"
