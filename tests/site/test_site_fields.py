"""Site files: secrets never shown in a problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.site.load import SiteError, load_site

SITE = """
[defaults]
ks_url_base = "http://192.0.2.2/ks"
network = "Pool-wide network associated with eth0"
gateway = "192.0.2.1"
nameservers = ["192.0.2.53"]
{defaults}

[[vm]]
name = "a"
profile = "centos7"
hostname = "a.example.com"
ip = "192.0.2.21/24"
{entry}
"""
DIGEST = "$6$abcdefgh$" + "A" * 86


def problems_of(tmp_path: Path, defaults: str = f'password_hash = "{DIGEST}"', entry: str = "") -> list[str]:
    path = tmp_path / "site.toml"
    path.write_text(SITE.format(defaults=defaults, entry=entry))
    with pytest.raises(SiteError) as caught:
        load_site(path)
    return caught.value.problems


@pytest.mark.parametrize(
    ("value", "problem"),
    [('"S3cret-pass-123"', "is not a SHA-512 crypt hash"), ("123456789", "must be a string, not an int"),
     ('["S3cret-pass-123"]', "must be a string, not a list")],
)
def test_a_password_given_as_password_hash_is_never_shown(tmp_path: Path, value: str, problem: str) -> None:
    (line,) = problems_of(tmp_path, defaults=f"password_hash = {value}")
    assert line.startswith(f"{tmp_path / 'site.toml'}: [defaults]: password_hash: {problem}")
    assert "S3c" not in line and "123" not in line.split("password_hash")[1]
