"""Render every guest of a site file: DIR/<vm>/ks.cfg (or preseed.cfg, user-data + meta-data: its answer files),
bootargs.txt, install.sh, and for an HVM guest the seed image install.sh expects in an ISO SR (<vm>-seed.iso)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from toolkit.catalog.xenserver import template_for
from toolkit.errors import UsageError
from toolkit.generate.answer_files import (
    AnswerInput,
    answer_file_names,
    answer_file_problems,
    raise_for_answer_problems,
    render_answer_files,
)
from toolkit.generate.bootargs import BootInput, render_bootargs
from toolkit.generate.kickstart import Firmware
from toolkit.generate.seed_volume import seed_volume_of
from toolkit.generate.vm_install import build_vm_install_plan
from toolkit.inputs.guest_fields import PASSWORD_FILE, PASSWORD_HASH
from toolkit.inputs.password import hash_password, read_password_file
from toolkit.inputs.sshkeys import read_public_keys
from toolkit.output import OutputFile
from toolkit.parallel import map_on_cores
from toolkit.site.load import Site, SiteError, SiteVm
from toolkit.site.previous import BOOTARGS_NAME, SCRIPT_NAME, password_matches, previous_hash


@dataclass(frozen=True)
class RenderedVm:
    name: str
    profile: str
    files: tuple[OutputFile, ...]


@dataclass(frozen=True)
class _Job:
    """One guest with its secrets resolved: everything a worker process needs to render it."""

    vm: SiteVm
    password_hash: str
    ssh_keys: tuple[str, ...]
    out_dir: Path


class _Secrets:
    """Reads and hashes each password file once per run, and each key file once.

    Guests sharing a password file share one hash (one salt): hashing it again per guest would cost
    5,000 SHA-512 rounds each and hide nothing that sharing a password does not already reveal. A
    guest whose earlier ks.cfg (preseed.cfg) holds a hash of the same password keeps that hash (no new salt, so a
    rendered directory under version control changes only where something did); each such hash is
    checked once per run.
    """

    def __init__(self) -> None:
        self._passwords: dict[Path, str] = {}
        self._hashes: dict[Path, str] = {}
        self._matches: dict[tuple[Path, str], bool] = {}
        self._keys: dict[Path, tuple[str, ...]] = {}
        self.reported: set[str] = set()

    def password_hash(self, vm: SiteVm, previous: str | None) -> str:
        if vm.password_hash is not None:
            return PASSWORD_HASH.from_site(vm.password_hash)
        assert vm.password_file is not None
        path = vm.password_file.resolve()
        if path not in self._passwords:
            self._passwords[path] = read_password_file(PASSWORD_FILE.key, path)
        if previous is not None:
            if (path, previous) not in self._matches:
                self._matches[path, previous] = password_matches(self._passwords[path], previous)
            if self._matches[path, previous]:
                return previous
        if path not in self._hashes:
            self._hashes[path] = hash_password(self._passwords[path])
        return self._hashes[path]

    def key_file(self, path: Path) -> tuple[str, ...]:
        resolved = path.resolve()
        if resolved not in self._keys:
            self._keys[resolved] = tuple(read_public_keys(path))
        return self._keys[resolved]


def render_site(
    site: Site, out_dir: Path, progress: Callable[[int, int, str], None] | None = None
) -> Iterator[RenderedVm]:
    """Each guest rendered and validated, in site order; a problem raises when its guest comes up."""
    jobs = _jobs_with_secrets(site, out_dir)
    # pykickstart's parse is the slow part of a guest: a large site renders on every core, after one guest of each
    # profile has warmed the caches here (compiled templates, option parsers) for the workers to inherit.
    first_of_profile = {job.vm.profile.name: index for index, job in reversed(list(enumerate(jobs)))}
    results = map_on_cores(_render_job, jobs, warm=sorted(first_of_profile.values()))
    for index, (job, (result, problems)) in enumerate(zip(jobs, results, strict=True), 1):
        raise_for_answer_problems(job.vm.profile, problems, job.vm.name)
        if progress is not None:
            progress(index, len(jobs), job.vm.name)
        yield result


def _jobs_with_secrets(site: Site, out_dir: Path) -> list[_Job]:
    """Read every password and key file first, reporting every bad one (once each) as a site problem."""
    secrets = _Secrets()
    jobs: list[_Job] = []
    problems: list[str] = []
    for index, vm in enumerate(site.vms, 1):
        errors: list[UsageError] = []
        password_hash = ""
        keys: list[str] = []
        try:
            answer_file = out_dir / vm.name / answer_file_names(vm.profile)[0]
            previous = None if vm.password_file is None else previous_hash(answer_file)
            password_hash = secrets.password_hash(vm, previous)
        except UsageError as exc:
            errors.append(exc)
        for path in vm.ssh_key_files:
            try:
                keys += secrets.key_file(path)
            except UsageError as exc:
                errors.append(exc)
        for error in errors:
            if error.message not in secrets.reported:  # a shared file's problem is reported once
                secrets.reported.add(error.message)
                problems.append(f"{site.path}: vm #{index} ({vm.name}): {error.message}")
        if not errors:
            jobs.append(_Job(vm, password_hash, tuple(keys), out_dir))
    if problems:
        raise SiteError(problems)
    return jobs


def _firmware(vm: SiteVm) -> Firmware:
    """UEFI where the release's template boots UEFI (XenServer 8, XCP-ng 8.3: platforms.md section 5), so that the
    kickstart's layout gets an EFI system partition; BIOS elsewhere and where the release is not given."""
    release = vm.install.xenserver
    template = template_for(vm.profile.guest_os, release) if release is not None else None
    return "uefi" if template is not None and template.firmware == "uefi" else "bios"


