"""multipath.conf checked by the real parser: the modern (and 0.4.9) files go through Debian's multipath-tools as
/etc/multipath.conf.

The machine's /etc is never touched: inside a private mount namespace (unshare --mount --propagation private) a
tmpfs copy of /etc is moved over /etc, and only that copy gets the file; the namespace, and the copy, end with
the command. `multipath -t` is the check, not `-T`: -T also asks the kernel's device-mapper for its version and
stops where there is none (containers and VMs without dm-mod, like this test machine), and it only prints the
device entries of disks present, so no Multi-Flex stanza would ever show. -t runs the same config parser, prints
the same "invalid keyword" / "ignoring deprecated option" lines, then dumps the whole merged configuration.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import require_program
from tests.generate.test_multipath import EXPECTED
from tests.support.sshhosts import unavailable
from toolkit.generate.multipath import Dialect, render_multipath_conf

# The Multi-Flex entry as `multipath -t` prints a correctly parsed stanza (it quotes every string value).
PARSED_STANZA = {
    "vendor": "Intel", "product": "Multi-Flex", "product_blacklist": "VTrak V-LUN",
    "path_grouping_policy": "group_by_prio", "path_checker": "tur", "hardware_handler": "1 alua", "prio": "alua",
    "failback": "immediate", "no_path_retry": "queue",
}
COMPLAINT = re.compile(r"invalid keyword|unknown|deprecated|ignoring", re.IGNORECASE)
# config text[, drop-in text for /etc/multipath/conf.d/custom.conf] -> (multipath -t output, complaint lines)
ParseConfig = Callable[..., tuple[str, list[str]]]


# $1: an empty directory to stage the /etc copy in; $2: the file to install as /etc/multipath.conf; $3: empty,
# or the file to install as /etc/multipath/conf.d/custom.conf; then the command. Refuses to write anything
# unless /etc is by then a different filesystem (the private copy).
_NAMESPACE_SCRIPT = """set -eu
stage=$1; conf=$2; dropin=$3; shift 3
real=$(stat -c %d /etc)
mount -t tmpfs -o mode=755 xenkit-test "$stage"
cp -a /etc/. "$stage/"
mount --move "$stage" /etc
if [ "$(stat -c %d /etc)" = "$real" ]; then echo "xenkit-test: /etc is not the private copy" >&2; exit 97; fi
rm -rf /etc/multipath /etc/multipath.conf
mkdir /etc/multipath
cp "$conf" /etc/multipath.conf
if [ -n "$dropin" ]; then mkdir /etc/multipath/conf.d; cp "$dropin" /etc/multipath/conf.d/custom.conf; fi
exec "$@"
"""


def _etc_state() -> tuple[object, ...]:
    """What a leak from the namespace would change: /etc's entries and the two multipath paths."""
    state: list[object] = [tuple(sorted(os.listdir("/etc")))]
    for path in (Path("/etc/multipath.conf"), Path("/etc/multipath")):
        if not path.exists() and not path.is_symlink():
            state.append((str(path), None))
        elif path.is_file():
            state.append((str(path), hashlib.sha256(path.read_bytes()).hexdigest()))
        else:
            state.append((str(path), os.lstat(path).st_mtime_ns, tuple(sorted(os.listdir(path)))))
    return tuple(state)


@pytest.fixture
def parse_config(tmp_path: Path) -> Iterator[ParseConfig]:
    """Run `multipath -t` on a config text as /etc/multipath.conf; return (stdout, complaint lines)."""
    binary = require_program("multipath")
    require_program("unshare")
    if os.geteuid() != 0:
        unavailable("checking multipath.conf with multipath -t needs root (a private mount namespace and tmpfs)")
    before = _etc_state()

    def run(text: str, dropin: str | None = None) -> tuple[str, list[str]]:
        conf = tmp_path / "multipath.conf"
        conf.write_text(text)
        dropin_file = tmp_path / "custom.conf"
        if dropin is not None:
            dropin_file.write_text(dropin)
        stage = tmp_path / "stage"
        stage.mkdir(exist_ok=True)
        argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c", _NAMESPACE_SCRIPT, "sh",
                str(stage), str(conf), str(dropin_file) if dropin is not None else "", binary, "-t"]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0 and not done.stdout:
            if re.search(r"^(unshare|mount): ", done.stderr, re.MULTILINE):
                unavailable(f"no private mount namespace here: {done.stderr.strip()}")
            pytest.fail(f"multipath -t failed ({done.returncode}): {done.stderr}")
        assert done.returncode == 0, done.stderr
        return done.stdout, [line for line in done.stderr.splitlines() if COMPLAINT.search(line)]

    yield run
    assert _etc_state() == before, "the machine's /etc changed"


