"""toolkit.inputs.sizes: sizes people write (2GiB, 512M) as bytes, with limits."""

from __future__ import annotations

import pytest

from tests.conftest import fails
from toolkit.errors import ValidationError
from toolkit.inputs.sizes import format_size, parse_disk, parse_memory, parse_size, parse_vcpus

KIB, MIB, GIB, TIB = 2**10, 2**20, 2**30, 2**40
ANY = {"minimum": 0, "maximum": 2**60}


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("0", 0), ("1", 1), ("512", 512), ("512B", 512),
        ("1KiB", KIB), ("512MiB", 512 * MIB), ("2GiB", 2 * GIB), ("1TiB", TIB),
        ("1K", KIB), ("512M", 512 * MIB), ("20G", 20 * GIB), ("2T", 2 * TIB),
        ("2g", 2 * GIB), ("512m", 512 * MIB), ("1k", KIB), ("1t", TIB),  # short spellings are binary units
        ("1.5GiB", 1536 * MIB), ("0.5G", 512 * MIB), ("2.25TiB", 2 * TIB + TIB // 4),
        (" 2GiB ", 2 * GIB), ("2 GiB", 2 * GIB), ("2\tG", 2 * GIB),
    ],
)
def test_parse_size_units_and_aliases(text: str, size: int) -> None:
    assert parse_size("size", text, **ANY) == size


@pytest.mark.parametrize(
    ("text", "suggested"),
    [("2GB", "2GiB or 2G"), ("512MB", "512MiB or 512M"), ("1KB", "1KiB or 1K"), ("1TB", "1TiB or 1T"),
     ("2gb", "2GiB or 2G"), ("1.5 Gb", "1.5GiB or 1.5G")],
)
def test_si_looking_units_are_refused_not_read_as_binary(text: str, suggested: str) -> None:
    """GB is 10^9 bytes to some and 2^30 to others: refused, with the binary spelling to use."""
    fails(lambda: parse_size("--memory", text, **ANY), "--memory", repr(text), "is ambiguous", suggested, "GiB, TiB")


@pytest.mark.parametrize(("text", "problem"), [("2048", "out of range"), (f"{512 * MIB + 1}", "whole number of MiB")])
def test_a_number_without_unit_names_the_units(text: str, problem: str) -> None:
    """`--memory 2048` is 2048 bytes: the error says so and lists the units."""
    fails(lambda: parse_memory("--memory", text), "--memory", repr(text), problem,
          "a number without a unit is bytes", "units: B, KiB, MiB, GiB, TiB; K, M, G, T")


def test_a_size_with_a_unit_does_not_mention_bare_numbers() -> None:
    error = fails(lambda: parse_memory("--memory", "128MiB"), "--memory", "out of range")
    assert "without a unit" not in error.message


@pytest.mark.parametrize(
    "text",
    ["", " ", "GiB", "two GiB", "-1GiB", "+1GiB", "2PiB", "2P", "2GiBs", "2 G iB", "2Gi", "2gib", "1e3", "0x10",
     "1,5GiB", "1.GiB", ".5GiB", "2GiB;reboot", "2G2", "nan", "inf", "1_000", "2 GiB 3"],
)
def test_parse_size_garbage(text: str) -> None:
    fails(lambda: parse_size("size", text, **ANY), "size", repr(text), "not a size")


def test_parse_size_huge_number_is_a_validation_error() -> None:
    text = "1" + "0" * 400
    fails(lambda: parse_size("size", text, minimum=0, maximum=TIB), "size", "out of range")


