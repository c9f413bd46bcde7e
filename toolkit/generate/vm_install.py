"""The xe plan that creates a guest from a template and starts its installer.

The template, and whether it installs PV or HVM, come from the XenServer release (toolkit/catalog/xenserver.py,
platforms.md section 5): with a release, its template's exact name; without one, the plan tries at run time
every name the profile's template has had, newest first. The plan's parts, which the PV and HVM branches share:
`choose_template` (the release lookup: names, mode), `add_template_lookup` (the run-time lookup step) and
`add_vm_creation` (network, vm-install, memory, vCPUs, disk, VIF). Then the branch of the template's mode:
`add_pv_install_steps` (install-repository, PV-args), or for an HVM template, which ignores both, the install ISO
and the seed volume (toolkit/generate/vm_install_hvm.py: hvm_lookup_steps before vm-install,
add_hvm_install_steps after it); and the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from toolkit.catalog import xenserver
from toolkit.catalog.preseed_releases import preseed_template_notes
from toolkit.catalog.profiles import BootMode, Profile
from toolkit.catalog.xetable import ANY_RELEASE, check_commands, tables_for
from toolkit.errors import UsageError
from toolkit.generate.bootargs import BootInput, render_bootargs
from toolkit.generate.vm_install_hvm import HvmInstallInput, add_hvm_install_steps, hvm_lookup_steps
from toolkit.inputs.guest_fields import DISK, MEMORY, VCPUS
from toolkit.inputs.network import GuestNetwork
from toolkit.inputs.sizes import format_size
from toolkit.plan.model import Check, FirstFound, Plan, Step, Var, cmd, word

if TYPE_CHECKING:
    from toolkit.catalog.xenserver import GuestTemplate, XenServerRelease


@dataclass(frozen=True)
class VmInstallInput:
    name: str
    network_name: str
    network: GuestNetwork
    ks_url: str
    repo: str | None = None  # None: the profile's default repository
    template: str | None = None  # None: the release's template for the profile (or every name it has had)
    memory: int = MEMORY.default_value()
    vcpus: int = VCPUS.default_value()
    disk: int = DISK.default_value()
    xenserver: XenServerRelease | None = None  # None: a plan that runs on any release
    mac: str | None = None  # the VIF's MAC (vif-create mac=); None: xapi picks one
    hvm: HvmInstallInput | None = None  # install from an ISO and a seed volume (vm_install_hvm.py)


@dataclass(frozen=True)
class TemplateChoice:
    """Which template a plan installs from: the names to try, in order, and how it boots."""

    names: tuple[str, ...]
    mode: BootMode
    release: XenServerRelease | None
    template: GuestTemplate | None = None  # the release's, when the release is known
    hint: str = ""  # said when no name is found

    @property
    def shown(self) -> str:
        return " or ".join(f'"{name}"' for name in self.names)


@dataclass(frozen=True)
class VmRefs:
    """The values the VM-creation steps capture, for the steps of either branch."""

    network: Var
    template: Var
    vm: Var
    vif: Var


def choose_template(profile: Profile, data: VmInstallInput) -> TemplateChoice:
    """The release lookup (platforms.md section 5): the template's name(s) and install mode for `profile`.

    A PV profile whose OS has no PV stock template on a release (a d-i release made PV-installable by a clone,
    templates/releases.toml) installs from the profile's own template where the catalog says the clone works. A
    release without a template for the profile is a UsageError naming the releases that have one; an explicit
    --template is taken as it is (a template the user made, e.g. by `xenkit template clone`).
    """
    if data.xenserver is None:
        return _any_release(profile, data)
    return release_choice(profile, data.xenserver, data.template)


def release_choice(profile: Profile, release: XenServerRelease, own_template: str | None = None) -> TemplateChoice:
    """choose_template for a known release (`own_template`: the user's --template); UsageError if there is none."""
    template = xenserver.template_for(profile.guest_os, release)
    no_pv_stock = profile.boot is BootMode.PV and (template is None or template.mode != "pv")
    if no_pv_stock and (own_template or release.key in _clone_releases(profile)):
        return TemplateChoice((own_template or profile.template,), BootMode.PV, release)
    if template is None or no_pv_stock:
        if own_template:
            return TemplateChoice((own_template,), profile.boot, release)
        raise UsageError(
            f"profile {profile.name}: {release} ships no template for {profile.guest_os}; "
            f"it exists as {xenserver.availability(profile.guest_os)}",
            hint="give --template NAME for a template you made, or --xenserver for another release",
        )
    hint = ""
    if template.not_default_package:
        hint = (f'"{template.name}" is not installed by default on {release}; install the '
                f"{template.not_default_package} package in dom0 (yum install {template.not_default_package})")
    return TemplateChoice((own_template or template.name,), BootMode(template.mode), release, template, hint)


def _any_release(profile: Profile, data: VmInstallInput) -> TemplateChoice:
    """Without a release: every name the template has had (a PV profile: its PV ones, then its own), newest first."""
    stock = [t for r in reversed(xenserver.supported_releases(profile.guest_os))
             if (t := xenserver.template_for(profile.guest_os, r)) is not None]
    if profile.boot is BootMode.PV:
        stock = [t for t in stock if t.mode == "pv"]
    names = list(dict.fromkeys(t.name for t in stock))
    modes = {t.mode for t in stock}
    mode = BootMode(modes.pop()) if len(modes) == 1 else profile.boot
    if profile.boot is BootMode.PV and profile.template not in names:
        names.append(profile.template)  # the clone of a d-i release (xenkit template clone)
    if data.template:
        names = [data.template]
    return TemplateChoice(tuple(names) or (profile.template,), mode, None, hint=_hint(profile))


def _clone_releases(profile: Profile) -> set[str]:
    """The release keys where `xenkit template clone` makes the PV template of the profile's d-i release."""
    from toolkit.catalog.releases import load_releases

    for catalog in load_releases():
        if catalog.key == profile.guest_os:
            keys = set()
            for version in catalog.xenserver:
                try:
                    keys.add(xenserver.parse_release(version).key)
                except UsageError:
                    continue  # 5.6 SP2: older than any release xenkit knows
            keys.update({"6.0.2"} if "6.0" in keys else set())
            return keys
    return set()


def _hint(profile: Profile) -> str:
    releases = xenserver.supported_releases(profile.guest_os)
    packages = {t.not_default_package for r in releases
                if (t := xenserver.template_for(profile.guest_os, r)) and t.not_default_package}
    where = f"{profile.guest_os}'s template exists as {xenserver.availability(profile.guest_os)}"
    if packages:
        return f"{where}; from 8.1 it is not installed by default: install the {', '.join(sorted(packages))} package"
    return where


def near_words(names: tuple[str, ...]) -> tuple[str, ...]:
    """The distribution words of template names ("CentOS", "Red Hat"), to list a pool's close templates."""
    words = []
    for name in names:
        first = name.split()[:2]
        word = first[0] if len(first[0]) > 3 or len(first) == 1 else " ".join(first)
        if word not in words:
            words.append(word)
    return tuple(words)


def add_template_lookup(plan: Plan, choice: TemplateChoice) -> Var:
    """The step that finds the template: the first of the choice's names that exists (a loop at run time)."""
    template_uuid, candidate = Var("template_uuid"), Var("template_name")
    title = f"Find template {choice.shown}"
    plan.add(FirstFound(title, template_uuid, candidate, cmd("xe", "template-list", word("name-label=", candidate),
                                                              "--minimal"),
                        choice.names, "template", cmd("xe", "template-list", "params=name-label"), "name-label",
                        near_words(choice.names), choice.hint))
    return template_uuid


def add_vm_creation(plan: Plan, data: VmInstallInput, choice: TemplateChoice) -> VmRefs:
    """Find the network and template, then vm-install, memory, vCPUs, the grown system disk and a VIF."""
    net_uuid, existing, vm_uuid = Var("network_uuid"), Var("existing_uuid"), Var("vm_uuid")
    vdi_uuid, vif_uuid = Var("vdi_uuid"), Var("vif_uuid")
    on_vm = word("uuid=", vm_uuid)
    plan.add(Step(f'Find network "{data.network_name}"',
                  cmd("xe", "network-list", f"name-label={data.network_name}", "--minimal"),
                  capture=net_uuid, check=Check.ONE_UUID, what=f'network named "{data.network_name}"'))
    template_uuid = add_template_lookup(plan, choice)
    plan.add(Step(f'Check that no VM is named "{data.name}" yet',
                  cmd("xe", "vm-list", f"name-label={data.name}", "--minimal"),
                  capture=existing, check=Check.NONE_FOUND, what=f'VM named "{data.name}"'))
    for step in hvm_lookup_steps(data.hvm) if data.hvm else ():  # the ISOs are found before anything is made
        plan.add(step)
    plan.add(Step(f'Create VM "{data.name}" from the template',
                  cmd("xe", "vm-install", word("template=", template_uuid), f"new-name-label={data.name}"),
                  capture=vm_uuid, check=Check.ONE_UUID, what="the new VM",
                  undo=cmd("xe", "vm-uninstall", on_vm, "--force")))
    memory = str(data.memory)
    plan.add(Step(f"Set memory to {format_size(data.memory)}",
                  cmd("xe", "vm-memory-limits-set", on_vm, f"static-min={memory}", f"dynamic-min={memory}",
                      f"dynamic-max={memory}", f"static-max={memory}")))
    # VCPUs-at-startup may never exceed VCPUs-max: go through 1 so both orders of change are valid.
    plan.add(Step("Lower vCPUs at startup to 1", cmd("xe", "vm-param-set", on_vm, "VCPUs-at-startup=1")))
    plan.add(Step(f"Set vCPUs maximum to {data.vcpus}",
                  cmd("xe", "vm-param-set", on_vm, f"VCPUs-max={data.vcpus}")))
    plan.add(Step(f"Set vCPUs at startup to {data.vcpus}",
                  cmd("xe", "vm-param-set", on_vm, f"VCPUs-at-startup={data.vcpus}")))
    # vm-install provisions the template's disks (other-config:disks); grow the system disk after it.
    plan.add(Step("Find the system disk (device 0)",
                  cmd("xe", "vbd-list", word("vm-uuid=", vm_uuid), "userdevice=0", "type=Disk",
                      "params=vdi-uuid", "--minimal"),
                  capture=vdi_uuid, check=Check.ONE_UUID, what="system disk of the new VM"))
    plan.add(Step(f"Resize the system disk to {format_size(data.disk)}",
                  cmd("xe", "vdi-resize", word("uuid=", vdi_uuid), f"disk-size={data.disk}")))
    # vif-create prints the VIF's uuid: captured, so that the plan's only output is the VM's uuid.
    plan.add(Step(f'Add a network interface on "{data.network_name}"',
                  cmd("xe", "vif-create", word("vm-uuid=", vm_uuid), word("network-uuid=", net_uuid), "device=0",
                      *([f"mac={data.mac}"] if data.mac else [])),
                  capture=vif_uuid, check=Check.ONE_UUID, what="the new VIF"))
    return VmRefs(net_uuid, template_uuid, vm_uuid, vif_uuid)


def add_pv_install_steps(plan: Plan, profile: Profile, data: VmInstallInput, refs: VmRefs) -> None:
    """eliloader's inputs (platforms.md section 5): the install repository and PV-args; then start."""
    on_vm = word("uuid=", refs.vm)
    repo = data.repo or profile.repo
    bootargs = render_bootargs(profile, BootInput(data.network, data.ks_url, repo))
    plan.add(Step("Set the install repository",
                  cmd("xe", "vm-param-set", on_vm, f"other-config:install-repository={repo}")))
    plan.add(Step("Set the boot arguments (PV-args)", cmd("xe", "vm-param-set", on_vm, f"PV-args={bootargs}")))


def build_vm_install_plan(profile: Profile, data: VmInstallInput) -> Plan:
    choice = choose_template(profile, data)
    check_mode(profile, data, choice)
    vm_uuid = Var("vm_uuid")
    plan = Plan(f'xenkit: install VM "{data.name}" from profile {profile.name}', result=vm_uuid)
    plan.notes.append(f"{profile.name}: {profile.description}")
    plan.notes += [f"NOTE: {note}" for note in preseed_template_notes(profile, choice.names[-1])]
    where = str(choice.release) if choice.release else "any XenServer release (the first name found is used)"
    plan.notes.append(f"Template: {choice.shown} ({choice.mode.upper()}), for {where}.")
    if choice.hint and choice.release is not None:
        plan.notes.append(f"NOTE: {choice.hint}")
    plan.notes.append("Prints the new VM's uuid (its only output on stdout).")
    refs = add_vm_creation(plan, data, choice)
    if data.hvm is None:
        add_pv_install_steps(plan, profile, data, refs)
    else:
        add_hvm_install_steps(plan, refs.vm, profile, data.hvm)
    plan.add(Step("Start the VM (the installer runs)", cmd("xe", "vm-start", word("uuid=", refs.vm))))
    tables = tables_for(choice.release) if choice.release else ANY_RELEASE
    check_commands((c.literal_prefixes() for c in plan.commands()), f'install plan for "{data.name}"', tables)
    return plan


def check_mode(profile: Profile, data: VmInstallInput, choice: TemplateChoice) -> None:
    """An HVM template needs install media (data.hvm): PV-args and install-repository would boot nothing; a PV
    template takes no ISO."""
    if choice.mode is BootMode.HVM and data.hvm is None:
        raise UsageError(
            f"profile {profile.name}: template {choice.shown} is HVM: it boots install media and ignores PV-args "
            "and other-config:install-repository; give the install ISO (--iso NAME, a site file's iso), the "
            "name of its VDI in one of the pool's ISO SRs",
            hint="the answers go on a seed volume: xenkit seed-volume")
    if choice.mode is BootMode.PV and data.hvm is not None:
        raise UsageError(f"--iso: profile {profile.name} installs PV (template {choice.shown}), from the install "
                         "repository and PV-args; --iso is for HVM profiles")
