"""The modules of toolkit/remote/ import one another without a cycle, even at type-check time.

Every import counts (module level, under TYPE_CHECKING, inside functions): a cycle hidden in a function or behind
TYPE_CHECKING still ties the modules together (transfer.py works against sftp_channel.SftpChannel, not ssh.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

import toolkit.remote

PACKAGE = "toolkit.remote"


def _imports(path: Path, modules: set[str]) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return found & modules


def _graph() -> dict[str, set[str]]:
    root = Path(toolkit.remote.__file__).parent
    paths = {f"{PACKAGE}.{path.stem}": path for path in root.glob("*.py") if path.stem != "__init__"}
    return {name: _imports(path, set(paths)) - {name} for name, path in paths.items()}


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    stack, seen = [(start, [start])], set()
    while stack:
        module, path = stack.pop()
        for imported in sorted(graph[module]):
            if imported == start:
                return [*path, start]
            if imported not in seen:
                seen.add(imported)
                stack.append((imported, [*path, imported]))
    return None


def test_no_import_cycle_in_remote() -> None:
    graph = _graph()
    assert graph.get("toolkit.remote.ssh")  # the scan did find the modules and their imports
    cycles = [cycle for module in sorted(graph) if (cycle := _cycle_from(module, graph))]
    assert cycles == []


def test_transfers_do_not_name_the_ssh_executor() -> None:
    root = Path(toolkit.remote.__file__).parent
    for name in ("transfer.py", "stream_upload.py"):
        assert "SshExecutor" not in (root / name).read_text(encoding="utf-8"), name
