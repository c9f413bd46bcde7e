"""Kernel modules (made by gcc, or crafted ELF) and driver RPMs holding them (built with rpmbuild), for the
`xenkit driver verify` tests (tests/driver/test_driver_verify_*.py), and their check of its stderr.
"""

from __future__ import annotations

import hashlib
import itertools
import struct
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_program

KVER = "5.10.0-xen"
OTHER = "4.19.0+1"
VERMAGIC = f"{KVER} SMP mod_unload "
EXTRA = f"/lib/modules/{KVER}/extra"
_counter = itertools.count()
MODULE_C = """\
static const char __mod_vermagic[] __attribute__((section(".modinfo"), used)) = "vermagic=%s";
static const char __mod_license[] __attribute__((section(".modinfo"), used)) = "license=GPL";
static const char __mod_alias1[] __attribute__((section(".modinfo"), used)) = "alias=scsi:t-0x00";
static const char __mod_alias2[] __attribute__((section(".modinfo"), used)) = "alias=scsi:t-0x0d";
int xenkit_test_init(void) { return 0; }
"""


def gcc_module(tmp_path: Path, vermagic: str = VERMAGIC, m32: bool = False) -> bytes:
    """A relocatable object with a .modinfo section, as kbuild makes one (gcc -c)."""
    gcc = require_program("gcc")
    number = next(_counter)
    source, obj = tmp_path / f"mod{number}.c", tmp_path / f"mod{number}.ko"
    source.write_text(MODULE_C % vermagic, encoding="ascii")
    result = subprocess.run([gcc, *(["-m32"] if m32 else []), "-c", str(source), "-o", str(obj)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        if m32:  # no multilib: a hand-made ELF32 i386 object stands in
            return craft_elf(32, False, 3, f"vermagic={vermagic}\0license=GPL\0".encode())
        pytest.fail(result.stderr)
    return obj.read_bytes()


def craft_elf(bits: int, big_endian: bool, machine: int, modinfo: bytes, *, e_type: int = 1,
              section: str = ".modinfo") -> bytes:
    """A minimal ELF: sections null, `section` (holding `modinfo`), .shstrtab; no program headers."""
    order = ">" if big_endian else "<"
    header = struct.Struct(order + ("HHIIIIIHHHHHH" if bits == 32 else "HHIQQQIHHHHHH"))
    shdr = struct.Struct(order + ("IIIIIIIIII" if bits == 32 else "IIQQQQIIQQ"))
    names = b"\0" + section.encode() + b"\0.shstrtab\0"
    ehsize = 16 + header.size
    modinfo_at = ehsize
    names_at = modinfo_at + len(modinfo)
    shoff = (names_at + len(names) + 7) // 8 * 8
    ident = b"\x7fELF" + bytes([1 if bits == 32 else 2, 2 if big_endian else 1, 1]) + bytes(9)
    elf = bytearray(ident + header.pack(e_type, machine, 1, 0, 0, shoff, 0, ehsize, 0, 0, shdr.size, 3, 2))
    elf += modinfo + names
    elf += bytes(shoff - len(elf))
    elf += shdr.pack(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    elf += shdr.pack(1, 1, 2, 0, modinfo_at, len(modinfo), 0, 0, 1, 0)  # PROGBITS, ALLOC
    elf += shdr.pack(2 + len(section), 3, 0, 0, names_at, len(names), 0, 0, 1, 0)  # STRTAB
    return bytes(elf)


def build_rpm(tmp_path: Path, files: dict[str, bytes], *, group: str = "System Environment/Kernel",
              payload: str | None = None, target: str | None = None, links: dict[str, str] | None = None,
              source: bool = False, defines: dict[str, str] | None = None) -> Path:
    """rpmbuild -bb (or -bs) a package that installs `files` (path -> content) and hard `links` (new -> existing)."""
    rpmbuild = require_program("rpmbuild")
    top = tmp_path / f"rpmbuild{next(_counter)}"
    (top / "SOURCES").mkdir(parents=True)
    install, listed = [], []
    for number, (dest, data) in enumerate(files.items()):
        (top / "SOURCES" / f"file{number}").write_bytes(data)
        install.append(f"install -D -m 0644 %{{_sourcedir}}/file{number} %{{buildroot}}{dest}")
        listed.append(dest)
    for new, existing in (links or {}).items():
        install.append(f"mkdir -p %{{buildroot}}{Path(new).parent} && ln %{{buildroot}}{existing} %{{buildroot}}{new}")
        listed.append(new)
    spec = top / "xenkit-test.spec"
    spec.write_text("\n".join([
        "Name: xenkit-test-driver", "Version: 1.2", "Release: 3.xs", "Summary: a test driver", "License: GPL",
        f"Group: {group}", "AutoReqProv: no", "%global debug_package %{nil}", "%global __os_install_post %{nil}",
        "%description", "A driver RPM for xenkit's tests.", "%install", *install, "%files", *listed, "",
    ]), encoding="utf-8")
    args = [rpmbuild, "--define", f"_topdir {top}", "-bs" if source else "-bb", str(spec)]
    args += ["--define", f"_binary_payload {payload}"] if payload else []
    args += ["--target", target] if target else []
    args += [arg for name, value in (defines or {}).items() for arg in ("--define", f"{name} {value}")]
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    (rpm,) = top.glob("SRPMS/*.rpm" if source else "RPMS/*/*.rpm")
    return rpm


def rpm_query(rpm: Path, *args: str) -> str:
    return subprocess.run([require_program("rpm"), "-qp", *args, str(rpm)], capture_output=True, text=True,
                          check=True).stdout


def only_error_lines(err: str) -> list[str]:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert all(line.startswith(("error: ", "hint: ", "warning: ", "ok: ")) for line in lines), err
    return [line for line in lines if line.startswith("error: ")]


def as_rpm44(rpm: Path, target: Path) -> Path:
    """`rpm` rewritten as rpm 4.4 wrote packages (which `rpm -K` still checks): a signature header holding only
    SIZE, the header's SHA-1 and the MD5 of header and payload, and no payload digest in the main header."""
    data = rpm.read_bytes()
    header_at, store_at, payload_at = rpm_layout(data)
    header = _without_tags(data[header_at + 16:store_at], data[store_at:payload_at], {5092, 5093, 5097})
    payload = data[payload_at:]
    sha1 = hashlib.sha1(header).hexdigest().encode() + bytes(4)  # its NUL, then padding: SIZE is 4-aligned
    md5 = hashlib.md5(header + payload).digest()
    store = sha1 + struct.pack(">I", len(header) + len(payload)) + md5 + _ENTRY.pack(62, 7, -64, 16)
    index = [_ENTRY.pack(*entry) for entry in ((62, 7, 64, 16), (269, 6, 0, 1), (1000, 4, 44, 1), (1004, 7, 48, 16))]
    signature = _HEADER_MAGIC + struct.pack(">II", 4, len(store)) + b"".join(index) + store
    target.write_bytes(data[:96] + signature + header + payload)
    return target


def rpm_layout(data: bytes) -> tuple[int, int, int]:
    """Where an RPM's main header starts, where its data store starts, and where the payload starts."""
    entries, size = struct.unpack(">II", data[104:112])  # the signature header's, after the 96-byte lead
    header_at = 112 + 16 * entries + size + (-size % 8)
    entries, size = struct.unpack(">II", data[header_at + 8:header_at + 16])
    store_at = header_at + 16 + 16 * entries
    return header_at, store_at, store_at + size


_ENTRY = struct.Struct(">IIiI")  # an rpm header's index entry: tag, type, data offset, count
_HEADER_MAGIC = b"\x8e\xad\xe8\x01\0\0\0\0"
_TYPE_SIZES = {0: 0, 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1}  # NULL, CHAR, INT8, INT16, INT32, INT64, BIN; others text


def _without_tags(index: bytes, store: bytes, dropped: set[int]) -> bytes:
    """A main header rebuilt without the `dropped` tags: the kept entries' data in order, aligned as rpm aligns
    it (rpm refuses a header with data no entry uses), then the immutable region's trailer counting them."""
    region, *entries = [_ENTRY.unpack_from(index, at) for at in range(0, len(index), _ENTRY.size)]
    assert region[0] == 63, "the main header starts with its immutable region"
    kept = [entry for entry in entries if entry[0] not in dropped]
    data, new_index = bytearray(), []
    for tag, kind, offset, count in kept:
        width = _TYPE_SIZES.get(kind)
        end = offset + (width or 0) * count
        for _ in range(0 if width is not None else 1 if kind == 6 else count):  # STRING: one; arrays: count
            end = store.index(b"\0", end) + 1
        data += bytes(-len(data) % (width or 1))
        new_index.append(_ENTRY.pack(tag, kind, len(data), count))
        data += store[offset:end]
    new_index.insert(0, _ENTRY.pack(63, 7, len(data), 16))
    data += _ENTRY.pack(63, 7, -_ENTRY.size * len(new_index), 16)
    return _HEADER_MAGIC + struct.pack(">II", len(new_index), len(data)) + b"".join(new_index) + bytes(data)


def flip_byte(rpm: Path, inside: bytes, target: Path) -> Path:
    """A copy of `rpm` with the first byte of `inside` (text found in it, e.g. its description) changed."""
    data = bytearray(rpm.read_bytes())
    at = data.index(inside)
    data[at] ^= 0x20
    target.write_bytes(bytes(data))
    return target


def rpm_checksig(rpm: Path) -> str:
    """What `rpm -K` says of the file's digests: "digests OK" or "DIGESTS NOT OK" (signatures not asked for)."""
    result = subprocess.run([require_program("rpm"), "-K", "--nosignature", str(rpm)], capture_output=True,
                            text=True, check=False)
    return result.stdout.strip().removeprefix(f"{rpm}: ")
