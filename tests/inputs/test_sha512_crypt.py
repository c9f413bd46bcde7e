"""toolkit.inputs.sha512_crypt: the specification's test vectors, and the same hash as passlib and openssl give."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys

import pytest
from passlib.hash import sha512_crypt as passlib_sha512_crypt

from toolkit.inputs.sha512_crypt import ALPHABET, sha512_crypt

# From Drepper's "Unix crypt using SHA-256 and SHA-512" (the SHA-512 table; rounds below 1000 are not ours to take).
SPEC_VECTORS = [
    ("$6$saltstring", b"Hello world!",
     "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"),
    ("$6$rounds=10000$saltstringsaltstring", b"Hello world!",
     "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs"
     "/y3RnOaw5v."),
    ("$6$rounds=5000$toolongsaltstring", b"This is just a test",
     "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8"
     "audkUEm0"),
    ("$6$rounds=1400$anotherlongsaltstring", b"a very much longer text to encrypt.  This one even stretches over more"
     b"than one line.",
     "$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDw"
     "Gqd8p4ur1"),
    ("$6$rounds=77777$short", b"we have a short salt string but not a short password",
     "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0"),
    ("$6$rounds=123456$asaltof16chars..", b"a short string",
     "$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgE"
     "JAstJeonj1"),
]


@pytest.mark.parametrize(("setting", "password", "expected"), SPEC_VECTORS)
def test_the_specification_s_vectors(setting: str, password: bytes, expected: str) -> None:
    fields = setting.split("$")
    rounds = int(fields[2].removeprefix("rounds=")) if fields[2].startswith("rounds=") else 5000
    # crypt(3) keeps a "rounds=5000$" that the setting spelled out; we never write it (5000 is the default).
    assert sha512_crypt(password, fields[-1], rounds) == expected.replace("$rounds=5000$", "$")


def test_the_same_hash_as_passlib_for_any_length_and_salt() -> None:
    chance = random.Random(6)
    for length in [*range(0, 130), 255, 256, 1000, 4096]:
        password = bytes(chance.choice(range(1, 256)) for _ in range(length))
        salt = "".join(chance.choice(ALPHABET) for _ in range(chance.randint(1, 16)))
        rounds = chance.choice([1000, 5000, 5001, 7777])
        expected = passlib_sha512_crypt.using(rounds=rounds, salt=salt).hash(password)
        assert sha512_crypt(password, salt, rounds) == expected, (length, salt, rounds)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_the_same_hash_as_openssl_passwd() -> None:
    for password, salt in [("secret", "abc"), ("pässwörd ünïcode", "0123456789abcdef"), ("x" * 200, "./Zz")]:
        done = subprocess.run(["openssl", "passwd", "-6", "-stdin", "-salt", salt], input=password + "\n",
                              capture_output=True, text=True, check=True)
        assert sha512_crypt(password.encode(), salt) == done.stdout.strip()


def test_a_fresh_salt_of_16_characters_each_time() -> None:
    first, second = sha512_crypt(b"pw"), sha512_crypt(b"pw")
    assert first != second and all(len(h.split("$")[2]) == 16 for h in (first, second))
    assert passlib_sha512_crypt.verify(b"pw", first)


def test_rounds_out_of_range_are_refused() -> None:
    for rounds in (999, 1_000_000_000):
        with pytest.raises(ValueError, match="1000 to 999999999"):
            sha512_crypt(b"pw", "salt", rounds)


def test_kickstart_render_does_not_import_a_password_library() -> None:
    """The hash is computed here: passlib's import cost more than the hashing in `kickstart render`."""
    code = ("import sys; from toolkit.inputs.password import hash_password; hash_password('pw'); "
            "sys.exit('passlib' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
