"""The suite's own set-up (conftest): its temporary directories go to a RAM disk only when one has
room, and the run that chose it uses it."""

import os

from tests import conftest


def test_a_ram_disk_is_used_only_with_room_to_spare(tmp_path):
    assert conftest.ram_disk(str(tmp_path), floor=0) == str(tmp_path)
    assert conftest.ram_disk(str(tmp_path), floor=1 << 62) is None, "too little free space: the disk is used"
    assert conftest.ram_disk(str(tmp_path / "missing"), floor=0) is None


def test_the_tests_directories_are_on_the_ram_disk_when_it_has_room(tmp_path, pytestconfig):
    given = pytestconfig.getoption("basetemp")
    where = conftest.ram_disk()
    if where is None:
        assert not str(tmp_path).startswith(conftest.RAM_DISK + os.sep)
    elif given is not None and not str(given).startswith(where + os.sep + "jobs-tests-"):
        assert str(tmp_path).startswith(os.path.abspath(str(given)))  # pytest's --basetemp wins
    else:
        assert str(tmp_path).startswith(where + os.sep + "jobs-tests-")
