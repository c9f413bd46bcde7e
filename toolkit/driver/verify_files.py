"""`xenkit driver verify`, one verdict per file named: an RPM or a bundle is `ok`, a `mismatch` (a check
failed, or it is corrupt: exit code 1) or `unreadable` (not an RPM or bundle, cut short: exit code 2), each
with its reasons. One bad file does not hide what was found in the others; the command exits with the worst.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.driver.bundle_read import is_bundle, read_bundle
from toolkit.driver.rpm_inspect import RpmInfo, inspect_rpm, verify
from toolkit.errors import UsageError

EXIT_CODES = {"ok": 0, "mismatch": 1, "unreadable": 2}


@dataclass(frozen=True)
class FileVerdict:
    path: Path  # as the user named it
    kind: str  # "rpm" or "bundle"
    status: str  # a key of EXIT_CODES
    errors: tuple[str, ...]  # why it is not ok, one line each
    warnings: tuple[str, ...]
    rpms: tuple[RpmInfo, ...]  # what was read: the RPM, or the bundle's RPMs
    hint: str | None = None

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    @property
    def modules(self) -> int:
        return sum(len(info.modules) for info in self.rpms)

    def as_dict(self, kver: str) -> dict[str, Any]:
        return {"path": str(self.path), "kind": self.kind, "status": self.status, "kernel": kver,
                "errors": list(self.errors), "warnings": list(self.warnings),
                "rpms": [info.as_dict() for info in self.rpms]}


def verify_file(path: Path, kver: str, scratch: Path) -> FileVerdict:
    """The verdict on one RPM or bundle (whose RPMs are extracted under `scratch`, an empty directory)."""
    kind = "bundle" if is_bundle(path) else "rpm"
    problems: list[str] = []  # a bundle's own
    try:
        if kind == "rpm":
            infos = [inspect_rpm(path)]
        else:
            infos, problems = _bundle(path, kver, scratch)
    except UsageError as exc:
        return FileVerdict(path, kind, "unreadable", (exc.message,), (), (), exc.hint)
    checked = verify(infos, kver)
    errors = (*problems, *checked.errors)
    return FileVerdict(path, kind, "mismatch" if errors else "ok", errors, checked.warnings, tuple(infos),
                       checked.hint)


def _bundle(path: Path, kver: str, scratch: Path) -> tuple[list[RpmInfo], list[str]]:
    bundle = read_bundle(path, scratch, kver)
    infos: list[RpmInfo] = []
    problems = list(bundle.problems)
    for rpm in bundle.rpms:
        try:  # shown as BUNDLE:RPM, not by the temp file it was read from
            infos.append(inspect_rpm(rpm, shown_as=f"{path}:{rpm.name}"))
        except UsageError as exc:  # the bundle was read: a damaged RPM in it is a failed check of the bundle
            problems.append(exc.message)
    return infos, problems
