"""`xenkit preseed render`: the kickstart render's guest options, a preseed out."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import Xenkit, require_program
from toolkit.generate.preseed import answer_value

GUEST = ["--hostname", "web2.example.com", "--ip", "192.0.2.12/24", "--gateway", "192.0.2.1",
         "--nameserver", "192.0.2.53"]


def test_render_writes_a_preseed_debconf_accepts(xenkit: Xenkit, tmp_path: Path) -> None:
    (tmp_path / "pw.txt").write_text("s3cret pass\n")
    out = tmp_path / "preseed.cfg"
    result = xenkit("preseed", "render", "ubuntu1804-di", *GUEST, "--root-password-file", str(tmp_path / "pw.txt"),
                    "--timezone", "Europe/Helsinki", "--xs-tools", "-o", str(out))
    assert result.code == 0, result.err
    text = out.read_text()
    assert out.stat().st_mode & 0o777 == 0o600 and "s3cret" not in text + result.err
    assert (answer_value(text, "passwd/root-password-crypted") or "").startswith("$6$")
    assert answer_value(text, "time/zone") == "Europe/Helsinki"
    assert "xs-tools.iso" in text  # the late script, shown in comments
    assert 'xenkit: note: template "Ubuntu Bionic Beaver 18.04 (64-bit)" is not a stock XenServer' in result.err
    assert "xenkit template clone bionic --host" in result.err
    check = subprocess.run([require_program("debconf-set-selections"), "--checkonly", str(out)],
                           capture_output=True, text=True)
    assert (check.returncode, check.stderr) == (0, "")


def test_bad_input_is_one_error_line(xenkit: Xenkit) -> None:
    digest = "$6$abcdefgh$" + "A" * 86
    result = xenkit("preseed", "render", "centos7", *GUEST, "--root-password-hash", digest)
    assert result.code == 2
    assert result.err.startswith("error: profile 'centos7' is a kickstart profile, not a preseed one; "
                                 "preseed profiles: ubuntu1204-di, ")
    result = xenkit("preseed", "render", "debian7-di", *GUEST, "--interface", "52:54:00:12:34:56",
                    "--root-password-hash", digest)
    assert result.code == 2 and "error: --interface: 52:54:00:12:34:56 is a MAC address" in result.err
    result = xenkit("preseed", "render", "debian7-di", *GUEST)
    assert result.code == 2 and "a root password is required" in result.err


def test_help_shows_an_example(xenkit: Xenkit) -> None:
    result = xenkit("preseed", "render", "--help")
    assert result.code == 0 and "xenkit preseed render ubuntu1204-di --hostname" in result.out
    assert "--xs-tools" in result.out
