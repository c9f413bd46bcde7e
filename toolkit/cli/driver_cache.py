"""`xenkit driver cache list|prune`: what the step store of `xenkit driver build` holds, and keeping it small."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import click

from toolkit.cli.ddk import human_size

if TYPE_CHECKING:
    from toolkit.driver.store import Store
    from toolkit.driver.store_scan import StoredEntry

MAX_BOUND = 2**50  # 1024 TiB: any cache; beyond that the number is a typo


@click.group("cache", short_help="List or prune the store of finished builds (~/.cache/xenkit/store).")
def cache() -> None:
    """The step store of `xenkit driver build` (~/.cache/xenkit/store): finished builds, kept for reuse.

    Each entry is one rpmbuild step (its id hashes the recipe, kernel, source and xenkit version):
    its RPMs, its log and a record. After each build the least recently used entries are removed
    until the store fits 2 GiB; an entry a running build holds is never removed.
    """


@cache.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the entries and the total as JSON.")
def list_cmd(as_json: bool) -> None:
    """List the entries, least recently used (the next to be pruned) first, and their total size.

    \b
    Each line: the step id (its first 12 characters), the recipe, the size and when it was last used.
    """
    store = _store()
    stored = store.entries()
    total = sum(entry.size for entry in stored)
    if as_json:
        click.echo(json.dumps({"store": str(store.root), "entries": [_as_dict(entry) for entry in stored],
                               "total": total}, indent=2))
        return
    if stored:
        click.echo(f"{'ID':12}  {'RECIPE':16} {'SIZE':>10}  LAST USED")
    for entry in stored:
        click.echo(_line(entry))
    click.echo(f"{_count(len(stored))}, {human_size(total)} in {store.root} "
               f"(pruned to {human_size(store.max_size)} after each build)")


@cache.command("prune")
@click.option("--max-size", "max_size", metavar="SIZE",
              help="Remove entries until the store holds at most SIZE (e.g. 500MiB, 2GiB; 0 empties it). "
                   "Default: 2GiB, the bound kept after each build.")
@click.option("--json", "as_json", is_flag=True, help="Print what was removed and kept as JSON.")
def prune_cmd(max_size: str | None, as_json: bool) -> None:
    """Remove the least recently used entries until the store fits SIZE; say what was removed and freed.

    An entry that a running build holds is kept (and named). Directories that a killed build left
    half written are removed too.

    \b
    Examples:
      xenkit driver cache prune
      xenkit driver cache prune --max-size 500MiB
    """
    from toolkit.inputs.sizes import parse_size

    store = _store()
    bound = store.max_size if max_size is None else parse_size("--max-size", max_size, minimum=0, maximum=MAX_BOUND)
    report = store.prune(bound)
    if as_json:
        click.echo(json.dumps({"store": str(store.root), "max_size": bound,
                               "removed": [_as_dict(entry) for entry in report.removed],
                               "in_use": [_as_dict(entry) for entry in report.in_use],
                               "leftovers": report.leftovers, "freed": report.freed, "total": report.total,
                               "entries": report.kept},
                              indent=2))
        return
    for entry in report.removed:
        click.echo(f"removed {_line(entry)}")
    if report.leftovers:
        click.echo(f"removed {report.leftovers} half-written or half-removed entry director"
                   f"{'y' if report.leftovers == 1 else 'ies'} left by killed builds")
    click.echo(f"freed {human_size(report.freed)}; {_count(report.kept)}, {human_size(report.total)} left "
               f"in {store.root}")
    for entry in report.in_use:
        click.echo(f"warning: kept {entry.id[:12]} ({entry.label}, {human_size(entry.size)}): a running build holds it",
                   err=True)


def _store() -> Store:
    from toolkit.driver.store import Store, default_store

    return Store(default_store())


def _line(entry: StoredEntry) -> str:
    used = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry.last_used))
    return f"{entry.id[:12]}  {entry.label:16} {human_size(entry.size):>10}  {used}"


def _as_dict(entry: StoredEntry) -> dict[str, Any]:
    used = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(entry.last_used))
    return {"id": entry.id, "recipe": entry.label, "size": entry.size, "last_used": used,
            "path": str(entry.directory)}


def _count(number: int) -> str:
    return f"{number} entr{'y' if number == 1 else 'ies'}"
