"""``manage.py import_members``: a dry run by default, all or nothing on --commit."""

import pytest
from django.core.management import call_command
from django.utils import translation

from crm.models import Member
from tests.factories import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADERS = ["Tipo", "Nome", "Comune", "E-mail", "Data adesione"]
GOOD = [
    ["famiglia", "Famiglia Rossi", "Lucca", "rossi@example.org", "01/02/2025"],
    ["famiglia", "Famiglia Verdi", "Porcari", "verdi@example.org", ""],
]
BAD_LAST_ROW = GOOD + [["famiglia", "Famiglia Neri", "Lucca", "", "32/01/2025"]]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def run(*args, capsys):
    try:
        call_command("import_members", *args)
        code = 0
    except SystemExit as exit:
        code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path, rows, name="soci.csv", **options):
    path = tmp_path / name
    maker = xlsx_bytes if name.endswith(".xlsx") else csv_bytes
    path.write_bytes(maker([HEADERS, *rows], **options))
    return str(path)


def test_a_dry_run_of_a_clean_file_exits_0_and_writes_nothing(tmp_path, capsys):
    code, out, _err = run(write(tmp_path, GOOD), capsys=capsys)

    assert code == 0
    assert "2 members new" in out and "Dry run" in out
    assert Member.objects.count() == 0


def test_a_dry_run_prints_every_problem_and_exits_1(tmp_path, capsys):
    code, _out, err = run(write(tmp_path, BAD_LAST_ROW), capsys=capsys)

    assert code == 1
    assert (
        "Row 4, column “Data adesione”: “32/01/2025” is not a date that exists." in err
    )


def test_commit_imports_and_exits_0(tmp_path, capsys):
    code, out, _err = run(
        write(tmp_path, GOOD, name="soci.xlsx"), "--commit", capsys=capsys
    )

    assert code == 0 and "Import done." in out
    assert Member.objects.count() == 2


def test_commit_of_a_file_with_one_bad_row_writes_nothing_and_exits_1(tmp_path, capsys):
    code, _out, err = run(write(tmp_path, BAD_LAST_ROW), "--commit", capsys=capsys)

    assert code == 1
    assert "nothing was written" in err
    assert Member.objects.count() == 0


def test_commit_twice_changes_nothing_the_second_time(tmp_path, capsys):
    path = write(tmp_path, GOOD)
    run(path, "--commit", capsys=capsys)

    code, out, _err = run(path, "--commit", capsys=capsys)

    assert code == 0
    assert "0 members new, 0 updated, 2 unchanged" in out


def test_a_file_that_is_not_there_is_a_clear_error(tmp_path, capsys):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No such file"):
        call_command("import_members", str(tmp_path / "missing.csv"))


def test_the_import_can_be_recorded_as_done_by_a_user(tmp_path, capsys, coordinator):
    run(write(tmp_path, GOOD), "--commit", "--by", coordinator.username, capsys=capsys)

    assert Member.objects.first().history.get().history_user == coordinator
