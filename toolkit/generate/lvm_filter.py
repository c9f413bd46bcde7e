"""Set `devices { filter = [...] }` in an lvm.conf, changing nothing else in the file.

Why: in a dom0 with multipathing, LVM must see an SR's volume group through the multipath device, not through
each of its /dev/sdX paths (it would find the same PV twice and may write through one path only). The admin's
procedure rejects the SCSI paths, the guests' xvd devices and the VG_Xen volumes themselves:
    filter = [ "r|/dev/sd.*|", "r|/dev/xvd.|", "r|/dev/VG_Xen.*/*|" ]
Only the active `filter` setting inside the top-level `devices` section changes (commented-out lines stay); a
missing one is added at the top of the section, a missing section at the end of the file. `global_filter`
(applied before `filter`) is reported, never touched. Two active `filter` settings are refused: which one
wins depends on the lvm2 version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from toolkit.errors import ToolkitError, UsageError
from toolkit.generate.lvm_scan import LvmSyntaxError, Section, Setting, structure

DEFAULT_REJECTS = ("/dev/sd.*", "/dev/xvd.", "/dev/VG_Xen.*/*")
_DELIMITERS = "|!/#%,@:;~"


@dataclass
class LvmFilterEdit:
    text: str
    action: str  # "unchanged", "replaced", "added", "section added"
    line: int  # the filter setting's line in the new text
    old_value: list[str] | str | None
    new_value: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.action != "unchanged"


def reject_patterns(regexes: Sequence[str]) -> list[str]:
    """Each regex as an lvm reject pattern, "r|REGEX|", with a delimiter the regex does not hold."""
    patterns = []
    for regex in regexes:
        if not regex or not regex.isprintable():
            raise UsageError(f"--reject {regex!r}: give a non-empty regular expression of printable characters")
        delimiter = next((d for d in _DELIMITERS if d not in regex), None)
        if delimiter is None:
            raise UsageError(f"--reject {regex!r}: it holds every delimiter lvm accepts ({_DELIMITERS})")
        patterns.append(f"r{delimiter}{regex}{delimiter}")
    return patterns


def _quoted(value: str) -> str:
    """An lvm.conf string: lvm2 reads a backslash as escaping the next character."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_setting(values: Sequence[str]) -> str:
    return "filter = [ " + ", ".join(_quoted(value) for value in values) + " ]"


def set_filter(text: str, wanted: Sequence[str], label: str) -> LvmFilterEdit:
    try:
        settings, sections = structure(text)
    except LvmSyntaxError as exc:
        raise ToolkitError(f"{label}: cannot read it as lvm.conf: {exc}; nothing changed") from None
    warnings = [f"line {s.line}: global_filter = {_show(s.value)} is set: LVM applies it before filter; left as it is"
                for s in settings if s.path == ("devices", "global_filter")]
    filters = [s for s in settings if s.path == ("devices", "filter")]
    if len(filters) > 1:
        lines = ", ".join(str(s.line) for s in filters)
        raise ToolkitError(f"{label}: devices {{ }} sets filter more than once (lines {lines}); which one lvm2 "
                           "uses depends on its version: remove all but one by hand; nothing changed")
    newline = "\r\n" if "\r\n" in text else "\n"
    values = list(wanted)
    if filters:
        return _replace(text, filters[0], values, warnings)
    devices = [s for s in sections if s.path == ("devices",)]
    if devices:
        return _add(text, devices[0], settings, values, newline, warnings)
    prefix = text if not text or text.endswith("\n") else text + newline
    new_text = f"{prefix}devices {{{newline}\t{render_setting(values)}{newline}}}{newline}"
    return LvmFilterEdit(new_text, "section added", prefix.count("\n") + 2, None, values, warnings)


def _show(value: list[str] | str) -> str:
    return render_setting(value).removeprefix("filter = ") if isinstance(value, list) else value


def _replace(text: str, setting: Setting, values: list[str], warnings: list[str]) -> LvmFilterEdit:
    if setting.value == values:
        return LvmFilterEdit(text, "unchanged", setting.line, setting.value, values, warnings)
    new_text = text[:setting.start] + render_setting(values) + text[setting.end:]
    return LvmFilterEdit(new_text, "replaced", setting.line, setting.value, values, warnings)


def _add(text: str, section: Section, settings: list[Setting], values: list[str], newline: str,
         warnings: list[str]) -> LvmFilterEdit:
    inside = [s for s in settings if s.path[:1] == ("devices",) and section.open_brace.end <= s.start
              and s.end <= section.close_brace.start]
    indent = _indent_of(text, inside[0].start) if inside else "\t"
    line_end = text.find("\n", section.open_brace.end)
    rest_of_line = text[section.open_brace.end:line_end if line_end >= 0 else len(text)]
    if line_end >= 0 and _blank_or_comment(rest_of_line):
        at = line_end + 1  # the line after "devices {"
        insert = f"{indent}{render_setting(values)}{newline}"
        line = section.open_brace.line + 1
    else:  # "devices { ... }" on one line: open a line after the brace
        at = section.open_brace.end
        insert = f"{newline}{indent}{render_setting(values)}{newline}"
        line = section.open_brace.line + 1
    return LvmFilterEdit(text[:at] + insert + text[at:], "added", line, None, values, warnings)


def _indent_of(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    prefix = text[start:offset]
    return prefix if not prefix.strip() else "\t"


def _blank_or_comment(rest: str) -> bool:
    stripped = rest.strip()
    return not stripped or stripped.startswith("#")
