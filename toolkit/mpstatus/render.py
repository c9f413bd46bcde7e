"""A Topology printed back as multipath-tools prints it (tree or bracket layout), and the human summary."""

from __future__ import annotations

from toolkit.mpstatus.model import MpathMap, MpathPath, PathGroup, Topology


def _header(mpath: MpathMap) -> str:
    words = [mpath.name if mpath.name == mpath.wwid else f"{mpath.name} ({mpath.wwid})", mpath.dm or "undef"]
    if mpath.vendor is not None:
        words.append(mpath.vendor + ("" if mpath.product is None else f",{mpath.product}"))
    return " ".join(words)


def render_tree(topology: Topology) -> str:
    """The layout of multipath-tools 0.4.9 and later (print.c's PRINT_MAP_PROPS, PRINT_PG_INDENT, PRINT_PATH_INDENT)."""
    out: list[str] = []
    for mpath in topology.maps:
        out.append(_header(mpath))
        out.append(f"size={mpath.size or 'undef'} features='{mpath.features or '0'}' "
                   f"hwhandler='{mpath.hwhandler or '0'}' wp={mpath.write_mode or 'rw'}")
        for number, group in enumerate(mpath.path_groups, 1):
            last_group = number == len(mpath.path_groups)
            out.append(f"{'`' if last_group else '|'}-+- policy='{group.policy or 'service-time 0'}' "
                       f"prio={_prio(group)} status={group.status or 'undef'}")
            for index, path in enumerate(group.paths, 1):
                mark = "`" if index == len(group.paths) else "|"
                out.append(f"{' ' if last_group else '|'} {mark}- {_tree_path(path)}")
    return "".join(line + "\n" for line in out)


def _prio(group: PathGroup) -> str:
    return "undef" if group.prio is None else str(group.prio)


def _tree_path(path: MpathPath) -> str:
    states = [path.dm_state or "undef", path.checker_state or "undef", path.online_state or "unknown"]
    return " ".join([path.hcil or "#:#:#:#", path.dev or "-", path.devt or "#:#", *states])


def render_bracket(topology: Topology) -> str:
    """The layout of device-mapper-multipath 0.4.7 as XenServer 6.x dom0s print it."""
    out: list[str] = []
    for mpath in topology.maps:
        out.append(_header(mpath))
        out.append(f"[size={mpath.size or 'undef'}][features={mpath.features or '0'}]"
                   f"[hwhandler={mpath.hwhandler or '0'}][{mpath.write_mode or 'rw'}]")
        for group in mpath.path_groups:
            prio = "" if group.prio is None else f"[prio={group.prio}]"
            out.append(f"\\_ {group.policy or 'round-robin 0'} {prio}[{group.status or 'undef'}]")
            for path in group.paths:
                states = "".join(f"[{state}]" for state in (path.dm_state, path.checker_state, path.online_state)
                                 if state is not None)
                out.append(f" \\_ {path.hcil or '#:#:#:#'} {path.dev or '-'} {path.devt or '#:#'} {states}")
    return "".join(line + "\n" for line in out)


def summary_lines(topology: Topology) -> list[str]:
    """One line per map (name, vendor/product, size, usable/total paths, active group), then one per path."""
    if not topology.maps:
        return ["no multipath maps"]
    out: list[str] = []
    for mpath in topology.maps:
        label = mpath.name if mpath.name == mpath.wwid else f"{mpath.name} ({mpath.wwid})"
        model = " ".join(word for word in (mpath.vendor, mpath.product) if word) or "unknown device"
        active = mpath.active_group()
        group_text = "no active group" if active is None else f"group {active} active"
        out.append(f"{label}  {mpath.dm or 'no dm device'}  {model}  size {mpath.size or '?'}  "
                   f"{len(mpath.usable_paths)}/{len(mpath.paths)} paths usable, {group_text}")
        for number, group in enumerate(mpath.path_groups, 1):
            prio = "?" if group.prio is None else str(group.prio)
            for path in group.paths:
                states = " ".join(s for s in (path.dm_state, path.checker_state, path.online_state) if s)
                flag = "usable" if path.usable else "NOT USABLE"
                out.append(f"  group {number} (prio {prio}, {group.status or '?'})  {path.hcil or '?'}  "
                           f"{path.dev or '?'}  {path.devt or '?'}  {states or 'no state'}  {flag}")
    return out
