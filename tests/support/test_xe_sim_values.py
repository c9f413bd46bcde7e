"""The xe simulator reads values as xe does: an argument splits at its first '=' only (xe's parse_eql), a map
key ends at the name's first ':', and a filter compares the whole value, so '=', ',', ':' and quotes are data."""

from __future__ import annotations

import pytest

from tests.support.conftest import LUCID64, Xe, lookup, ok


@pytest.mark.parametrize("name", ["a=b", "web,1", "x:y=z", "--force", "Bob's \"web\" $(id) `id` \\ & ; % Ü"])
def test_a_name_label_is_the_whole_value_after_the_first_equals_sign(xe: Xe, name: str) -> None:
    lucid = lookup(xe, LUCID64)
    ok(xe("template-param-set", f"uuid={lucid}", f"name-label={name}"))
    assert ok(xe("template-param-get", f"uuid={lucid}", "param-name=name-label")) == name
    assert lookup(xe, name) == lucid  # a filter matches the whole value, commas included
    clone = ok(xe("vm-clone", f"uuid={lucid}", f"new-name-label={name} 2", f"new-name-description={name}"))
    assert ok(xe("template-param-get", f"uuid={clone}", "param-name=name-description")) == name


def test_a_map_value_may_hold_equals_signs_and_colons(xe: Xe) -> None:
    lucid = lookup(xe, LUCID64)
    ok(xe("template-param-set", f"uuid={lucid}", "other-config:install-repository=http://h:80/a=b;c"))
    value = ok(xe("template-param-get", f"uuid={lucid}", "param-name=other-config", "param-key=install-repository"))
    assert value == "http://h:80/a=b;c"
