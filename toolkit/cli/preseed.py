"""`xenkit preseed render`: a d-i preseed for one guest."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.completion import complete_preseed_profiles
from toolkit.cli.options import (
    check_profile_fit,
    emit,
    guest_network_options,
    guest_options,
    make_guest_network,
    output_option,
)
from toolkit.inputs.guest_fields import PASSWORD_FILE, PASSWORD_HASH, REPO, SSH_KEYS, TIMEZONE, XS_TOOLS


@click.group()
def preseed() -> None:
    """debian-installer preseed profiles: Ubuntu 10.04-18.04 and Debian 6-9, PV on XenServer."""


@preseed.command("render")
@click.argument("profile_name", metavar="PROFILE", shell_complete=complete_preseed_profiles)
@guest_network_options
@guest_options(PASSWORD_FILE, PASSWORD_HASH, SSH_KEYS, TIMEZONE, REPO, XS_TOOLS)
@output_option
def render_preseed_cmd(
    profile_name: str, hostname: str, ip: str, gateway: str, nameservers: tuple[str, ...], interface: str,
    root_password_file: Path | None, root_password_hash: str | None, ssh_keys: tuple[Path, ...],
    timezone: str, repo: str | None, xs_tools: bool, output: Path | None,
) -> None:
    """Render PROFILE's preseed (preseed.cfg) for one guest.

    Static network, the release's mirror (or --repo; an archived release's security suite from the
    same archive), root's password as a SHA-512 crypt hash, a 500 MB ext3 /boot that pygrub reads,
    then swap and /; Ubuntu gets linux-virtual and no -generic kernel. late_command adds nobarrier to
    the installed fstab (the rules of `xenkit fstab nobarrier`), root's --ssh-key lines and, with
    --xs-tools, the XenServer tools from xs-tools.iso in the VM's CD drive. Serve the file over HTTP
    and give its URL as --ks to `xenkit bootargs` or `xenkit vm install`. PROFILE is one of the
    preseed profiles of `xenkit kickstart list --all`.

    \b
    Example:
      xenkit preseed render ubuntu1204-di --hostname web2.example.com \\
        --ip 192.0.2.12/24 --gateway 192.0.2.1 --nameserver 192.0.2.53 \\
        --root-password-file root-pw.txt --ssh-key ~/.ssh/id_ed25519.pub -o preseed.cfg
    """
    from toolkit.catalog.preseed_releases import preseed_profiles, preseed_template_notes
    from toolkit.catalog.profiles import get_profile
    from toolkit.cli.kickstart import read_ssh_keys, resolve_root_password
    from toolkit.errors import UsageError
    from toolkit.generate.answer_files import AnswerInput
    from toolkit.generate.preseed import render_preseed
    from toolkit.report import say

    profile = get_profile(profile_name)
    if profile not in preseed_profiles():
        known = ", ".join(p.name for p in preseed_profiles())
        raise UsageError(f"profile {profile_name!r} is a {profile.kind} profile, not a preseed one; "
                         f"preseed profiles: {known}")
    network = make_guest_network(hostname, ip, gateway, nameservers, interface)
    check_profile_fit(profile, network)
    data = AnswerInput(
        network=network,
        root_password_hash=resolve_root_password(root_password_file, root_password_hash),
        timezone=TIMEZONE.from_cli(timezone),
        repo=REPO.from_cli_optional(repo),
        ssh_keys=read_ssh_keys(ssh_keys),
        xs_tools=xs_tools,
    )
    emit(render_preseed(profile, data), output, mode=0o600)
    for note in preseed_template_notes(profile, profile.template):  # where the install needs a cloned template
        say(f"note: {note}")
