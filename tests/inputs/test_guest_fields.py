"""toolkit.inputs.guest_fields: one entry per guest value drives the CLI options, the site file and the defaults."""

from __future__ import annotations

import dataclasses

import click
import pytest

from tests.conftest import fails
from toolkit.cli.main import cli
from toolkit.cli.options import INTERFACE_NAME_ONLY
from toolkit.generate.kickstart import KickstartInput
from toolkit.generate.vm_install import VmInstallInput
from toolkit.inputs import guest_fields as guest
from toolkit.inputs.guest_field_type import GuestField, password_problem
from toolkit.inputs.network import GuestNetwork, make_network

GIB = 2**30
COMMANDS = [("kickstart", "render"), ("bootargs",), ("vm", "install"), ("ddk", "network")]
OPTION_FIELDS = {f.option: f for f in vars(guest).values() if isinstance(f, GuestField) and f.option}


def _command(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        found = command.get_command(click.Context(command), name)
        assert found is not None, name
        command = found
    return command


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_guest_options_are_the_tables(path: tuple[str, ...]) -> None:
    options = [p for p in _command(path).params if isinstance(p, click.Option) and p.opts[-1] in OPTION_FIELDS]
    assert {"--hostname", "--ip", "--gateway", "--nameserver", "--interface"} <= {p.opts[-1] for p in options}
    for option in options:
        field = OPTION_FIELDS[option.opts[-1]]
        if path == ("ddk", "network") and field is guest.INTERFACE:
            field = INTERFACE_NAME_ONLY  # the DDK VM's ifcfg file is named after the interface: no MAC
        assert option.name == (field.dest or field.key)
        assert option.required == field.required
        assert option.multiple == field.kind.repeated
        assert option.metavar == field.metavar
        if field.default not in (None, ()):
            assert (option.default, option.show_default) == (field.default, True)


def test_only_the_site_fields_have_no_option_and_keys_are_unique() -> None:
    keys = [f.key for f in guest.SITE_FIELDS]
    assert len(keys) == len(set(keys))
    assert [f.key for f in guest.SITE_FIELDS if f.option is None] == ["profile", "ks_url_base"]
    assert guest.KS not in guest.SITE_FIELDS  # the site file gives ks_url_base; each guest's --ks follows from it


def test_defaults_are_checked_values_and_the_generators_use_them() -> None:
    assert [f.default_value() for f in (guest.MEMORY, guest.VCPUS, guest.DISK)] == [2 * GIB, 2, 20 * GIB]
    assert (guest.TIMEZONE.default_value(), guest.INTERFACE.default_value(), guest.SSH_KEYS.default_value()) == (
        "Etc/UTC", "eth0", ())
    install = {f.name: f.default for f in dataclasses.fields(VmInstallInput)}
    assert (install["memory"], install["vcpus"], install["disk"]) == (2 * GIB, 2, 20 * GIB)
    assert {f.name: f.default for f in dataclasses.fields(KickstartInput)}["timezone"] == "Etc/UTC"
    assert {f.name: f.default for f in dataclasses.fields(GuestNetwork)}["device"] == "eth0"
    assert make_network("h.example.com", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53"]).device == "eth0"


def test_description_says_the_default() -> None:
    assert guest.MEMORY.description == "memory size (default 2GiB)"
    assert guest.VCPUS.description == "number of vCPUs (default 2)"
    assert guest.SSH_KEYS.description == "list of public key files (relative to the site file)"
    assert guest.HOSTNAME.description == "guest FQDN"


def test_a_value_is_named_as_the_user_wrote_it() -> None:
    fails(lambda: guest.MEMORY.from_cli("lots"), "--memory", "not a size")
    fails(lambda: guest.MEMORY.from_site("lots"), "memory", "not a size")
    fails(lambda: guest.TIMEZONE.from_cli("Mars/Olympus"), "--timezone")
    assert guest.REPO.from_cli_optional(None) is None
    assert guest.VCPUS.from_site(4) == 4


def test_a_site_name_is_stricter_than_a_vm_name() -> None:
    """In a site file the name is also a directory and a URL path."""
    assert guest.NAME.from_cli("web 1 (test)") == "web 1 (test)"
    fails(lambda: guest.NAME.from_site("web 1 (test)"), "name", "names a directory and a URL path")
    assert guest.NAME.from_site("web-1.test") == "web-1.test"


@pytest.mark.parametrize(
    ("hash_given", "file_given", "problem"),
    [(True, False, None), (False, True, None), (True, True, "both"), (False, False, "neither")],
)
def test_exactly_one_root_password(hash_given: bool, file_given: bool, problem: str | None) -> None:
    assert password_problem(hash_given, file_given) == problem


def test_with_help_changes_only_the_help() -> None:
    specific = guest.REPO.with_help("Install repository, where the installer needs inst.repo=.")
    assert specific.help != guest.REPO.help
    assert dataclasses.replace(specific, help=guest.REPO.help) == guest.REPO
