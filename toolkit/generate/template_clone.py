"""The xe plan that clones a stock Debian-like template for a newer release (as admins did for Ubuntu 12.04).

    xe template-list name-label="Ubuntu Lucid Lynx 10.04 (64-bit)" --minimal
    xe vm-clone uuid=<that> new-name-label="Ubuntu Precise Pangolin 12.04 (64-bit)"
    xe template-param-set other-config:default_template=true other-config:debian-release=precise uuid=<clone>

plus install-arch (eliloader fails with UNSUPPORTED_INSTALL_METHOD without it) and, when given, the
install repository, install methods and PV-args. vm-clone strips default_template, which is why it is set
again. A template of that name with the same settings is left alone; with other
settings it is an error, or with `replace` a new clone is made and the old one removed after it. Its xe commands
are checked against the xe tables of every XenServer release the catalog lists for the Debian/Ubuntu release.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.catalog.xetable import check_commands, tables_for_versions
from toolkit.plan.model import Arg, Check, Guard, Plan, Probe, Step, Var, cmd, word


@dataclass(frozen=True)
class CloneInput:
    release: str  # debian-release codename, e.g. precise
    arch: str  # install-arch: amd64 | i386
    base: str  # the stock template to clone
    name: str  # the new template's name-label
    repo: str | None = None  # other-config:install-repository
    methods: str | None = None  # other-config:install-methods, e.g. cdrom,http,ftp
    pv_args: str | None = None
    replace: bool = False
    xenserver: tuple[str, ...] = ()  # the releases the plan is for (releases.toml); its xe commands suit each


def settings(data: CloneInput) -> list[tuple[str, str]]:
    """(xe field, value) pairs the new template gets, in the order they are set and compared."""
    pairs = [
        ("other-config:default_template", "true"),
        ("other-config:debian-release", data.release),
        ("other-config:install-arch", data.arch),
    ]
    if data.repo is not None:
        pairs.append(("other-config:install-repository", data.repo))
    if data.methods is not None:
        pairs.append(("other-config:install-methods", data.methods))
    if data.pv_args is not None:
        pairs.append(("PV-args", data.pv_args))
    return pairs


def _read(subject: Var, field: str) -> list[Arg]:
    name, colon, key = field.partition(":")
    args: list[Arg] = ["xe", "template-param-get", word("uuid=", subject), f"param-name={name}"]
    if colon:
        args.append(f"param-key={key}")
    return args


def build_clone_plan(data: CloneInput) -> Plan:
    base_uuid, existing, new_uuid = Var("base_uuid"), Var("existing_uuid"), Var("template_uuid")
    on_new = word("uuid=", new_uuid)
    wanted = settings(data)
    plan = Plan(f'xenkit: template "{data.name}" for {data.release} ({data.arch}) from "{data.base}"',
                result=new_uuid)
    plan.notes.append("Prints the new template's uuid. Run it again: a template already made this way is left as is.")
    plan.add(Step(f'Find the base template "{data.base}"',
                  cmd("xe", "template-list", f"name-label={data.base}", "--minimal"),
                  capture=base_uuid, check=Check.ONE_UUID, what=f'template named "{data.base}"'))
    plan.add(Step(f'Look for an existing template "{data.name}"',
                  cmd("xe", "template-list", f"name-label={data.name}", "--minimal"),
                  capture=existing, check=Check.AT_MOST_ONE, what=f'template named "{data.name}"'))
    probes = tuple(Probe(field, cmd(*_read(existing, field)), value) for field, value in wanted)
    plan.add(Guard("Compare it with the settings asked for", existing, f'template named "{data.name}"', probes,
                   replace=data.replace))
    plan.add(Step(f'Clone "{data.base}" as "{data.name}"',
                  cmd("xe", "vm-clone", word("uuid=", base_uuid), f"new-name-label={data.name}",
                      f"new-name-description=Made by xenkit: {data.base} for {data.release} ({data.arch})"),
                  capture=new_uuid, check=Check.ONE_UUID, what="the new template",
                  undo=cmd("xe", "template-uninstall", word("template-uuid=", new_uuid), "--force")))
    # default_template=true makes a template undeletable: its undo clears the key so the clone's undo works.
    plan.add(Step("Set debian-release, install-arch and the other settings",
                  cmd("xe", "template-param-set", on_new, *(f"{field}={value}" for field, value in wanted)),
                  undo=cmd("xe", "template-param-remove", on_new, "param-name=other-config",
                           "param-key=default_template")))
    if data.replace:
        on_old = word("uuid=", existing)
        plan.add(Step("Let the old template be removed (clear default_template)",
                      cmd("xe", "template-param-set", on_old, "other-config:default_template=false"),
                      only_if=existing,
                      undo=cmd("xe", "template-param-set", on_old, "other-config:default_template=true")))
        plan.add(Step("Remove the old template",
                      cmd("xe", "template-uninstall", word("template-uuid=", existing), "--force"),
                      only_if=existing))
    check_commands((c.literal_prefixes() for c in plan.commands()), f'clone plan for "{data.name}"',
                   tables_for_versions(data.xenserver))
    return plan
