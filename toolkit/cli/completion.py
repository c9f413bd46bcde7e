"""Shell completion: `xenkit completion bash|zsh|fish` prints click's script, and the callbacks that complete
names no option type knows: profiles, releases, recipes, and the hosts of xenkit.toml.

The callbacks run each time the shell asks (the script calls xenkit with _XENKIT_COMPLETE set): each one
imports only the catalog it reads, and a catalog that cannot be read completes nothing rather than printing
an error into the user's command line. This module imports only click, since every command module that
declares a completed argument imports it at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    Completer = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_XENKIT_COMPLETE"  # what click derives from the program name "xenkit"


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the completion script for SHELL: commands, options, and the names of profiles, releases,
    recipes and of the hosts in xenkit.toml.

    \b
    Load it from your shell's start-up file:
      bash (~/.bashrc):  eval "$(xenkit completion bash)"
      zsh (~/.zshrc):    eval "$(xenkit completion zsh)"
      fish:              xenkit completion fish > ~/.config/fish/completions/xenkit.fish
    """
    from click.shell_completion import get_completion_class

    root = click.get_current_context().find_root().command
    script_class = get_completion_class(shell)
    assert script_class is not None, shell  # every name click.Choice lets through is one of click's shells
    click.echo(script_class(root, {}, "xenkit", COMPLETE_VAR).source())


def _items(names: Iterable[tuple[str, str | None]], incomplete: str) -> list[CompletionItem]:
    from click.shell_completion import CompletionItem

    return [CompletionItem(name, help=about) for name, about in names if name.startswith(incomplete)]


def _quietly(read: Callable[[], Iterable[tuple[str, str | None]]]) -> Completer:
    """A completer from `read` (name, help) pairs; a catalog that cannot be read completes nothing."""

    def complete(_ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        try:
            return _items(read(), incomplete)
        except Exception:  # a completion must never print an error into the command line being typed
            return []

    return complete


def _profiles() -> list[tuple[str, str | None]]:
    from toolkit.catalog.profiles import all_profiles

    return [(name, profile.description) for name, profile in all_profiles().items()]


def _kickstart_profiles() -> list[tuple[str, str | None]]:
    from toolkit.catalog.profiles import kickstart_profiles

    return [(profile.name, profile.description) for profile in kickstart_profiles()]


def _autoinstall_profiles() -> list[tuple[str, str | None]]:
    from toolkit.catalog.profiles import InstallerKind, all_profiles

    return [(p.name, p.description) for p in all_profiles().values() if p.kind is InstallerKind.AUTOINSTALL]


def _preseed_profiles() -> list[tuple[str, str | None]]:
    from toolkit.catalog.preseed_releases import preseed_profiles

    return [(profile.name, profile.description) for profile in preseed_profiles()]


def _releases() -> list[tuple[str, str | None]]:
    from toolkit.catalog.releases import load_releases

    return [(r.codename, f"{str(r.distro).capitalize()} {r.version} {r.name}") for r in load_releases()]


def _recipes() -> list[tuple[str, str | None]]:
    from toolkit.driver.recipe import recipe_names

    return [(name, None) for name in recipe_names()]


def _hosts() -> list[tuple[str, str | None]]:
    """The [hosts.NAME] of the hosts file that --host reads (the first that exists), with their address."""
    from toolkit.inputs.userfile import read_user_toml
    from toolkit.remote.hosts import config_paths

    for path in config_paths():
        if path.is_file():
            hosts = read_user_toml(path).get("hosts", {})
            return [(str(name), str(entry.get("address", "")) or None) for name, entry in hosts.items()
                    if isinstance(entry, dict)]
    return []


complete_profiles = _quietly(_profiles)  # bootargs, vm install: any profile
complete_kickstart_profiles = _quietly(_kickstart_profiles)  # kickstart render
complete_autoinstall_profiles = _quietly(_autoinstall_profiles)  # autoinstall render
complete_preseed_profiles = _quietly(_preseed_profiles)  # preseed render
complete_releases = _quietly(_releases)
complete_recipes = _quietly(_recipes)
complete_hosts = _quietly(_hosts)
