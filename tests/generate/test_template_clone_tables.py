"""`template clone`'s plan is checked against the xe tables of every release the catalog lists for it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pytest

from toolkit.catalog.releases import find_release
from toolkit.catalog.xetable import tables_for_versions
from toolkit.generate import template_clone
from toolkit.generate.template_clone import CloneInput, build_clone_plan


def test_the_catalog_s_releases_name_the_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, ...]] = []

    def record(commands: Iterable[Sequence[str]], what: str, tables: Sequence[str] = ("current",)) -> None:
        seen.append(tuple(tables))

    monkeypatch.setattr(template_clone, "check_commands", record)
    precise = find_release("precise")
    assert "6.0" in precise.xenserver  # the catalog counts it from XenServer 5.6 SP2 to 7.4
    build_clone_plan(CloneInput("precise", "amd64", "A", "B", xenserver=precise.xenserver))
    build_clone_plan(CloneInput("precise", "amd64", "A", "B"))
    assert seen == [("6.0", "current"), ("current",)]


def test_versions_to_tables() -> None:
    assert tables_for_versions(["5.6 SP2"]) == ("6.0",)  # older than the oldest table: checked against 6.0's
    assert tables_for_versions(["6.0", "8.4"]) == ("6.0", "current")
    assert tables_for_versions(["8.4", "XCP-ng 8.3"]) == ("current",)
    assert tables_for_versions([]) == ("current",)


def test_a_command_6_0_lacks_is_refused_for_a_6_0_release() -> None:
    data = CloneInput("precise", "amd64", "A", "B", xenserver=("6.0",))
    plan = build_clone_plan(data)  # the real plan passes both tables
    assert any(c.argv[1] == "vm-clone" for c in plan.commands())
    from toolkit.catalog.xetable import check_commands
    from toolkit.errors import GeneratedFileError

    with pytest.raises(GeneratedFileError, match=r"is-default-template.*6\.0 table"):
        check_commands([["xe", "template-param-set", "uuid=x", "is-default-template=true"]], "clone",
                       tables_for_versions(data.xenserver))
