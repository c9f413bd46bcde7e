"""The lvm.conf filter edit (toolkit/generate/lvm_filter.py) and lvm2's own check of its result."""

from __future__ import annotations

import pytest

from tests.conftest import require_program
from toolkit.errors import ToolkitError, UsageError
from toolkit.generate.lvm_check import check_with_lvmconfig
from toolkit.generate.lvm_filter import DEFAULT_REJECTS, reject_patterns, set_filter

SEED_FILTER = ["r|/dev/sd.*|", "r|/dev/xvd.|", "r|/dev/VG_Xen.*/*|"]
WANTED = reject_patterns(DEFAULT_REJECTS)

# The shape of a CentOS 5 (lvm2 2.02) lvm.conf as XenServer 6 dom0s ship it, shortened.
CENTOS5 = """\
# This is an example configuration file for the LVM2 system.
devices {

    # Where do you want your volume groups to appear ?
    dir = "/dev"

    # By default we accept every block device:
    # filter = [ "a/.*/" ]
    filter = [ "a/.*/" ]   # accept all

    # Exclude the cdrom drive
    # filter = [ "r|/dev/cdrom|" ]
    cache_dir = "/etc/lvm/cache"
    types = [ "fd", 16 ]
}

global {
    locking_type = 1
    locking_dir = "/var/lock/lvm"
}
"""


def test_the_default_is_the_admins_filter() -> None:
    assert WANTED == SEED_FILTER


def test_only_the_active_filter_changes() -> None:
    edit = set_filter(CENTOS5, WANTED, "lvm.conf")
    assert (edit.action, edit.line, edit.old_value) == ("replaced", 9, ["a/.*/"])
    assert edit.text == CENTOS5.replace('filter = [ "a/.*/" ]   #',
                                        'filter = [ "r|/dev/sd.*|", "r|/dev/xvd.|", "r|/dev/VG_Xen.*/*|" ]   #')
    assert '    # filter = [ "a/.*/" ]\n' in edit.text and '# filter = [ "r|/dev/cdrom|" ]' in edit.text


def test_a_second_run_changes_nothing_even_if_spelled_differently() -> None:
    once = set_filter(CENTOS5, WANTED, "lvm.conf").text
    assert set_filter(once, WANTED, "lvm.conf").action == "unchanged"
    spaced = CENTOS5.replace('    filter = [ "a/.*/" ]   #',
                             '    filter=["r|/dev/sd.*|","r|/dev/xvd.|",\n "r|/dev/VG_Xen.*/*|"]   #')
    edit = set_filter(spaced, WANTED, "lvm.conf")
    assert edit.action == "unchanged" and edit.text == spaced


def test_a_list_over_several_lines_is_replaced_whole() -> None:
    text = 'devices {\n  filter = [ "a|/dev/mapper/.*|",\n             "r|.*|" ] # two lines\n  dir = "/dev"\n}\n'
    edit = set_filter(text, WANTED, "lvm.conf")
    assert edit.text == ('devices {\n  filter = [ "r|/dev/sd.*|", "r|/dev/xvd.|", "r|/dev/VG_Xen.*/*|" ] # two lines\n'
                         '  dir = "/dev"\n}\n')


def test_a_missing_filter_is_added_at_the_top_of_devices_with_its_indentation() -> None:
    text = CENTOS5.replace('    filter = [ "a/.*/" ]   # accept all\n', "")
    edit = set_filter(text, WANTED, "lvm.conf")
    assert (edit.action, edit.line) == ("added", 3)
    assert edit.text.startswith('# This is an example configuration file for the LVM2 system.\ndevices {\n'
                                '    filter = [ "r|/dev/sd.*|", "r|/dev/xvd.|", "r|/dev/VG_Xen.*/*|" ]\n\n')


def test_a_one_line_devices_section_and_crlf() -> None:
    edit = set_filter('devices { dir = "/dev" }\r\n', WANTED, "lvm.conf")
    assert edit.text == ('devices {\r\n\tfilter = [ "r|/dev/sd.*|", "r|/dev/xvd.|", "r|/dev/VG_Xen.*/*|" ]\r\n'
                         ' dir = "/dev" }\r\n')


