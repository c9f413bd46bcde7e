"""`xenkit profile list`: every install profile, its installer, answer file and template per XenServer release."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from toolkit.cli.options import emit, emit_json, output_option

if TYPE_CHECKING:
    from toolkit.catalog.profiles import Profile
    from toolkit.catalog.xenserver import XenServerRelease
    from toolkit.generate.vm_install import TemplateChoice

# The files each kind of profile answers its installer with (what `render` writes beside install.sh).
ANSWER_FILES = {"kickstart": ("ks.cfg",), "preseed": ("preseed.cfg",), "autoinstall": ("user-data", "meta-data")}


@click.group()
def profile() -> None:
    """Install profiles: one per target OS release (kickstart, d-i preseed or Ubuntu autoinstall)."""


@profile.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print every field, and each release's template, as JSON.")
@click.option("--xenserver", "xenserver", metavar="VERSION",
              help="Show the template and mode on this release only (6.0.2, 8.2, 8.4 = XenServer 8, XCP-ng 8.3).")
@output_option
def list_profiles(as_json: bool, xenserver: str | None, output: Path | None) -> None:
    """List every profile: installer, answer file, and per XenServer release its template, PV or HVM.

    A release range reads "6.1-8.0": every release from 6.1 to 8.0 ships that template. HVM UEFI: the
    template boots UEFI firmware; "package ...": not in the default install (from 8.1, EL5/EL6 templates
    are in guest-templates-json-data-pv). Facts from the per-release template history (platforms.md).

    \b
    Examples:
      xenkit profile list
      xenkit profile list --xenserver 6.0.2
      xenkit profile list --json --xenserver "XCP-ng 8.3"
    """
    from toolkit.catalog.profiles import all_profiles
    from toolkit.catalog.xenserver import all_releases, parse_release

    release = parse_release(xenserver) if xenserver is not None else None
    profiles = list(all_profiles().values())
    releases = [release] if release is not None else list(all_releases())
    if as_json:
        emit_json([_as_dict(p, releases) for p in profiles], output)
        return
    emit(_table(profiles, release), output)


def _on(profile: Profile, release: XenServerRelease) -> TemplateChoice | None:
    """What `vm install --xenserver` installs `profile` from on `release` (None: it refuses)."""
    from toolkit.errors import UsageError
    from toolkit.generate.vm_install import release_choice

    try:
        return release_choice(profile, release)
    except UsageError:
        return None


def _as_dict(profile: Profile, releases: list[XenServerRelease]) -> dict[str, object]:
    per_release = []
    for release in releases:
        choice = _on(profile, release)
        template = choice.template if choice else None
        per_release.append({
            "release": release.key, "label": release.label, "template": choice.names[0] if choice else None,
            "mode": str(choice.mode) if choice else None,
            "firmware": (template.firmware if template else "bios") if choice else None,
            "not_default_package": template.not_default_package if template else None,
            "stock": template is not None if choice else None,
            "uncertain": bool(template and template.uncertain), "note": template.note if template else "",
        })
    return {
        "name": profile.name, "description": profile.description, "kind": str(profile.kind),
        "answer_files": list(ANSWER_FILES[str(profile.kind)]), "installer": str(profile.bootargs_family),
        "pykickstart_version": profile.pykickstart_version, "guest_os": profile.guest_os,
        "default_template": profile.template, "default_boot": str(profile.boot), "repo": profile.repo,
        "notes": profile.notes, "releases": per_release,
    }


def _table(profiles: list[Profile], release: XenServerRelease | None) -> str:
    header = ("PROFILE", "INSTALLER", "ANSWER FILE", "TEMPLATE", "MODE" if release else "RELEASES: MODE")
    rows = [header]
    for p in profiles:
        answer = " + ".join(ANSWER_FILES[str(p.kind)])
        if release is None:
            rows.append((p.name, str(p.bootargs_family), answer, p.template, _modes(p)))
            continue
        choice = _on(p, release)
        rows.append((p.name, str(p.bootargs_family), answer, choice.names[0] if choice else "(none)",
                     _label(choice) if choice else "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1] for row in rows]
    if release is not None:
        lines.insert(0, f"# {release}")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _label(choice: TemplateChoice) -> str:
    """"PV", "HVM UEFI", "PV (package P)", "PV (clone)": how the install boots, and where the template comes from."""
    template = choice.template
    if template is None:
        return f"{choice.mode.upper()} (clone)"  # a d-i release's template, made by `xenkit template clone`
    package = f" (package {template.not_default_package})" if template.not_default_package else ""
    return template.mode_label + package


def _modes(profile: Profile) -> str:
    """"PV 6.0-8.0; PV (package P) 8.1-8.2, xcp-ng-8.2, 8.4, xcp-ng-8.3": the mode on each release that has one."""
    from toolkit.catalog.xenserver import all_releases, release_ranges

    groups: dict[str, list[str]] = {}
    for release in all_releases():
        choice = _on(profile, release)
        if choice is not None:
            groups.setdefault(_label(choice), []).append(release.key)
    return "; ".join(f"{label} {release_ranges(keys)}" for label, keys in groups.items()) or "no release"
