"""`multipath watch`: poll a host's multipath status and its log, print every change, keep per-map figures.

The loop owns no connection of its own: `connect()` gives a fresh executor, so a connection that drops (a
controller pulled out may take the management network with it) is reported and made again at the next poll,
and the watch goes on. Time is charged per poll interval to the state the previous poll saw.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from toolkit.mpstatus.events import Event, diff_topologies
from toolkit.mpstatus.host_status import read_host_status
from toolkit.mpstatus.model import Topology
from toolkit.mpstatus.parse import StatusParseError, parse_status
from toolkit.mpstatus.syslog_follow import LogFollower, find_log
from toolkit.remote.executor import Executor, RemoteError

MAX_RECONNECT_WAIT = 10.0


@dataclass
class MapFigures:
    name: str
    events: int = 0
    fewest_usable: int | None = None
    degraded_seconds: float = 0.0
    zero_seconds: float = 0.0
    ever_zero: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"map": self.name, "events": self.events, "fewest_usable_paths": self.fewest_usable,
                "degraded_seconds": round(self.degraded_seconds, 1), "zero_paths_seconds": round(self.zero_seconds, 1),
                "ever_zero_paths": self.ever_zero}


@dataclass
class WatchRecord:
    host: str
    interval: float
    started: float = field(default_factory=time.time)
    ended: float | None = None
    source: str = ""
    log_source: str = ""
    before_text: str = ""
    after_text: str | None = None
    before: Topology | None = None
    after: Topology | None = None
    events: list[Event] = field(default_factory=list)
    loose_log: list[str] = field(default_factory=list)  # log lines of polls without a status change
    figures: dict[str, MapFigures] = field(default_factory=dict)  # by WWID
    drops: list[str] = field(default_factory=list)

    @property
    def ever_zero(self) -> bool:
        return any(f.ever_zero for f in self.figures.values())


class Watcher:
    def __init__(self, host: str, connect: Callable[[], Executor], *, interval: float, expect_paths: int | None,
                 log_path: str | None, say: Callable[[str], None]) -> None:
        self.host, self.connect, self.interval = host, connect, interval
        self.expect_paths, self.log_path, self.say = expect_paths, log_path, say
        self.record = WatchRecord(host, interval)
        self._ex: Executor | None = None
        self._log: LogFollower | None = None
        self._baseline: dict[str, int] = {}

    def _executor(self) -> Executor:
        if self._ex is None:
            self._ex = self.connect()
            if self._log is None:
                self._log = find_log(self._ex, self.log_path)
                self.record.log_source = self._log.describe()
        return self._ex

    def _read(self) -> tuple[str, Topology, list[str]]:
        ex = self._executor()
        status = read_host_status(ex)
        self.record.source = status.source
        try:
            topology = parse_status(status.text)
        except StatusParseError as exc:
            raise RemoteError(f"{self.host}: {status.source}: {exc}") from None
        assert self._log is not None
        return status.text, topology, self._log.poll(ex)

    def start(self) -> Topology:
        """The first reading (a failure here is the command's failure: nothing to watch)."""
        text, topology, _log = self._read()
        self.record.before_text, self.record.before = text, topology
        for mpath in topology.maps:
            usable = len(mpath.usable_paths)
            self._baseline[mpath.wwid] = usable
            self.record.figures[mpath.wwid] = MapFigures(mpath.name, fewest_usable=usable, ever_zero=usable == 0)
        return topology

    def run(self, duration: float | None, clock: Callable[[], float] = time.monotonic,
            sleep: Callable[[float], None] = time.sleep) -> WatchRecord:
        """Poll until `duration` passes or KeyboardInterrupt (Ctrl-C), which ends the watch normally."""
        previous = self.start()
        began = last = clock()
        try:
            while True:
                remaining = None if duration is None else duration - (clock() - began)
                if remaining is not None and remaining <= 0:
                    break
                sleep(self.interval if remaining is None else min(self.interval, remaining))
                now = clock()
                current = self._poll()
                self._charge(previous, now - last)
                last = now
                if current is not None:
                    previous = current
        except KeyboardInterrupt:
            self.say("interrupted: the summary follows")
        self._charge(previous, clock() - last)
        self._finish()
        return self.record

    def _poll(self) -> Topology | None:
        try:
            text, topology, log = self._read()
        except RemoteError as exc:
            self._drop(str(exc))
            return None
        previous = self.record.after or self.record.before
        assert previous is not None
        events = diff_topologies(previous, topology, time.time())
        self.record.after, self.record.after_text = topology, text
        for line in log:
            self.say(f"{_clock()}  log  {line}")
        if events:
            events[0].log = log
        else:
            self.record.loose_log.extend(log)
        for event in events:
            self.record.events.append(event)
            self.say(f"{_clock(event.time)}  {event.map}  {event.kind}: {event.detail}")
        self._count(topology, events)
        return topology

    def _drop(self, why: str) -> None:
        self.record.drops.append(f"{_clock()} {why}")
        self.say(f"{_clock()}  connection lost: {why}; trying again")
        if self._ex is not None:
            with contextlib.suppress(Exception):  # the connection is already gone; closing is best effort
                self._ex.close()
        self._ex = None

    def _count(self, topology: Topology, events: list[Event]) -> None:
        by_name = {f.name: f for f in self.record.figures.values()}
        for event in events:
            figures = by_name.get(event.map)
            if figures is not None:
                figures.events += 1
        for mpath in topology.maps:
            figures = self.record.figures.setdefault(mpath.wwid, MapFigures(mpath.name))
            usable = len(mpath.usable_paths)
            self._baseline.setdefault(mpath.wwid, usable)
            figures.fewest_usable = usable if figures.fewest_usable is None else min(figures.fewest_usable, usable)
            figures.ever_zero = figures.ever_zero or usable == 0
        for wwid, figures in self.record.figures.items():
            if wwid not in {m.wwid for m in topology.maps}:
                figures.fewest_usable, figures.ever_zero = 0, True  # the map is gone: no path at all

    def _charge(self, state: Topology, seconds: float) -> None:
        present = {m.wwid: len(m.usable_paths) for m in state.maps}
        for wwid, figures in self.record.figures.items():
            usable = present.get(wwid, 0)
            wanted = self.expect_paths if self.expect_paths is not None else self._baseline.get(wwid, 0)
            if usable == 0:
                figures.zero_seconds += seconds
            if usable < wanted or usable == 0:
                figures.degraded_seconds += seconds

    def _finish(self) -> None:
        self.record.ended = time.time()
        if self._ex is not None:
            self._ex.close()


def _clock(when: float | None = None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(when if when is not None else time.time()))