def test_a_missing_section_is_added_at_the_end() -> None:
    edit = set_filter('global {\n    locking_type = 1\n}', WANTED, "lvm.conf")
    assert edit.action == "section added"
    assert edit.text.endswith('}\ndevices {\n\tfilter = [ "r|/dev/sd.*|", "r|/dev/xvd.|", "r|/dev/VG_Xen.*/*|" ]\n}\n')


def test_filter_in_another_section_or_nested_is_not_taken() -> None:
    text = 'activation {\n    filter = [ "x" ]\n}\ndevices {\n    sub {\n        filter = [ "y" ]\n    }\n}\n'
    edit = set_filter(text, WANTED, "lvm.conf")
    assert edit.action == "added" and 'filter = [ "x" ]' in edit.text and 'filter = [ "y" ]' in edit.text


def test_global_filter_is_reported_and_left_alone() -> None:
    text = CENTOS5.replace('    dir = "/dev"\n', '    dir = "/dev"\n    global_filter = [ "r|.*|" ]\n')
    edit = set_filter(text, WANTED, "lvm.conf")
    assert edit.warnings == ['line 6: global_filter = [ "r|.*|" ] is set: LVM applies it before filter; '
                             "left as it is"]
    assert 'global_filter = [ "r|.*|" ]' in edit.text


def test_two_active_filters_are_refused() -> None:
    text = 'devices {\n filter = [ "a|.*|" ]\n filter = [ "r|.*|" ]\n}\n'
    with pytest.raises(ToolkitError, match=r"sets filter more than once \(lines 2, 3\)"):
        set_filter(text, WANTED, "lvm.conf")


@pytest.mark.parametrize("text, where", [
    ('devices {\n filter = [ "a|.*| ]\n}\n', "line 2: a string is not closed"),
    ("devices {\n dir = \n}\n", "line 3: dir: expected a value"),
    ('devices {\n dir = "/dev"\n', "line 1: section 'devices' is not closed"),
    ("}\n", "line 1: a '}' closes no section"),
])
def test_text_lvm_could_not_read_is_refused(text: str, where: str) -> None:
    with pytest.raises(ToolkitError, match="cannot read it as lvm.conf: " + where.replace("(", r"\(")):
        set_filter(text, WANTED, "lvm.conf")


def test_reject_patterns_pick_a_free_delimiter_and_quote_for_lvm() -> None:
    assert reject_patterns(["/dev/sd.*", "a|b", r"/dev/sd[a-z]\d"]) == ["r|/dev/sd.*|", "r!a|b!", r"r|/dev/sd[a-z]\d|"]
    for bad in ("", "tab\there", "|!/#%,@:;~"):
        with pytest.raises(UsageError):
            reject_patterns([bad])


def test_lvmconfig_accepts_the_result_and_reads_the_filter_back() -> None:
    require_program("lvmconfig")
    edit = set_filter(CENTOS5, reject_patterns(["/dev/sd.*", 'odd"quote\\d']), "lvm.conf")
    assert check_with_lvmconfig(CENTOS5, edit.text, edit.new_value, "lvm.conf") == []


def test_lvmconfig_complaints_about_the_old_text_are_let_through() -> None:
    require_program("lvmconfig")
    old = CENTOS5.replace("    locking_type = 1\n", "    locking_type = 1\n    no_such_setting_in_2_03 = 1\n")
    edit = set_filter(old, WANTED, "lvm.conf")
    complaints = check_with_lvmconfig(old, edit.text, WANTED, "lvm.conf")
    assert len(complaints) == 1 and "no_such_setting_in_2_03" in complaints[0]


def test_lvmconfig_refuses_what_the_edit_would_add() -> None:
    require_program("lvmconfig")
    broken = CENTOS5.replace("types = [", "types = ][")  # lvm2 cannot parse this; the old text is fine
    with pytest.raises(ToolkitError, match="lvmconfig"):
        check_with_lvmconfig(CENTOS5, broken, WANTED, "lvm.conf")
