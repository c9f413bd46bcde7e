"""The storage profiles' data (templates/multipath-profiles.toml): values multipath.conf cannot take are refused,
naming the profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.catalog import storage_profiles
from toolkit.errors import GeneratedFileError

GOOD = {"description": "d", "source": "s", "vendor": "V", "product": "P"}


@pytest.mark.parametrize(("change", "message"), [
    ({"prio": "const"}, "prio 'const': not one of alua, emc, rdac, hp_sw"),
    ({"path_grouping_policy": "round-robin"}, "not one of failover, multibus"),
    ({"hardware_handler": "2 alua"}, "hardware_handler '2 alua'"),
    ({"hardware_handler": "1"}, "hardware_handler '1'"),
    ({"failback": 0}, "failback 0: not immediate, manual or a positive integer"),
    ({"no_path_retry": "forever"}, "no_path_retry 'forever'"),
    ({"vendor": 'In"tel'}, "no double quote"),
    ({"product": "Multi\nFlex"}, "control character"),
    ({"product": "(Multi"}, "is not a regular expression"),
    ({"vendor": ""}, "vendor must be a non-empty string"),
    ({"colour": "red"}, "unknown field(s): colour"),
])
def test_bad_profile_values_are_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as info:
        storage_profiles._profile("p", {**GOOD, **change})
    assert message in str(info.value)


def test_missing_fields_and_bad_names_are_refused() -> None:
    with pytest.raises(ValueError, match=r"missing field\(s\): source, product"):
        storage_profiles._profile("p", {"description": "d", "vendor": "V"})
    with pytest.raises(ValueError, match="lower-case words"):
        storage_profiles._profile("Intel_MF", GOOD)


def test_counts_are_normalised() -> None:
    profile = storage_profiles._profile("p", {**GOOD, "failback": 30, "no_path_retry": "012"})
    assert (profile.failback, profile.no_path_retry) == ("30", "12")


def test_a_malformed_data_file_names_the_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "multipath-profiles.toml").write_text('[profile.acme]\ndescription = "d"\nsource = "s"\n'
                                                      'vendor = "ACME"\nproduct = "X"\nprio = "random"\n')
    monkeypatch.setattr(storage_profiles, "data_dir", lambda name: tmp_path)
    storage_profiles.load_profiles.cache_clear()
    try:
        with pytest.raises(GeneratedFileError, match=r"multipath-profiles\.toml: profile acme: prio 'random'"):
            storage_profiles.load_profiles()
    finally:
        storage_profiles.load_profiles.cache_clear()
