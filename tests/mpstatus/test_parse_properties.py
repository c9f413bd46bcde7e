"""Property tests of the status parser: noise, truncation and reordering never crash it, and parsing its own
rendering of a topology (tree or bracket layout) gives that topology back."""

from __future__ import annotations

import string
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.mpstatus.model import MpathMap, MpathPath, PathGroup, Topology
from toolkit.mpstatus.parse import StatusParseError, parse_status
from toolkit.mpstatus.render import render_bracket, render_tree

DATA = Path(__file__).parent / "data"
FIXTURE_LINES = [line for fixture in sorted(DATA.glob("*.txt"))
                 for line in fixture.read_text(encoding="utf-8").splitlines()]

NOISE = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["Dec 03 12:00:01 | sdb: checker msg is \"tur checker reports path is down\"",
                     "multipathd> ", "multipathd> show topology", "===== paths list =====", "\\_", "|-+-",
                     "[size=", "size=", "`- ", " \\_ 0:0:0:0", "(", ")", "dm-0", "create: ", "[prio=x][", "|"]),
    st.sampled_from(FIXTURE_LINES),
)


def parse_or_refuse(text: str) -> Topology | None:
    try:
        topology = parse_status(text)
    except StatusParseError:
        return None
    for mpath in topology.maps:
        assert mpath.name and mpath.wwid
        for group in mpath.path_groups:
            assert group.prio is None or isinstance(group.prio, int)
    return topology


@settings(max_examples=300, deadline=None)
@given(st.lists(NOISE, max_size=40))
def test_noise_lines_never_crash_the_parser(lines: list[str]) -> None:
    parse_or_refuse("\n".join(lines))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(p.name for p in DATA.glob("*.txt"))), st.data())
def test_truncated_reordered_and_noisy_fixtures_never_crash(name: str, data: st.DataObject) -> None:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    cut = data.draw(st.integers(0, len(lines)))
    chars = data.draw(st.integers(0, 200))
    shuffled = data.draw(st.permutations(lines[:cut]))
    noise = data.draw(st.lists(NOISE, max_size=5))
    parse_or_refuse("\n".join(shuffled + noise))
    parse_or_refuse("\n".join(lines)[:chars])


def test_every_fixture_keeps_its_maps_when_noise_is_added_between_maps() -> None:
    for fixture in sorted(DATA.glob("*.txt")):
        text = fixture.read_text(encoding="utf-8")
        noisy = "Dec 03 12:00:01 | sdb: checker msg is \"x\"\n" + text + "\nsdc: mark as failed\n"
        assert parse_status(noisy).maps == parse_status(text).maps, fixture.name


_WORD = string.ascii_letters + string.digits + "_-"
names = st.text(alphabet=_WORD, min_size=1, max_size=20).filter(lambda s: "dm-" not in s and s != "undef")
wwids = st.one_of(
    st.text(alphabet="0123456789abcdef", min_size=8, max_size=33),
    st.builds(lambda a, b: f"eui.{a}:ns.{b}", st.text(alphabet="0123456789abcdef", min_size=4, max_size=16),
              st.integers(1, 9)),
    st.builds(lambda a, b: f"SATA     {a} {b}", st.text(alphabet=string.ascii_uppercase + string.digits,
                                                          min_size=3, max_size=10),
              st.text(alphabet=string.ascii_uppercase + string.digits + "-", min_size=3, max_size=10)),
).filter(lambda s: "dm-" not in s)
words = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=12)
product = st.lists(words, min_size=1, max_size=3).map(" ".join)
hcil = st.builds(lambda *n: ":".join(map(str, n)), *(st.integers(0, 255) for _ in range(4)))
dev_t = st.builds(lambda a, b: f"{a}:{b}", st.integers(0, 259), st.integers(0, 4096))
dm_states = st.sampled_from(["active", "failed", "undef"])
checker_states = st.sampled_from(["ready", "faulty", "ghost", "shaky", "i/o pending", "delayed", "undef"])
online_states = st.sampled_from(["running", "offline", "blocked", "transport-offline", "quiesce"])


def path_strategy(with_online: bool) -> st.SearchStrategy[MpathPath]:
    return st.builds(MpathPath, hcil, st.from_regex(r"sd[a-z]{1,2}", fullmatch=True), dev_t, dm_states,
                     checker_states, online_states if with_online else st.none())


def group_strategy(with_online: bool) -> st.SearchStrategy[PathGroup]:
    return st.builds(PathGroup, st.integers(-1, 1000), st.sampled_from(["active", "enabled", "disabled"]),
                     st.sampled_from(["round-robin 0", "service-time 0", "queue-length 0"]),
                     st.lists(path_strategy(with_online), min_size=1, max_size=4))


@st.composite
def topologies(draw: st.DrawFn, with_online: bool) -> Topology:
    maps = []
    for _ in range(draw(st.integers(0, 4))):
        wwid = draw(wwids)
        alias = draw(st.one_of(st.none(), names))
        # No alias (or one equal to the WWID): multipath prints the WWID as the name, spaces and all.
        name = wwid if alias is None else alias
        maps.append(MpathMap(
            name, wwid, draw(st.builds(lambda n: f"dm-{n}", st.integers(0, 999))), draw(words), draw(product),
            draw(st.sampled_from(["16G", "100G", "1.0T", "420G"])), draw(st.sampled_from(["0", "1 alua", "1 rdac"])),
            draw(st.sampled_from(["0", "1 queue_if_no_path", "3 queue_if_no_path pg_init_retries 50"])),
            draw(st.sampled_from(["rw", "ro"])), draw(st.lists(group_strategy(with_online), min_size=1, max_size=3))))
    return Topology(maps)


@settings(max_examples=200, deadline=None)
@given(topologies(with_online=True))
def test_tree_layout_round_trip(topology: Topology) -> None:
    assert parse_status(render_tree(topology)) == topology


@settings(max_examples=200, deadline=None)
@given(topologies(with_online=False))
def test_bracket_layout_round_trip(topology: Topology) -> None:
    assert parse_status(render_bracket(topology)) == topology
