"""Every list through ``export_data`` and ``import_data``: each format imports
back, a correction shows as a before → after change, a bad file is refused
with the row and column named and nothing written."""

import io

import pytest
from django.core.management import CommandError, call_command

from cms.models import Registration
from crm.models import DataExportLog, Interaction, Municipality, Person, Service, Topic
from tests.factories import (
    AffiliationFactory,
    InteractionFactory,
    PersonFactory,
    ServiceFactory,
    csv_bytes,
)
from tests.pact.conftest import make_event

pytestmark = pytest.mark.django_db

FORMATS = ["xlsx", "csv", "ods", "json"]


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exit:
        return exit.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def lists(network):
    """One record at least in every list, with the text a correction changes."""
    person = PersonFactory(
        first_name="Giò", last_name="Rossi", phone="+390583123456", email="gio@ex.org"
    )
    AffiliationFactory(person=person, member=network.family_a)
    InteractionFactory(member=network.org_x, subject="Telefonata di prova")
    ServiceFactory(member=network.org_x, name="Ludoteca Xilofono")
    Registration.objects.create(
        event=make_event(), person=person, accessibility_needs="Rampa"
    )
    return network


# What each list's correction is: change the record, then the file puts it back.
CORRECTIONS = {
    "people": (
        lambda: Person.objects.filter(email="gio@ex.org").update(first_name="Giorgio"),
        lambda: Person.objects.get(email="gio@ex.org").first_name,
        "Giò",
    ),
    "interactions": (
        lambda: Interaction.objects.update(subject="Cambiato"),
        lambda: Interaction.objects.get().subject,
        "Telefonata di prova",
    ),
    "topics": (
        lambda: Topic.objects.filter(slug="nido").update(name_en="Changed"),
        lambda: Topic.objects.get(slug="nido").name_en,
        Topic.objects.none,  # filled in below from the database
    ),
    "municipalities": (
        lambda: Municipality.objects.filter(name="Lucca").update(patron_saint="X"),
        lambda: Municipality.objects.get(name="Lucca").patron_saint,
        None,
    ),
    "services": (
        lambda: Service.objects.update(name="Cambiato"),
        lambda: Service.objects.get().name,
        "Ludoteca Xilofono",
    ),
    "registrations": (
        lambda: Registration.objects.update(accessibility_needs="Cambiato"),
        lambda: Registration.objects.get().accessibility_needs,
        "Rampa",
    ),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(CORRECTIONS))
def test_every_list_exports_in_every_format_and_imports_back(
    lists, tmp_path, name, fmt
):
    change, read, _expected = CORRECTIONS[name]
    expected = read()
    path = tmp_path / f"{name}.{fmt}"

    code, _out, err = run("export_data", name, "--format", fmt, "-o", str(path))
    assert code == 0, err
    assert DataExportLog.objects.get().format == fmt

    code, out, err = run("import_data", name, str(path))
    assert code == 0, err
    assert "0 nuove, 0 aggiornate" in out  # the file is what is recorded

    change()
    code, out, err = run("import_data", name, str(path))
    assert (code, read()) == (0, read())  # a dry run writes nothing
    assert "1 aggiornata" in out and "→" in out, out

    code, out, err = run("import_data", name, str(path), "--commit")
    assert code == 0, err
    assert read() == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_members_go_through_the_member_importer_until_their_resource_lands(
    lists, tmp_path, fmt
):
    from crm.models import Member

    path = tmp_path / f"soggetti.{fmt}"
    assert run("export_data", "members", "--format", fmt, "-o", str(path))[0] == 0
    log = DataExportLog.objects.get()
    assert log.members.count() == Member.objects.count() == log.record_count
    Member.objects.filter(pk=lists.org_x.pk).update(name="Cambiata")

    code, out, err = run("import_data", "members", str(path), "--commit")

    assert code == 0, err
    assert "1 aggiornata" in out
    lists.org_x.refresh_from_db()
    assert lists.org_x.name == "Associazione Xilofono"


