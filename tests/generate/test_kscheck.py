"""The pykickstart check: errors and deprecation warnings, each with its line."""

from __future__ import annotations

import json
import subprocess
import sys

from toolkit.catalog.profiles import kickstart_profiles
from toolkit.generate.kickstart import KickstartInput, render_kickstart
from toolkit.generate.kscheck import validate_kickstart
from toolkit.inputs.network import make_network


def test_deprecation_warning_is_a_problem_with_its_line() -> None:
    problems = validate_kickstart("text\nskipx\nauthconfig --enableshadow --passalgo=sha512\n", "RHEL8")
    assert [(p.lineno, p.is_warning) for p in problems] == [(3, True)]
    assert "authselect" in problems[0].message
    assert str(problems[0]).startswith("line 3: warning:")


def test_error_has_its_line() -> None:
    problems = validate_kickstart("text\n\nfrobnicate\n", "F45")
    assert [(p.lineno, p.is_warning) for p in problems] == [(3, False)]


def test_clean_kickstart_has_no_problem() -> None:
    assert validate_kickstart("text\nskipx\n", "F17") == []


def test_shared_parsers_carry_no_state_between_validations() -> None:
    """Parsers are shared per class (toolkit/generate/ksparsers.py); results must not depend on what ran before."""
    deprecated = "text\nauthconfig --enableshadow\n"
    broken = "text\npart / --fstype=ext4 --bogus\n"
    clean = "text\npart / --fstype=ext4 --size=1\n%packages\n@core\n%end\n"
    first = [validate_kickstart(t, v) for t, v in ((deprecated, "RHEL8"), (broken, "F17"), (clean, "F45"))]
    again = [validate_kickstart(t, v) for t, v in ((clean, "F45"), (broken, "F17"), (deprecated, "RHEL8"))]
    assert first == list(reversed(again))
    assert first[0][0].is_warning and first[0][0].lineno == 2
    assert not first[1][0].is_warning and first[1][0].lineno == 2 and "--bogus" in first[1][0].message
    assert first[2] == []


def test_packages_options_follow_the_release() -> None:
    """Section parsers are shared per (class, release): --exclude-weakdeps is F40+, unknown to F17."""
    text = "text\n%packages --exclude-weakdeps\n@core\n%end\n"
    assert validate_kickstart(text, "F45") == []
    assert validate_kickstart(text, "F17") != []
    assert validate_kickstart(text, "F45") == []


_PLAIN_PYKICKSTART = """
import json, sys, warnings
from pykickstart.errors import KickstartError
from pykickstart.parser import KickstartParser
from pykickstart.version import makeVersion
out = []
for text, version in json.load(sys.stdin):
    found = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            KickstartParser(makeVersion(version)).readKickstartFromString(text)
        except KickstartError as exc:
            found.append(" ".join(str(exc).split()))
    found += [" ".join(str(w.message).split()) for w in caught]
    out.append(found)
json.dump(out, sys.stdout)
"""


_OURS = """
import json, sys
from toolkit.generate.kscheck import validate_kickstart
assert "pykickstart.commands.ostreesetup" not in sys.modules
json.dump([[p.message for p in validate_kickstart(t, v)] for t, v in json.load(sys.stdin)], sys.stdout)
"""


