"""SHA-512 crypt (`$6$`), as glibc's crypt(3) and `openssl passwd -6` compute it, on hashlib alone.

The algorithm is Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512" (the specification shipped with glibc).
It replaces a password library whose import cost more than the hashing itself in `kickstart render`;
tests/inputs/test_sha512_crypt.py checks it against that specification's test vectors, passlib and openssl.
"""

from __future__ import annotations

import hashlib
import os

ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
DEFAULT_ROUNDS = 5000  # written without "rounds=" in the hash, as crypt(3) does
SALT_CHARS = 16

# Bytes of the final digest, three by three, in the order the specification encodes them (the last group: one byte).
_GROUPS = ((0, 21, 42), (22, 43, 1), (44, 2, 23), (3, 24, 45), (25, 46, 4), (47, 5, 26), (6, 27, 48), (28, 49, 7),
           (50, 8, 29), (9, 30, 51), (31, 52, 10), (53, 11, 32), (12, 33, 54), (34, 55, 13), (56, 14, 35),
           (15, 36, 57), (37, 58, 16), (59, 17, 38), (18, 39, 60), (40, 61, 19), (62, 20, 41))


def sha512_crypt(password: bytes, salt: str | None = None, rounds: int = DEFAULT_ROUNDS) -> str:
    """`$6$[rounds=N$]SALT$HASH` of `password`; a fresh random 16-character salt unless one is given."""
    if not 1000 <= rounds <= 999_999_999:
        raise ValueError(f"rounds={rounds}: SHA-512 crypt takes 1000 to 999999999")
    if salt is None:  # 64 characters: the low 6 bits of a random byte pick one evenly
        salt = "".join(ALPHABET[byte & 63] for byte in os.urandom(SALT_CHARS))
    salt_bytes = salt.encode("ascii")[:SALT_CHARS]
    prefix = "$6$" + ("" if rounds == DEFAULT_ROUNDS else f"rounds={rounds}$") + salt_bytes.decode("ascii")
    return f"{prefix}${_encode(_digest(password, salt_bytes, rounds))}"


def _repeat(block: bytes, length: int) -> bytes:
    return (block * (length // len(block) + 1))[:length]


def _digest(password: bytes, salt: bytes, rounds: int) -> bytes:
    sha512 = hashlib.sha512
    size = len(password)
    alternate = sha512(password + salt + password).digest()
    first = sha512(password + salt + _repeat(alternate, size))
    bits = size
    while bits:
        first.update(alternate if bits & 1 else password)
        bits >>= 1
    result = first.digest()
    p_bytes = _repeat(sha512(password * size).digest(), size)
    s_bytes = _repeat(sha512(salt * (16 + result[0])).digest(), len(salt))
    # Each round hashes C with P and S around it in a pattern that repeats every 42 rounds (round % 2, % 3, % 7):
    # the constant parts are joined once, so that a round is one concatenation and one hash.
    pattern = []
    for i in range(42):
        middle = (s_bytes if i % 3 else b"") + (p_bytes if i % 7 else b"")
        pattern.append((True, p_bytes + middle) if i & 1 else (False, middle + p_bytes))
    for i in range(rounds):
        before, constant = pattern[i % 42]
        result = sha512(constant + result if before else result + constant).digest()
    return result


def _encode(digest: bytes) -> str:
    out = []
    for first, second, third in _GROUPS:
        value = digest[first] << 16 | digest[second] << 8 | digest[third]
        out += [ALPHABET[value >> shift & 63] for shift in (0, 6, 12, 18)]
    value = digest[63]
    out += [ALPHABET[value & 63], ALPHABET[value >> 6 & 63]]
    return "".join(out)