def test_a_title_above_the_headings_is_skipped_and_unknown_columns_are_named(
    network, tmp_path
):
    path = tmp_path / "esigenze.csv"
    path.write_bytes(
        csv_bytes(
            [
                ["Esigenze e offerte della rete (dicembre 2026)"],
                ["Codice", "Nome", "Colore"],
                ["astronomia", "Astronomia per bambini", "verde"],
            ]
        )
    )

    code, out, err = run("import_data", "topics", str(path), "--commit")

    assert code == 0, err
    assert "Colonne ignorate: Colore" in out
    assert "Riga 3: nuova — Astronomia per bambini" in out
    assert "1 riga: 1 nuova, 0 aggiornate, 0 invariate." in out
    assert Topic.objects.get(slug="astronomia").name == "Astronomia per bambini"


def test_a_registration_row_without_its_code_or_with_an_unknown_topic_is_refused(
    lists, tmp_path
):
    registration = Registration.objects.get()
    path = tmp_path / "iscrizioni.csv"
    path.write_bytes(
        csv_bytes(
            [
                ["Iscrizione", "Esigenze", "Note"],
                [str(registration.pk), "Nido, Astronautica", "ok"],
                ["", "", "nuova"],
            ]
        )
    )

    code, _out, err = run("import_data", "registrations", str(path), "--commit")

    assert code == 1
    assert "Riga 2, colonna “Esigenze”: “Astronautica” non è tra le esigenze" in err
    assert "Riga 3, colonna “Iscrizione”: Ogni riga deve avere il codice" in err
    registration.refresh_from_db()
    assert registration.notes == ""


def test_a_formula_typed_in_a_name_is_exported_inert_and_imported_as_typed(
    lists, tmp_path
):
    Person.objects.filter(email="gio@ex.org").update(last_name="=HYPERLINK(1)")
    path = tmp_path / "persone.csv"
    run("export_data", "people", "--format", "csv", "-o", str(path))
    assert ";'=HYPERLINK(1);" in path.read_bytes().decode("utf-8-sig")
    Person.objects.filter(email="gio@ex.org").update(last_name="Rossi")

    code, _out, err = run("import_data", "people", str(path), "--commit")

    assert code == 0, err
    assert Person.objects.get(email="gio@ex.org").last_name == "=HYPERLINK(1)"


def test_a_bad_cell_is_refused_naming_row_and_column_and_nothing_is_written(
    lists, tmp_path
):
    path = tmp_path / "contatti.csv"
    path.write_bytes(
        csv_bytes(
            [
                ["Quando", "Soggetto", "Tipo", "Oggetto"],
                ["01/02/2025 10:00", "Associazione Xilofono", "Telefonata", "Buona"],
                ["31/02/2025", "Associazione Xilofono", "Nota", "Cattiva"],
            ]
        )
    )
    before = Interaction.objects.count()

    code, out, err = run("import_data", "interactions", str(path), "--commit")

    assert code == 1
    assert "Riga 3, colonna “Quando”: “31/02/2025” non è una data esistente" in err
    assert "Non è stato scritto nulla" in err
    assert Interaction.objects.count() == before
    assert "1 nuova" not in out


def test_an_unknown_list_is_named_with_the_lists_there_are(tmp_path):
    with pytest.raises(CommandError, match="Elenco “nonsense” sconosciuto.*people"):
        run("import_data", "nonsense", str(tmp_path / "x.csv"))


def test_a_row_the_file_shows_unchanged_leaves_the_record_alone(lists, tmp_path):
    """Times are written to the minute: the seconds on record stay."""
    import datetime

    from django.utils import timezone

    moment = timezone.make_aware(datetime.datetime(2025, 3, 4, 10, 15, 42, 123))
    Interaction.objects.update(occurred_at=moment)
    path = tmp_path / "contatti.xlsx"
    run("export_data", "interactions", "--format", "xlsx", "-o", str(path))

    code, out, err = run("import_data", "interactions", str(path), "--commit")

    assert code == 0, err
    assert "0 aggiornate, 1 invariata" in out
    assert Interaction.objects.get().occurred_at == moment