def test_same_verdicts_as_plain_pykickstart() -> None:
    """Every rendered profile and a set of broken kickstarts: our (shared-parser) validation reports
    exactly the messages pykickstart reports in a fresh interpreter where nothing is patched."""
    network = make_network("h.example.com", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53"])
    digest = "$6$abcdefgh$" + "A" * 86
    corpus = [(render_kickstart(p, KickstartInput(network, digest), validate=False), str(p.pykickstart_version))
              for p in kickstart_profiles()]
    corpus += [(text, version) for text, _ in corpus for version in ("F17", "RHEL6", "RHEL8", "F45")]
    corpus += [
        ("text\nauthconfig --enableshadow\n", "RHEL8"),
        ("text\npart / --fstype=ext4 --bogus\n", "F17"),
        ("text\n%packages --exclude-weakdeps\n@core\n%end\n", "F17"),
        ("text\n%packages --excludeWeakdeps\n@core\n%end\n", "F45"),
        ("text\n%post --interpreter\n%end\n", "RHEL9"),
        ("network --bootproto=static --ip=1.2.3.4\nnetwork --device=eth0 --activate\n", "RHEL6"),
    ]
    # Option types bound to the object that built a shared parser quote its line number.
    for version, good, bad in (
        ("F17", "autopart --type=lvm", "autopart --type=bogus"),
        ("RHEL7", "raid / --level=1 --device=md0 raid.01", "raid / --level=bogus --device=md0 raid.01"),
        ("F45", "snapshot root --name=a --when=post-install", "snapshot root --name=b --when=never"),
        ("F17", "btrfs / --data=raid1 --label=a btrfs.01", "btrfs / --data=bogus --label=a btrfs.01"),
    ):
        corpus += [(f"{good}\n", version), (f"# one\n# two\n\n{bad}\n", version)]
    # Consecutive texts of one release: a handler reused between them must carry nothing over
    # (pykickstart warns about a mount point or device defined twice, and part/partition are aliases).
    for version in ("F17", "RHEL6", "RHEL9", "F45"):
        corpus += [
            ("part / --fstype=ext4 --size=1\nnetwork --device=eth0 --bootproto=dhcp\n", version),
            ("partition / --fstype=ext4 --size=1\nnetwork --device=eth0 --bootproto=dhcp\n", version),
            ("part / --fstype=ext4 --size=1\n%post\necho\n%end\n%packages\n@core\n%end\n", version),
            ("bootloader --append=quiet\nrootpw --plaintext x\n", version),
            ("bootloader --location=mbr\nrootpw --iscrypted y\n%packages\n-foo\n%end\n", version),
        ]
    plain = subprocess.run([sys.executable, "-c", _PLAIN_PYKICKSTART], input=json.dumps(corpus),
                           capture_output=True, text=True, check=True, timeout=300)
    expected = json.loads(plain.stdout)
    ours = [[p.message for p in validate_kickstart(text, version)] for text, version in corpus]
    assert ours == expected
    # And in a fresh interpreter, as `kickstart render` runs: there the command modules load on demand.
    fresh = subprocess.run([sys.executable, "-c", _OURS], input=json.dumps(corpus), capture_output=True, text=True,
                           check=True, timeout=300)
    assert json.loads(fresh.stdout) == expected
    assert sum(1 for messages in expected if messages) >= 10  # the corpus does exercise failures


def test_reused_handler_is_as_good_as_new() -> None:
    """After a parse, the kept handler writes the same (empty) kickstart as a fresh one of its release."""
    from pykickstart.version import makeVersion

    from toolkit.generate import kscheck

    text = "text\npart / --fstype=ext4 --size=1\nnetwork --device=eth0 --bootproto=dhcp\nrootpw --iscrypted x\n"
    for version in ("F17", "RHEL6", "F45"):
        assert kscheck.validate_kickstart(text, version) == []
        kept = kscheck._IDLE_HANDLERS[version]
        assert str(kept) == str(makeVersion(version))
        assert kept.partition is kept.commands["part"] is kept.commands["partition"]


def test_validation_imports_only_its_own_release_s_handler() -> None:
    """pykickstart's default handler set-up goes through handlers.control, which imports every release's handler
    module, and pykickstart.commands imports every command module (together a large part of `kickstart render`'s
    start-up); the handler gets its own class's maps instead, and only the commands of F17 are imported."""
    code = ("import sys; from toolkit.generate.kscheck import validate_kickstart; "
            "assert validate_kickstart('text\\nskipx\\n', 'F17') == []; "
            "found = [m for m in ('pykickstart.handlers.control', 'f45', 'rhel9', 'pykickstart.commands.ostreesetup') "
            "if m in sys.modules]; "
            "print(found); sys.exit(bool(found))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
