"""An RPM's digests of itself, checked as `rpm -K` checks them, in the one pass that reads the file.

An RPM is a 96-byte lead, the signature header (padded to 8 bytes), the main header, then the compressed
payload up to the end of the file. The signature header holds digests of what follows it: SHA-256 (tag 273)
and SHA-1 (269) of the main header as stored, and MD5 (1004) of the main header and payload together; rpm
4.14 and later also put the payload's own digest in the main header (5092, its algorithm in 5093). rpm
4.4-era packages carry only SHA-1 and MD5. Every digest a package carries is checked. They are digests, not
signatures: they catch a damaged or edited file, not a forger who recomputes them.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import IO, Protocol

from toolkit.driver.rpm_payload import CHUNK, Reader
from toolkit.errors import UsageError

LEAD_SIZE = 96
HEADER_MAGIC = b"\x8e\xad\xe8\x01"
MAX_INDEX, MAX_DATA = 0xFFFF, 0x0FFFFFFF  # rpm's own limits on a header's entries and data bytes
SIGTAG_SHA1, SIGTAG_SHA256, SIGTAG_MD5 = 269, 273, 1004
TAG_PAYLOADDIGEST, TAG_PAYLOADDIGESTALGO = 5092, 5093
PGP_HASHES = {1: "md5", 2: "sha1", 8: "sha256", 9: "sha384", 10: "sha512", 11: "sha224"}  # RFC 4880 numbers
_INT32, _STRING, _BIN, _STRING_ARRAY = 4, 6, 7, 8
_INTRO = struct.Struct(">4s4xII")  # magic and version, reserved, index entries, data bytes
_ENTRY = struct.Struct(">IIiI")  # tag, type, offset into the data, count


@dataclass(frozen=True)
class RpmHeaders:
    """The lead and both headers, as stored, and the digest tags found in them."""

    lead_and_signature: bytes  # the lead, the signature header and its padding
    header: bytes  # the main header, from its magic to the payload's first byte
    signature: dict[int, bytes | int]
    payload_digest: dict[int, bytes | int]  # TAG_PAYLOADDIGEST and TAG_PAYLOADDIGESTALGO, if present


def read_headers(label: str, handle: IO[bytes], size: int) -> RpmHeaders:
    """The lead and both headers, read in file order from the start. A header cut off by the end of the file
    (`size` bytes), or whose sizes are out of rpm's range, is a UsageError naming `label`."""
    lead = handle.read(LEAD_SIZE)
    if len(lead) < LEAD_SIZE:
        raise UsageError(f"{label}: truncated RPM: {size} bytes, less than its {LEAD_SIZE}-byte lead")
    signature_index, signature_data = _header(label, handle, size, LEAD_SIZE, "signature header")
    end = LEAD_SIZE + 16 + len(signature_index) + len(signature_data)
    padding = _read(label, handle, size, end, -len(signature_data) % 8, "signature header")
    header_index, header_data = _header(label, handle, size, end + len(padding), "header")
    header_intro = _INTRO.pack(HEADER_MAGIC, len(header_index) // _ENTRY.size, len(header_data))
    signature_intro = _INTRO.pack(HEADER_MAGIC, len(signature_index) // _ENTRY.size, len(signature_data))
    return RpmHeaders(lead + signature_intro + signature_index + signature_data + padding,
                      header_intro + header_index + header_data,
                      _tags(signature_index, signature_data, (SIGTAG_SHA1, SIGTAG_SHA256, SIGTAG_MD5)),
                      _tags(header_index, header_data, (TAG_PAYLOADDIGEST, TAG_PAYLOADDIGESTALGO)))


def _header(label: str, handle: IO[bytes], size: int, offset: int, what: str) -> tuple[bytes, bytes]:
    """The index and data of the header structure at `offset`."""
    intro = _read(label, handle, size, offset, _INTRO.size, what)
    magic, entries, data_size = _INTRO.unpack(intro)
    if magic != HEADER_MAGIC:
        raise UsageError(f"{label}: damaged RPM: no {what} at byte {offset} (it starts with 8e ad e8 01)")
    if entries > MAX_INDEX or data_size > MAX_DATA:
        raise UsageError(f"{label}: damaged RPM: its {what} claims {entries} entries and {data_size} bytes of data")
    index = _read(label, handle, size, offset + 16, entries * _ENTRY.size, what)
    return index, _read(label, handle, size, offset + 16 + len(index), data_size, what)


def _read(label: str, handle: IO[bytes], size: int, offset: int, count: int, what: str) -> bytes:
    # Checked against the file's size first: a damaged count must not make us allocate for bytes never there.
    data = handle.read(count) if offset + count <= size else b""
    if len(data) < count:
        raise UsageError(f"{label}: truncated RPM: the file ({size} bytes) ends inside its {what}")
    return data


def _tags(index: bytes, data: bytes, wanted: Collection[int]) -> dict[int, bytes | int]:
    """The values of the `wanted` tags: an INT32's first number, a BIN's bytes, a string's (first) text."""
    found: dict[int, bytes | int] = {}
    for tag, kind, offset, count in _ENTRY.iter_unpack(index):
        if tag not in wanted or not 0 <= offset < len(data):
            continue
        if kind == _INT32 and offset + 4 <= len(data):
            found[tag] = int.from_bytes(data[offset:offset + 4], "big")
        elif kind == _BIN:
            found[tag] = data[offset:offset + count]
        elif kind in (_STRING, _STRING_ARRAY):
            found[tag] = data[offset:].split(b"\0", 1)[0]
    return found


class _Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...

    def hexdigest(self) -> str: ...


@dataclass
class _Running:
    name: str
    digest: _Hasher
    expected: str  # lower-case hex


class _HashingReader:
    """A reader handing on what it reads, after feeding it to every hasher."""

    def __init__(self, handle: Reader, hashers: list[_Hasher]) -> None:
        self._handle, self._hashers = handle, hashers

    def read(self, size: int = -1, /) -> bytes:
        data = self._handle.read(size)
        for hasher in self._hashers:
            hasher.update(data)
        return data


@dataclass
class Digests:
    """The digests a package carries, computed as its bytes go by: the header's now, the payload's (and
    MD5's) as `payload_reader` hands the payload on; `finish` reads what is left and compares them."""

    checked: list[str] = field(default_factory=list)  # "header SHA-256", ...: what the package let us check
    mismatched: list[str] = field(default_factory=list)
    _running: list[_Running] = field(default_factory=list)

    @classmethod
    def of(cls, headers: RpmHeaders) -> Digests:
        digests = cls()
        for tag, algorithm in ((SIGTAG_SHA256, "sha256"), (SIGTAG_SHA1, "sha1")):
            expected = headers.signature.get(tag)
            if isinstance(expected, bytes):
                hasher = hashlib.new(algorithm, headers.header, usedforsecurity=False)
                digests._compare(f"header {_named(algorithm)}", hasher, _hex(expected))
        payload = headers.payload_digest.get(TAG_PAYLOADDIGEST)
        payload_algorithm = PGP_HASHES.get(int(headers.payload_digest.get(TAG_PAYLOADDIGESTALGO, 0)))
        if isinstance(payload, bytes) and payload_algorithm is not None:  # an algorithm unknown here: not checked
            hasher = hashlib.new(payload_algorithm, usedforsecurity=False)
            digests._running.append(_Running(f"payload {_named(payload_algorithm)}", hasher, _hex(payload)))
        md5 = headers.signature.get(SIGTAG_MD5)
        if isinstance(md5, bytes):
            hasher = hashlib.new("md5", headers.header, usedforsecurity=False)
            digests._running.append(_Running("MD5 of header and payload", hasher, md5.hex()))
        return digests

    def payload_reader(self, handle: Reader) -> Reader:
        """`handle`, positioned at the payload: every byte read through it goes into the running digests."""
        return _HashingReader(handle, [entry.digest for entry in self._running])

    def finish(self, reader: Reader) -> None:
        """Read the payload to the end of the file (rpm's digests cover all of it), then compare."""
        while reader.read(CHUNK):
            pass
        for entry in self._running:
            self._compare(entry.name, entry.digest, entry.expected)
        self._running.clear()

    def _compare(self, name: str, digest: _Hasher, expected: str) -> None:
        self.checked.append(name)
        if digest.hexdigest() != expected:
            self.mismatched.append(name)


def _named(algorithm: str) -> str:
    return algorithm.upper().replace("SHA", "SHA-")


def _hex(value: bytes) -> str:
    return value.decode("ascii", "replace").strip().lower()
