"""The status parser against each layout admins paste (fixtures in tests/mpstatus/data/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.mpstatus.model import MpathMap, Topology
from toolkit.mpstatus.parse import StatusParseError, parse_status

DATA = Path(__file__).parent / "data"


def parse_file(name: str) -> Topology:
    return parse_status((DATA / name).read_text(encoding="utf-8"))


def path_rows(mpath: MpathMap) -> list[tuple[str | None, ...]]:
    return [(p.hcil, p.dev, p.devt, p.dm_state, p.checker_state, p.online_state) for p in mpath.paths]


def test_the_blogs_bracket_output_with_its_shell_prompt() -> None:
    topology = parse_file("bracket-seed.txt")
    assert [m.name for m in topology.maps] == ["22202000155fdb615", "222ac00015543fe63"]
    first = topology.maps[0]
    assert (first.wwid, first.dm, first.vendor, first.product) == ("22202000155fdb615", "dm-0", "Intel", "Multi-Flex")
    assert (first.size, first.hwhandler, first.features, first.write_mode) == ("100G", "1 alua", "1 queue_if_no_path",
                                                                               "rw")
    assert [(g.prio, g.status) for g in first.path_groups] == [(50, "active"), (1, "enabled")]
    assert path_rows(first) == [("0:0:2:0", "sda", "8:0", "active", "ready", None),
                                ("0:0:1:0", "sdc", "8:32", "active", "ready", None)]
    assert len(topology.maps[1].usable_paths) == 2
    assert topology.warnings == ["line 1: skipped (not part of a map): '[root@xenserver1 ~]# multipath -ll'"]


def test_rhel5_bracket_layout_with_alias_padded_product_and_failed_paths() -> None:
    topology = parse_file("bracket-rhel5.txt")
    (mpath,) = topology.maps
    assert (mpath.name, mpath.wwid, mpath.vendor, mpath.product) == (
        "mpath0", "3600a0b80000f4b1c000004c04a07e1c0", "IBM", "1815      FAStT")
    assert path_rows(mpath)[2:] == [("1:0:1:0", "sdd", "8:48", "active", "ghost", None),
                                    ("2:0:0:0", "sdh", "8:112", "failed", "faulty", None)]
    assert [p.dev for p in mpath.usable_paths] == ["sdb", "sdf"]
    assert len(topology.warnings) == 1 and "checker msg" in topology.warnings[0]


def test_045_layout_quotes_padding_states_in_either_order_and_no_prio() -> None:
    (mpath,) = parse_file("bracket-045.txt").maps
    assert (mpath.dm, mpath.vendor, mpath.size, mpath.features, mpath.hwhandler) == (
        None, None, "10 GB", "1 queue_if_no_path", "0")
    assert [(g.prio, g.status) for g in mpath.path_groups] == [(None, "active"), (1, "enabled")]
    assert [(p.dm_state, p.checker_state) for p in mpath.paths] == [
        ("active", "ready"), ("failed", "faulty"), ("active", "ready")]


def test_049_tree_layout() -> None:
    (mpath,) = parse_file("tree-049.txt").maps
    assert (mpath.name, mpath.wwid, mpath.dm, mpath.vendor, mpath.product) == (
        "mpatha", "3600508b400105e210000900000490000", "dm-0", "HP", "HSV210")
    assert (mpath.size, mpath.features, mpath.hwhandler, mpath.write_mode) == ("10G", "1 queue_if_no_path", "0", "rw")
    assert [(g.prio, g.status, len(g.paths)) for g in mpath.path_groups] == [(50, "active", 2), (10, "enabled", 2)]
    assert path_rows(mpath)[0] == ("0:0:0:1", "sda", "8:0", "active", "ready", "running")


def test_modern_layout_with_timestamped_noise_two_word_checker_state_and_padded_vendor() -> None:
    topology = parse_file("tree-modern.txt")
    first, second = topology.maps
    assert first.name == first.wwid == "3600a098038303053453f463045727a4c"
    assert (first.product, first.features) == ("LUN C-Mode", "3 queue_if_no_path pg_init_retries 50")
    assert path_rows(first)[1] == ("2:0:0:1", "sdc", "8:32", "active", "i/o pending", "running")
    assert (second.name, second.wwid, second.vendor, second.product, second.write_mode) == (
        "data_lun", "3600a098038303053453f463045727a4d", "NETAPP", "LUN C-Mode", "ro")
    assert second.active_group() == 2
    assert path_rows(second)[0] == ("1:0:0:2", "sde", "8:64", "failed", "faulty", "offline")
    assert len(topology.warnings) == 2


def test_mpathutil_and_multipathd_prompts_and_create_prefix() -> None:
    topology = parse_file("mpathutil-status.txt")
    (mpath,) = topology.maps
    assert (mpath.name, mpath.wwid, mpath.dm, mpath.vendor, mpath.product) == (
        "mpathb", "36001405a3b9e7c1f2f4d4b9e8a7c6d5e", None, "LIO-ORG", "disk01")
    assert [(g.prio, g.status) for g in mpath.path_groups] == [(50, "undef")]
    assert [p.dm_state for p in mpath.paths] == ["undef", "undef"]
    assert topology.warnings == []


def test_wwids_with_spaces_dots_colons_and_glued_to_the_dm_device() -> None:
    sata, nvme, glued = parse_file("odd-wwids.txt").maps
    assert (sata.name, sata.wwid, sata.dm, sata.vendor, sata.product) == (
        "SATA     WDC WD5000AAKS-0 WD-WCAPW1234567", "SATA     WDC WD5000AAKS-0 WD-WCAPW1234567", "dm-4", "ATA",
        "WDC WD5000AAKS-0")
    assert (nvme.name, nvme.wwid) == ("eui.0025385b71b2c3d4:ns.1", "eui.0025385b71b2c3d4")
    assert path_rows(nvme) == [("#:#:#:#", "nvme0n1", "259:0", "active", "ready", "running")]
    assert (glued.name, glued.wwid, glued.dm) == ("360a98000572d4275685a6f4f6f6f4c44",
                                                  "360a98000572d4275685a6f4f6f6f4c44", "dm-7")


@pytest.mark.parametrize("text", ["", "\n\n  \n", "multipathd> \n"])
def test_no_output_is_zero_maps(text: str) -> None:
    assert parse_status(text) == Topology()


def test_only_noise_is_zero_maps_with_warnings() -> None:
    text = ("Dec 03 12:00:01 | sdb: checker msg is \"tur checker reports path is down\"\n"
            "Dec  3 12:00:02 xenserver1 multipathd: sdb: mark as failed\n"
            "===== paths list =====\n"
            "uuid hcil    dev dev_t pri dm_st  chk_st vend/prod/rev dev_st\n"
            "     0:0:0:0 sda 8:0   1   undef  ready  Intel,Multi-Flex running\n")
    topology = parse_status(text)
    assert topology.maps == [] and len(topology.warnings) == 5


def test_text_that_is_not_multipath_output_names_the_first_offending_line() -> None:
    with pytest.raises(StatusParseError) as caught:
        parse_status("Dec 03 12:00:01 | noise\nbash: multipath: command not found\nhello\n")
    assert caught.value.line_number == 2
    assert "line 2 is not multipath status output: 'bash: multipath: command not found'" in str(caught.value)


def test_a_header_without_its_properties_line_is_not_taken_for_a_map() -> None:
    text = (DATA / "tree-049.txt").read_text(encoding="utf-8") + "mpathz (36000) dm-9 HP,HSV210\n"
    topology = parse_status(text)
    assert [m.name for m in topology.maps] == ["mpatha"]
    assert "mpathz" in topology.warnings[-1]


def test_paths_before_any_map_are_warnings_not_paths() -> None:
    topology = parse_status("| `- 0:0:0:1 sda 8:0 active ready running\n" +
                            (DATA / "tree-049.txt").read_text(encoding="utf-8"))
    assert len(topology.maps[0].paths) == 4
    assert "outside any map" in topology.warnings[0]


def test_json_shape_has_exactly_the_documented_keys() -> None:
    data = parse_file("tree-049.txt").as_json()
    assert list(data) == ["maps", "warnings"]
    mpath = data["maps"][0]
    assert list(mpath) == ["name", "wwid", "dm", "vendor", "product", "size", "hwhandler", "path_groups"]
    assert list(mpath["path_groups"][0]) == ["prio", "status", "paths"]
    assert list(mpath["path_groups"][0]["paths"][0]) == ["hcil", "dev", "devt", "dm_state", "checker_state",
                                                         "online_state"]
