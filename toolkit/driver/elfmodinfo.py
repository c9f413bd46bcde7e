"""The `.modinfo` section of a kernel module (`.ko`), read with the stdlib only.

A `.ko` is an ELF relocatable object (ELF32 or ELF64, either byte order). Its `.modinfo` section
holds NUL-separated `key=value` strings (`vermagic=`, `license=`, `alias=`, ...); the kernel compares
`vermagic` with its own and refuses the module on a mismatch. Found here through the section headers
and the section-name string table, as `readelf -p .modinfo` does.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from toolkit.errors import ToolkitError

ELF_MAGIC = b"\x7fELF"
ET_REL = 1
SHT_NOBITS = 8
SHN_UNDEF = 0
SHN_XINDEX = 0xFFFF
_KVER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+~-]*$")

MACHINES = {
    3: "i386", 8: "mips", 20: "ppc", 21: "ppc64", 22: "s390", 40: "arm", 43: "sparcv9", 62: "x86-64",
    183: "aarch64", 243: "riscv",
}

# After the 16 bytes of e_ident: e_type .. e_shstrndx; then one section header.
_HEADER = {32: "HHIIIIIHHHHHH", 64: "HHIQQQIHHHHHH"}
_SECTION = {32: "IIIIIIIIII", 64: "IIQQQQIIQQ"}


class ModinfoError(ToolkitError):
    """The file is no kernel module we can read: not ELF, cut short, or without `.modinfo` / `vermagic`."""


@dataclass(frozen=True)
class ModInfo:
    elf_class: int  # 32 or 64
    big_endian: bool
    machine: str  # "x86-64", "i386", ... or "EM_<number>"
    relocatable: bool  # e_type ET_REL: what insmod loads; anything else the kernel refuses
    fields: dict[str, tuple[str, ...]]  # key -> values in section order (alias=, depends= may repeat)

    def first(self, key: str) -> str | None:
        values = self.fields.get(key)
        return values[0] if values else None

    @property
    def vermagic(self) -> str:
        value = self.first("vermagic")
        if value is None:
            raise ModinfoError("no vermagic= in .modinfo")
        return value.strip()


def kernel_release(vermagic: str) -> str:
    """The kernel release a vermagic names: its first field ("2.6.32.43-0.4.1.xs1.8.0.835.170778xen SMP ...")."""
    fields = vermagic.split()
    return fields[0] if fields else ""


def check_kernel_release(kver: str) -> str | None:
    """Why `kver` cannot be a kernel release (`uname -r`), or None."""
    if not kver:
        return "empty: give the target kernel's release as `uname -r` prints it on the host"
    if not _KVER.match(kver):
        return f'"{kver}" is not a kernel release (letters, digits and . _ + ~ - only), e.g. 2.6.32.43-0.4.1.xs1.8.0'
    return None


def read_modinfo(data: bytes) -> ModInfo:
    """Parse an ELF image held in memory. Raises ModinfoError with a reason a person can act on."""
    if not data or not ELF_MAGIC.startswith(data[:4]):
        raise ModinfoError("not an ELF file (a kernel module starts with \\x7fELF)")
    if len(data) < 16:
        raise ModinfoError(f"truncated: {len(data)} bytes, less than the 16 of the ELF identification")
    ei_class, ei_data = data[4], data[5]
    if ei_class not in (1, 2):
        raise ModinfoError(f"ELF class {ei_class} is neither 1 (ELF32) nor 2 (ELF64)")
    if ei_data not in (1, 2):
        raise ModinfoError(f"ELF data encoding {ei_data} is neither 1 (little endian) nor 2 (big endian)")
    bits = 32 if ei_class == 1 else 64
    order = "<" if ei_data == 1 else ">"
    header = struct.Struct(order + _HEADER[bits])
    section = struct.Struct(order + _SECTION[bits])
    e_type, e_machine, _v, _entry, _phoff, shoff, _flags, _ehsize, _phes, _phnum, shentsize, shnum, shstrndx = (
        _unpack(header, data, 16, "ELF header"))
    if shoff == 0:
        raise ModinfoError("no section headers (e_shoff is 0): stripped of sections, not a module")
    if shentsize < section.size:
        raise ModinfoError(f"section header size {shentsize} is smaller than ELF{bits}'s {section.size}")

    def section_at(index: int) -> tuple[int, ...]:
        return _unpack(section, data, shoff + index * shentsize, f"section header {index}")

    if shnum == 0 or shstrndx == SHN_XINDEX:  # more than 0xff00 sections: the real values are in section 0
        first = section_at(0)
        shnum = shnum or first[5]
        shstrndx = first[6] if shstrndx == SHN_XINDEX else shstrndx
    if shstrndx == SHN_UNDEF or shstrndx >= shnum:
        raise ModinfoError(f"no section name table (e_shstrndx {shstrndx}, {shnum} sections)")
    if shoff + shnum * shentsize > len(data):
        raise ModinfoError(f"truncated: {shnum} section headers at offset {shoff} run past the end "
                           f"({len(data)} bytes)")
    names = _section_data(data, section_at(shstrndx), "section name table")
    for index in range(shnum):
        entry = section_at(index)
        if _name(names, entry[0]) == b".modinfo":
            content = _section_data(data, entry, ".modinfo")
            machine = MACHINES.get(e_machine, f"EM_{e_machine}")
            return ModInfo(bits, order == ">", machine, e_type == ET_REL, parse_fields(content))
    raise ModinfoError("no .modinfo section (not a kernel module, or one stripped of it)")


def parse_fields(content: bytes) -> dict[str, tuple[str, ...]]:
    """NUL-separated `key=value` strings; empty strings (alignment padding) and strings without '=' are skipped."""
    fields: dict[str, list[str]] = {}
    for raw in content.split(b"\0"):
        key, sep, value = raw.partition(b"=")
        if sep and key:
            fields.setdefault(key.decode("ascii", "replace"), []).append(value.decode("utf-8", "replace"))
    return {key: tuple(values) for key, values in fields.items()}


def _unpack(layout: struct.Struct, data: bytes, offset: int, what: str) -> tuple[int, ...]:
    if offset + layout.size > len(data):
        raise ModinfoError(f"truncated: {what} at offset {offset} runs past the end ({len(data)} bytes)")
    return layout.unpack_from(data, offset)


def _section_data(data: bytes, entry: tuple[int, ...], what: str) -> bytes:
    sh_type, offset, size = entry[1], entry[4], entry[5]
    if sh_type == SHT_NOBITS:
        raise ModinfoError(f"{what} has no data in the file (SHT_NOBITS)")
    if offset + size > len(data):
        raise ModinfoError(f"truncated: {what} ({size} bytes at offset {offset}) runs past the end "
                           f"({len(data)} bytes)")
    return data[offset:offset + size]


def _name(table: bytes, offset: int) -> bytes:
    if offset >= len(table):
        return b""
    end = table.find(b"\0", offset)
    return table[offset:] if end < 0 else table[offset:end]
