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
    "comment", ["it's-me", 'say"hi"', "$(reboot)", "`id`", "a$HOME", "back\\slash", "%post", "--force", "50% off"]
)
def test_comment_with_shell_characters_is_kept(keys: dict[str, str], comment: str) -> None:
    """The kickstart writes keys through a quoted heredoc: nothing in a comment is expanded there."""
    line = f"ssh-ed25519 {blob_of(keys['ed25519'])} {comment}"
    assert parse_public_key("key", line) == line


@pytest.mark.parametrize("comment", ["a\rb", "bell\x07", "tab\there", "esc\x1b[2J", "del\x7f"])
def test_control_character_in_comment_is_refused_unshown(keys: dict[str, str], comment: str) -> None:
    line = f"ssh-ed25519 {blob_of(keys['ed25519'])} {comment}"
    with pytest.raises(ValidationError) as info:
        parse_public_key("key", line)
    assert info.value.field == "key comment"
    assert comment not in str(info.value) and comment[:3] not in str(info.value)


def test_comment_with_unicode_line_separator(keys: dict[str, str]) -> None:
    with pytest.raises(UsageError):
        parse_public_key("key", f"ssh-ed25519 {blob_of(keys['ed25519'])} me\u2028%post")


def test_type_disagrees_with_blob(keys: dict[str, str]) -> None:
    """OpenSSH's own type names may be repeated; anything else from the file is not."""
    rejects(lambda: parse_public_key("key", f"ssh-rsa {blob_of(keys['ed25519'])} x"), "a ssh-ed25519 key", "ssh-rsa")
    rejects(lambda: parse_public_key("key", f"ssh-ed25519 {blob_of(keys['rsa'])}"), "a ssh-rsa key", "ssh-ed25519")
    line = f"ssh-ed25519 {with_type('ssh-ed2551')}"
    error = rejects(lambda: parse_public_key("key", line), "not a key of any known type")
    assert "ssh-ed2551 " not in error.message and "'ssh-ed2551'" not in error.message


def test_unknown_key_type(keys: dict[str, str]) -> None:
    rejects(lambda: parse_public_key("key", f"ssh-dss {with_type('ssh-dss')}"), "ssh-dss keys are", "not one of")
    error = rejects(lambda: parse_public_key("key", f"ssh-foo {blob_of(keys['ed25519'])}"), "not one of")
    assert "ssh-foo" not in error.message


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
    error = rejects(lambda: read_public_keys(path), str(path), "is a private key", ".pub")
    assert not set(path.read_text().split()) & set(error.message.split())


@pytest.mark.parametrize(
    "content",
    ["hunter2-Secret!\n", "correct horse battery staple\n", "S3cret=pass\n", 'from="S3cret" ssh-ed25519 AAAA\n',
     "ssh-ed25519 S3cretS3cret\n", "PASSWORD=S3cret ssh-rsa Zq9\n"],
)
def test_errors_never_show_the_file_content(tmp_path: Path, content: str) -> None:
    """A password file given as --ssh-key by mistake: the error names the file and the rule, not the words."""
    path = tmp_path / "pw.txt"
    path.write_text(content)
    error = rejects(lambda: read_public_keys(path), f"ssh key file {path} line 1:")
    for word in content.replace('"', " ").replace("=", " ").split():
        if word not in ("ssh-ed25519", "ssh-rsa"):
            assert word not in error.message, (word, error.message)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\nAAAAS3cret\n", "PuTTY private key"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIS3cret\n-----END RSA PRIVATE KEY-----\n", "is a private key"),
        ('---- BEGIN SSH2 PUBLIC KEY ----\nComment: "S3cret"\nAAAAB3\n---- END SSH2 PUBLIC KEY ----\n', "RFC 4716"),
    ],
)
def test_keys_in_other_formats_are_named(tmp_path: Path, content: str, why: str) -> None:
    path = tmp_path / "key"
    path.write_text(content)
    error = rejects(lambda: read_public_keys(path), f"ssh key file {path}: ", why)
    assert "S3cret" not in error.message


# --- authorized_keys options -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        'from="10.0.0.0/8",no-pty',
        "restrict",
        "NO-PTY,No-Agent-Forwarding",
        'command="echo \\"hi $USER\\"; `id`",restrict',
        'environment="LANG=C.UTF-8",permitopen="db.example.org:5432",principals="alice,bob"',
        'expiry-time="20300101",tunnel="0",permitlisten="localhost:8080",from="*.example.org,!bad.example.org"',
    ],
)
def test_authorized_keys_options_are_kept(keys: dict[str, str], options: str) -> None:
    line = f"{options} {keys['ed25519']}"
    assert parse_public_key("key", line) == line
    assert parse_public_key("key", f"{options} {blob_of(keys['rsa']).join(['ssh-rsa ', ''])}") == (
        f"{options} ssh-rsa {blob_of(keys['rsa'])}"
    )


def test_real_authorized_keys_file_with_options(tmp_path: Path) -> None:
    line = ssh_keygen(tmp_path, "ed25519", "deploy $(date) `id` \"x\"")
    path = tmp_path / "authorized_keys"
    path.write_text(f'# deploy key\nfrom="192.0.2.0/24",command="/usr/bin/rsync --server",no-pty {line}\n')
    assert read_public_keys(path) == [f'from="192.0.2.0/24",command="/usr/bin/rsync --server",no-pty {line}']


@pytest.mark.parametrize(
    ("options", "shown"),
    [
        ("from=10.0.0.0/8", "option from needs a value"),
        ('no-pty="yes"', "option no-pty takes no value"),
        ('from="10.0.0.0/8', "option from needs a value"),
        ("no-pty,", "does not start with a key type or with authorized_keys options"),
        ("no-pty,frobnicate", "does not start with a key type or with authorized_keys options"),
        ('from="10.0.0.0/8"no-pty', "followed by one space"),
        ('command="a\x1bb"', "option command holds a control"),
    ],
)
def test_bad_options(keys: dict[str, str], options: str, shown: str) -> None:
    rejects(lambda: parse_public_key("key", f"{options} {keys['ed25519']}"), "key: ", shown)


def test_bad_line_is_numbered(tmp_path: Path, keys: dict[str, str]) -> None:
    path = tmp_path / "keys"
    path.write_text(f"{keys['ed25519']}\n\nssh-rsa {blob_of(keys['ed25519'])} x\n")
    rejects(lambda: read_public_keys(path), f"ssh key file {path} line 3")


def test_bad_comment_in_file(tmp_path: Path, keys: dict[str, str]) -> None:
    path = tmp_path / "keys"
    path.write_text(f"ssh-ed25519 {blob_of(keys['ed25519'])} $(curl evil)\x1b[8m\n")
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