def test_parse_size_range_is_inclusive() -> None:
    assert parse_size("s", "1GiB", minimum=GIB, maximum=2 * GIB) == GIB
    assert parse_size("s", "2GiB", minimum=GIB, maximum=2 * GIB) == 2 * GIB
    fails(lambda: parse_size("s", "1023MiB", minimum=GIB, maximum=2 * GIB), "s", "'1023MiB'", "1GiB to 2GiB")
    fails(lambda: parse_size("s", "2049MiB", minimum=GIB, maximum=2 * GIB), "s", "'2049MiB'", "out of range")
    fails(lambda: parse_size("s", "99999999999999999999T", minimum=GIB, maximum=2 * GIB), "s", "out of range")


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0B"), (1, "1B"), (1023, "1023B"), (KIB, "1KiB"), (1536, "1536B"), (3 * KIB, "3KiB"),
        (MIB, "1MiB"), (1536 * MIB, "1536MiB"), (2 * GIB, "2GiB"), (2147483648, "2GiB"), (1023 * GIB, "1023GiB"),
        (TIB, "1TiB"), (3 * TIB, "3TiB"), (2048 * TIB, "2048TiB"), (MIB + 1, f"{MIB + 1}B"),
    ],
)
def test_format_size(size: int, text: str) -> None:
    assert format_size(size) == text


@pytest.mark.parametrize("size", [0, 1, 1000, KIB, 1536, MIB, 768 * MIB, 5 * GIB, 7 * TIB, 12345 * KIB])
def test_format_then_parse_round_trip(size: int) -> None:
    assert parse_size("s", format_size(size), **ANY) == size


# --- a guest's memory, disk and vCPUs ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "size"),
    [("256MiB", 256 * MIB), ("256M", 256 * MIB), ("1.5GiB", 1536 * MIB), ("2G", 2 * GIB), ("2TiB", 2 * TIB),
     ("2048GiB", 2 * TIB), (str(512 * MIB), 512 * MIB)],
)
def test_parse_memory(text: str, size: int) -> None:
    assert parse_memory("memory", text) == size


@pytest.mark.parametrize("text", ["255MiB", "0", "1", "128M", "2049GiB", "3TiB", "0.2GiB"])
def test_memory_out_of_range(text: str) -> None:
    fails(lambda: parse_memory("--memory", text), "--memory", repr(text), "256MiB to 2TiB")


@pytest.mark.parametrize("text", ["300.5MiB", f"{512 * MIB + 1}", "1.0000001GiB", "262145KiB"])
def test_memory_not_whole_mib(text: str) -> None:
    fails(lambda: parse_memory("memory", text), "memory", repr(text), "whole number of MiB")


@pytest.mark.parametrize("text", ["", "lots", "2 gigs", "-1G", "2PiB"])
def test_memory_garbage(text: str) -> None:
    fails(lambda: parse_memory("memory", text), "memory", repr(text), "not a size")


@pytest.mark.parametrize(
    ("text", "size"),
    [("1GiB", GIB), ("1024MiB", GIB), ("20G", 20 * GIB), ("2TiB", 2 * TIB), ("1.5GiB", 1536 * MIB)],
)
def test_parse_disk(text: str, size: int) -> None:
    assert parse_disk("disk", text) == size


@pytest.mark.parametrize("text", ["1023MiB", "512M", "0", "2049G", "3T", "0.9GiB"])
def test_disk_out_of_range(text: str) -> None:
    fails(lambda: parse_disk("--disk", text), "--disk", repr(text), "1GiB to 2TiB")


@pytest.mark.parametrize("text", ["1.0000001GiB", f"{GIB + 1}", "1048577KiB"])
def test_disk_not_whole_mib(text: str) -> None:
    fails(lambda: parse_disk("disk", text), "disk", repr(text), "whole number of MiB")


@pytest.mark.parametrize("text", ["", "big", "20 GB disk"])
def test_disk_garbage(text: str) -> None:
    fails(lambda: parse_disk("disk", text), "disk", "not a size")


@pytest.mark.parametrize("count", [1, 2, 8, 63, 64])
def test_parse_vcpus(count: int) -> None:
    assert parse_vcpus("vcpus", count) == count


@pytest.mark.parametrize("count", [0, -1, 65, 128, 10**9])
def test_vcpus_out_of_range(count: int) -> None:
    fails(lambda: parse_vcpus("--vcpus", count), "--vcpus", str(count), "1 to 64")


def test_fractions_of_a_byte_are_not_silently_dropped() -> None:
    with pytest.raises(ValidationError, match="whole number of bytes"):
        parse_size("memory", "1.0000000000000000000001GiB", minimum=1, maximum=2**40)
    assert parse_size("memory", "1.5GiB", minimum=1, maximum=2**40) == 3 * 2**29