def device_entries(dump: str) -> list[dict[str, str]]:
    """The `devices { device { ... } }` entries of `multipath -t` output, quotes taken off the values."""
    section = re.search(r"^devices \{\n(.*?)^\}", dump, re.MULTILINE | re.DOTALL)
    assert section, dump[:2000]
    entries = []
    for body in re.findall(r"^\tdevice \{\n(.*?)^\t\}", section.group(1), re.MULTILINE | re.DOTALL):
        pairs = (line.strip().split(" ", 1) for line in body.splitlines() if line.strip())
        entries.append({key: value.strip('"') for key, value in pairs})
    return entries


def multiflex(dump: str) -> list[dict[str, str]]:
    # The built-in table's own entry says vendor "(Intel|INTEL)": only the file's says "Intel".
    return [e for e in device_entries(dump) if e.get("vendor") == "Intel" and e.get("product") == "Multi-Flex"]


def check_merged(dump: str, devnode: str) -> None:
    """The Multi-Flex stanza as written, WWID names kept, and `devnode` in the blacklist."""
    assert multiflex(dump) == [PARSED_STANZA]
    defaults = re.search(r"^defaults \{\n(.*?)^\}", dump, re.MULTILINE | re.DOTALL)
    assert defaults and '\tuser_friendly_names "no"\n' in defaults.group(1)
    blacklist = re.search(r"^blacklist \{\n(.*?)^\}", dump, re.MULTILINE | re.DOTALL)
    assert blacklist and f'\tdevnode "{devnode}"\n' in blacklist.group(1)


@pytest.mark.integration
@pytest.mark.parametrize("dialect", [Dialect.MODERN, Dialect.V049], ids=str)
def test_real_parser_accepts_the_file(parse_config: ParseConfig, dialect: Dialect) -> None:
    """Modern: the issue's check. 0.4.9: the conservative default for uncertain dom0s parses clean too."""
    dump, complaints = parse_config(render_multipath_conf("intel-multiflex", dialect))
    assert complaints == []
    check_merged(dump, "^(ram|raw|loop|fd|md|dm-|sr|scd|st)[0-9]*")


@pytest.mark.integration
def test_real_parser_rejects_the_047_file(parse_config: ParseConfig) -> None:
    """The check can fail: 0.4.7's keywords are what the modern parser complains about."""
    dump, complaints = parse_config(render_multipath_conf("intel-multiflex", Dialect.V047))
    assert len(complaints) == 2, complaints
    assert 'ignoring deprecated option "getuid_callout"' in complaints[0]
    assert "invalid keyword in the device section: prio_callout" in complaints[1]
    [entry] = multiflex(dump)
    assert "prio" not in entry  # the priority is lost: the stanza would group paths without ALUA


@pytest.mark.integration
def test_real_parser_complains_about_a_typo(parse_config: ParseConfig) -> None:
    text = EXPECTED[Dialect.MODERN].replace("\t\tfailback ", "\t\tfailbak ")
    _, complaints = parse_config(text)
    assert len(complaints) == 1 and "invalid keyword in the device section: failbak" in complaints[0]


# What a managed main file (XenServer 8's, from the storage manager) holds besides its own device entries.
PLATFORM_MAIN = 'defaults {\n\tuser_friendly_names no\n}\nblacklist {\n\tdevnode "^nvme"\n}\n'


@pytest.mark.integration
def test_real_parser_merges_the_dropin_with_the_platforms_file(parse_config: ParseConfig) -> None:
    """The conf.d drop-in (devices only) adds the stanza; the platform's defaults and blacklist stay."""
    dump, complaints = parse_config(PLATFORM_MAIN, render_multipath_conf("intel-multiflex", Dialect.V049,
                                                                         dropin=True))
    assert complaints == []
    check_merged(dump, "^nvme")  # the platform's blacklist and defaults stay