def _render_job(job: _Job) -> tuple[RenderedVm, list[str]]:
    vm = job.vm
    network = vm.install.network
    answers = render_answer_files(vm.profile, AnswerInput(
        network=network, root_password_hash=job.password_hash, timezone=vm.timezone,
        repo=vm.install.repo, ssh_keys=job.ssh_keys, xs_tools=vm.xs_tools, firmware=_firmware(vm),
        # An HVM guest's installer reads these from its seed volume: `xenkit seed-volume`'s kickstart, which
        # powers the VM off when done (seed_kickstart_input).
        finish="poweroff" if vm.install.hvm is not None else "reboot",
    ), validate=False)
    problems = answer_file_problems(vm.profile, answers)  # raised in site order by render_site
    repo = vm.install.repo or vm.profile.repo
    bootargs = render_bootargs(vm.profile, BootInput(network, vm.install.ks_url, repo))
    plan = build_vm_install_plan(vm.profile, vm.install)
    if vm.install.hvm is not None:
        plan.notes.append(f'The seed volume "{vm.install.hvm.seed_iso}" is beside this script: copy it into an ISO SR '
                          "(the ISO library) and `xe sr-scan` that SR first; this script finds it there by name.")
    if vm.xs_tools:
        plan.notes.append(f'NOTE: the install ends with the XenServer tools from the VM\'s CD drive: insert them '
                          f'before it ends: xe vm-cd-add vm="{vm.name}" cd-name=xs-tools.iso device=3')
    directory = job.out_dir / vm.name
    # Every answer file may hold the root password hash: 0600.
    files = [OutputFile(directory / name, text, 0o600) for name, text in answers.items()]
    if vm.install.hvm is not None and not problems:
        files.append(_seed_image(vm, directory, answers))
    return RenderedVm(vm.name, vm.profile.name, (
        *files,
        OutputFile(directory / BOOTARGS_NAME, bootargs + "\n", 0o644),
        OutputFile(directory / SCRIPT_NAME, plan.render_script(), 0o755),
    )), problems


def _seed_image(vm: SiteVm, directory: Path, answers: dict[str, str]) -> OutputFile:
    """The seed volume install.sh looks for in an ISO SR, under that name: `xenkit seed-volume`'s image of the very
    answer files written beside it. It holds the password hash: 0600, as they are."""
    from toolkit.generate.seed_iso import build_seed_iso

    assert vm.install.hvm is not None
    volume = seed_volume_of(vm.profile, answers)
    return OutputFile.of_bytes(directory / vm.install.hvm.seed_iso, build_seed_iso(volume.label, volume.files), 0o600)
