"""Importing members from spreadsheets: matching, updates, all or nothing.

Files are built as real bytes (csv module, openpyxl) the way offices save them.
Messages are checked in English, their msgids; the translation pass makes them
Italian. What must hold in any language is that each names its row and column.
"""

import datetime

import pytest
from django.utils import translation

from crm.importing import ImportRefused, preview
from crm.models import (
    Affiliation,
    AffiliationRole,
    Child,
    Member,
    MemberKind,
    MemberSource,
    MemberStatus,
    Person,
    Topic,
)
from crm.services import members_import
from tests.factories import (
    AffiliationFactory,
    FamilyFactory,
    OrganisationFactory,
    PersonFactory,
    csv_bytes,
    municipality,
)

pytestmark = pytest.mark.django_db

HEADERS = [
    "Tipo", "Nome", "Comune", "Codice fiscale", "P. IVA", "E-mail", "Telefono",
    "Data adesione", "Esigenze", "Offerte", "Referente nome", "Referente cognome",
    "Referente e-mail", "Ruolo referente",
]  # fmt: skip
FAMILY = [
    "famiglia", "Famiglia Rossi", "Lucca", "", "", "rossi@example.org",
    "333 1234567", "01/02/2025", "Nido d'infanzia, doposcuola", "", "Anna",
    "Rossi", "anna.rossi@example.org", "genitore",
]  # fmt: skip
BUSINESS = [
    "impresa", "Bianchi Srl", "Capannori", "", "00378210462", "info@bianchi.example",
    "0583 123456", "", "", "Smart working; orari flessibili", "Marco", "Bianchi",
    "marco@bianchi.example", "legale rappresentante",
]  # fmt: skip
CHARITY = [
    "Ente del terzo settore", "Associazione Il Ponte", "Porcari", "00000010462",
    "", "", "", "", "", "Doposcuola", "", "", "", "",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def sheet(*rows, headers=HEADERS, **options) -> bytes:
    return csv_bytes([headers, *rows], **options)


def problems(report) -> list[tuple]:
    return [(p.row, p.column, p.message) for p in report.problems]


def snapshot():
    return (
        sorted(Member.objects.values_list("name", "phone", "email", "status")),
        sorted(Person.objects.values_list("email", "first_name")),
        Affiliation.objects.count(),
    )


def test_a_clean_file_creates_members_people_and_roles():
    report = members_import(content=sheet(FAMILY, BUSINESS, CHARITY))

    assert report.committed and report.ok
    assert (report.members_created, report.people_created) == (3, 2)
    family = Member.objects.get(name="Famiglia Rossi")
    assert family.kind == MemberKind.FAMILY
    assert family.source == MemberSource.IMPORT
    assert family.municipality == municipality("Lucca")
    assert family.phone == "+393331234567"
    assert family.joined_on == datetime.date(2025, 2, 1)
    assert sorted(family.needs.values_list("slug", flat=True)) == [
        "doposcuola",
        "nido",
    ]
    anna = family.affiliations.get().person
    assert (anna.email, anna.first_name) == ("anna.rossi@example.org", "Anna")
    business = Member.objects.get(partita_iva="00378210462")
    assert business.offers.count() == 2
    link = business.affiliations.get()
    assert link.role == AffiliationRole.LEGAL_REPRESENTATIVE
    assert link.start_date == datetime.date.today()
    assert Member.objects.get(name="Associazione Il Ponte").people.count() == 0


def test_the_import_is_recorded_in_each_members_history(coordinator):
    members_import(content=sheet(FAMILY), by=coordinator)

    record = Member.objects.get().history.get()
    assert (record.history_type, record.history_user) == ("+", coordinator)
    assert record.history_change_reason == "import"


def test_importing_the_same_file_again_changes_nothing():
    content = sheet(FAMILY, BUSINESS, CHARITY)
    members_import(content=content)
    before = snapshot()

    report = members_import(content=content)

    assert (report.members_created, report.members_updated) == (0, 0)
    assert report.members_unchanged == 3
    assert (report.people_created, report.affiliations_created) == (0, 0)
    assert not report.writes_anything
    assert snapshot() == before


def test_the_dry_run_writes_nothing_and_tells_what_would_happen():
    report = preview(sheet(FAMILY, BUSINESS))

    assert report.ok and report.members_created == 2
    assert [name for _row, name, _ in report.changes] == [
        "Famiglia Rossi",
        "Bianchi Srl",
    ]
    assert Member.objects.count() == 0


def test_members_are_matched_on_codice_fiscale_first():
    existing = OrganisationFactory(codice_fiscale="00000010462", name="Il Ponte APS")
    row = CHARITY.copy()
    row[6] = "0583 999888"

    report = members_import(content=sheet(row))

    assert (report.members_created, report.members_updated) == (0, 1)
    existing.refresh_from_db()
    assert existing.phone == "+390583999888"
    assert existing.name == "Associazione Il Ponte"


def test_members_are_matched_on_partita_iva_then_email():
    by_piva = OrganisationFactory(
        kind=MemberKind.BUSINESS,
        name="Bianchi Srl",
        partita_iva="00378210462",
        email="old@x.example",
    )
    by_email = FamilyFactory(email="ROSSI@example.org", phone="")

    report = members_import(content=sheet(FAMILY, BUSINESS))

    assert report.members_created == 0
    by_piva.refresh_from_db()
    by_email.refresh_from_db()
    assert by_piva.email == "info@bianchi.example"
    assert by_email.phone == "+393331234567"
    assert by_email.needs.count() == 2


def test_empty_cells_leave_existing_data_alone():
    family = FamilyFactory(email="rossi@example.org", notes="Segnalata dal nido")
    row = FAMILY.copy()
    row[6] = ""  # no phone in the file

    members_import(content=sheet(row))

    family.refresh_from_db()
    assert family.notes == "Segnalata dal nido"
    assert family.status == MemberStatus.ACTIVE


def test_a_member_with_two_contacts_takes_two_rows():
    second = BUSINESS.copy()
    second[10:14] = ["Lucia", "Neri", "lucia@bianchi.example", "referente"]

    report = members_import(content=sheet(BUSINESS, second))

    assert report.members_created == 1
    member = Member.objects.get()
    assert sorted(member.affiliations.values_list("role", flat=True)) == [
        AffiliationRole.CONTACT,
        AffiliationRole.LEGAL_REPRESENTATIVE,
    ]


def test_a_known_person_keeps_their_data_and_gains_the_new_role():
    anna = PersonFactory(email="anna.rossi@example.org", first_name="Annalisa")

    report = members_import(content=sheet(FAMILY))

    assert (report.people_created, report.affiliations_created) == (0, 1)
    anna.refresh_from_db()
    assert anna.first_name == "Annalisa"
    assert anna.affiliations.get().member.name == "Famiglia Rossi"


def test_a_contact_without_email_is_recognised_by_name_within_the_member():
    row = CHARITY.copy()
    row[10:14] = ["Gino", "Neri", "", "referente"]
    members_import(content=sheet(row))

    report = members_import(content=sheet(row))

    assert (report.people_created, report.affiliations_created) == (0, 0)
    assert Person.objects.count() == 1


def test_children_are_recorded_by_month_and_year_only():
    headers = ["Tipo", "Nome", "E-mail", "Figli (mese/anno di nascita)"]
    content = sheet(
        ["famiglia", "Famiglia Neri", "neri@example.org", "05/2022, 11/2024"],
        headers=headers,
    )
    members_import(content=content)
    report = members_import(content=content)

    assert report.children_created == 0
    assert sorted(Child.objects.values_list("birth_year", "birth_month")) == [
        (2022, 5),
        (2024, 11),
    ]


def test_a_role_that_ended_is_imported_with_its_end_date():
    headers = HEADERS + ["Referente dal", "Referente fino al"]
    row = BUSINESS + ["01/01/2020", "31/12/2024"]

    members_import(content=sheet(row, headers=headers))

    link = Affiliation.objects.get()
    assert (link.start_date, link.end_date) == (
        datetime.date(2020, 1, 1),
        datetime.date(2024, 12, 31),
    )


def test_an_open_role_is_ended_by_a_file_that_gives_its_end():
    link = AffiliationFactory(
        member=OrganisationFactory(
            name="Bianchi Srl", partita_iva="00378210462", kind="business"
        ),
        person=PersonFactory(email="marco@bianchi.example"),
        role=AffiliationRole.LEGAL_REPRESENTATIVE,
        start_date=datetime.date(2020, 1, 1),
    )
    headers = HEADERS + ["Referente fino al"]

    report = members_import(content=sheet(BUSINESS + ["30/06/2025"], headers=headers))

    assert (report.affiliations_created, report.affiliations_updated) == (0, 1)
    link.refresh_from_db()
    assert link.end_date == datetime.date(2025, 6, 30)


# Bad input: every problem named by row and column, nothing written --------------


def assert_refused(content, expected):
    before = snapshot()
    with pytest.raises(ImportRefused) as refused:
        members_import(content=content)
    assert snapshot() == before
    assert problems(refused.value.report) == expected


def test_one_bad_date_in_the_last_row_writes_nothing():
    rows = [FAMILY, BUSINESS, CHARITY[:7] + ["31/02/2025"] + CHARITY[8:]]

    assert_refused(
        sheet(*rows),
        [(4, "Data adesione", "“31/02/2025” is not a date that exists.")],
    )
    assert Member.objects.count() == Person.objects.count() == 0


def test_a_date_written_another_way_is_named():
    row = FAMILY.copy()
    row[7] = "1 febbraio 2025"

    assert_refused(
        sheet(row),
        [
            (
                2,
                "Data adesione",
                "“1 febbraio 2025” is not a date: write it as dd/mm/yyyy, "
                "e.g. 31/01/2025.",
            )
        ],
    )


def test_invalid_tax_codes_and_phones_are_named_by_row_and_column():
    business = BUSINESS.copy()
    business[4] = "00378210463"
    charity = CHARITY.copy()
    charity[3] = "ABCDEF12"
    family = FAMILY.copy()
    family[6] = "12"

    assert_refused(
        sheet(family, business, charity),
        [
            (2, "Telefono", "“12” is not a valid phone number."),
            (3, "P. IVA", "The partita IVA “00378210463” has a wrong check digit."),
            (
                4,
                "Codice fiscale",
                "A codice fiscale has 11 digits or 16 characters: “ABCDEF12” does not.",
            ),
        ],
    )


def test_an_unknown_comune_and_topic_are_named():
    row = FAMILY.copy()
    row[2], row[8] = "Pisa", "Nido d'infanzia, piscina"

    assert_refused(
        sheet(row),
        [
            (2, "Comune", "“Pisa” is not a comune we know (Province of Lucca)."),
            (2, "Esigenze", "“piscina” is not in the list of needs and offers."),
        ],
    )


def test_a_wrong_kind_is_refused_with_the_accepted_words():
    row = FAMILY.copy()
    row[0] = "condominio"

    assert_refused(
        sheet(row),
        [
            (
                2,
                "Tipo",
                "“condominio” is not one of: famiglia, ente del terzo settore, "
                "impresa, istituzione.",
            )
        ],
    )


def test_a_family_cannot_carry_a_partita_iva():
    row = FAMILY.copy()
    row[4] = "00378210462"

    assert_refused(
        sheet(row),
        [(2, "P. IVA", "A family has no codice fiscale or partita IVA of its own.")],
    )


def test_a_family_contact_must_be_a_parent_or_guardian():
    row = FAMILY.copy()
    row[13] = "legale rappresentante"

    assert_refused(
        sheet(row),
        [
            (
                2,
                "Ruolo referente",
                "People are linked to a family as parents or guardians.",
            )
        ],
    )


def test_a_contact_needs_a_name_and_a_valid_email():
    row = BUSINESS.copy()
    row[10], row[12] = "", "marco@"

    assert_refused(
        sheet(row),
        [
            (
                2,
                "Referente nome",
                "This cell is empty: a contact needs a first and last name.",
            ),
            (2, "Referente e-mail", "“marco@” is not a valid email address."),
        ],
    )


def test_a_row_repeated_in_the_file_is_a_duplicate():
    assert_refused(
        sheet(FAMILY, BUSINESS, FAMILY),
        [(4, None, "This row repeats row 2.")],
    )


def test_two_rows_that_disagree_about_one_member_are_named():
    other = BUSINESS.copy()
    other[6] = "0583 654321"
    other[12] = "lucia@bianchi.example"

    assert_refused(
        sheet(BUSINESS, other),
        [
            (
                3,
                "Telefono",
                "This row describes the same member as row 2, but this cell "
                "differs from it (“0583 654321”).",
            )
        ],
    )


def test_a_row_whose_codes_belong_to_two_members_is_refused():
    OrganisationFactory(name="Uno", codice_fiscale="00000010462")
    OrganisationFactory(name="Due", kind="business", partita_iva="00378210462")
    row = CHARITY.copy()
    row[4] = "00378210462"

    assert_refused(
        sheet(row),
        [
            (
                2,
                "P. IVA",
                "This partita IVA belongs to “Due”, while the codice fiscale "
                "belongs to “Uno”.",
            )
        ],
    )


def test_a_missing_required_column_is_named():
    headers = [h for h in HEADERS if h != "Tipo"]
    rows = [[c for h, c in zip(HEADERS, FAMILY, strict=True) if h != "Tipo"]]

    assert_refused(
        sheet(*rows, headers=headers),
        [(1, "Tipo", "The column is missing: every file needs it.")],
    )


def test_a_required_cell_left_empty_is_named():
    row = FAMILY.copy()
    row[1] = ""

    assert_refused(sheet(row), [(2, "Nome", "This cell is empty: every row needs it.")])


def test_a_value_containing_the_separator_is_caught():
    row = FAMILY.copy()
    row[1] = "Famiglia Rossi; Bianchi"
    content = sheet(row).replace(b'"Famiglia Rossi; Bianchi"', b"Famiglia Rossi; x")

    report = preview(content)

    assert problems(report) == [
        (
            2,
            None,
            "The row has more cells than the header has columns: a value probably "
            "contains the separator. Put that value in quotes.",
        )
    ]


def test_every_problem_of_the_file_is_listed_at_once():
    rows = []
    for n in range(30):
        row = FAMILY.copy()
        row[1], row[5], row[12] = f"Famiglia {n}", f"f{n}@x.example", ""
        row[7] = "99/99/2025" if n % 3 == 0 else "01/01/2025"
        rows.append(row)

    report = preview(sheet(*rows))

    assert [p.row for p in report.problems] == list(range(2, 32, 3))
    assert {p.column for p in report.problems} == {"Data adesione"}


def test_topics_added_by_coordinators_are_accepted():
    Topic.objects.create(slug="piscina", name="Piscina comunale")
    row = FAMILY.copy()
    row[8] = "piscina comunale"

    report = members_import(content=sheet(row))

    assert report.ok
    assert Member.objects.get().needs.get().slug == "piscina"
