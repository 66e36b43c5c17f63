"""The member import against malformed and hostile spreadsheets.

Hypothesis builds CSV and XLSX files — plausible rows mixed with formulas,
huge cells, odd digits and control characters — saves them in the encodings
and with the delimiters offices use, then often damages them (truncated, bytes
flipped, garbage spliced in). For every file: no exception reaches the user,
the dry run and the import agree, a refusal is a clear Italian message placed
by row and column or about the whole file, and a refused import writes nothing
(members, people, affiliations and children counted before and after).
"""

import io
import re
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import translation
from hypothesis import event, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from crm.importing import ImportRefused, preview
from crm.models import Affiliation, Child, Member, Person
from crm.services import members_import
from tests.factories import csv_bytes, xlsx_bytes
from tests.pact.test_handover_fuzz import inflated

pytestmark = pytest.mark.django_db

__all__ = ["inflated"]  # the fixture, imported to be used here

UPLOAD = "/admin/rete/importa/"
FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example";"clic")',
    "+SUM(1;2)",
    "-2+3",
    "@SUM(A1)",
    "'=1+1",
    "\t=1+1",
]
# Characters that trip naive parsing: digits int() refuses, bidi marks, BOMs,
# line separators, NUL and other controls, surrogate-free astral symbols.
TRICKY = ["²", "½", "٣", "①", "\u202e", "\ufeff", "\u2028", "\x00", "\x1b", "😀", '"']
KINDS = ["famiglia", "impresa", "ente del terzo settore", "istituzione", "Famiglia"]
COMUNI = ["Lucca", "Capannori", "046017", "Porcari (LU)", "Roma"]

# --- what a file is made of ----------------------------------------------------

tricky_text = st.lists(
    st.one_of(st.sampled_from(TRICKY), st.text(max_size=5)), max_size=4
).map("".join)
any_cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(FORMULAS),
    tricky_text,
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.just(""),
)


def cell(*plausible: str):
    """What a user typed in a column: plausible values, or anything at all."""
    return st.one_of(st.sampled_from(plausible), any_cell)


NAMES = st.from_regex(r"[A-Z][a-zà-ù]{2,12}( [A-Z][a-z]{2,9})?", fullmatch=True)
CELLS = {
    "Tipo": cell(*KINDS),
    "Nome": st.one_of(NAMES, any_cell),
    "Comune": cell(*COMUNI),
    "E-mail": st.one_of(st.emails(), any_cell),
    "Telefono": cell("0583 123456", "+39 333 1234567"),
    "Data adesione": cell("03/02/2025", "31/02/2025", "2025-01-31"),
    "Numero dipendenti": cell("12", "1.200", "²", "-3"),
    "Figli (mese/anno di nascita)": cell("05/2022, 11/2024", "13/2022"),
    "Note": any_cell,
    "Referente nome": cell("Giulia", ""),
    "Referente cognome": cell("Bianchi", ""),
    "Referente e-mail": st.one_of(st.emails(), any_cell),
}


# Files an office would send, so that many examples import.
TIDY = {
    "Tipo": st.sampled_from(KINDS[:2]),
    "Comune": st.sampled_from(COMUNI[:4]),
    "E-mail": st.emails(),
    "Telefono": st.sampled_from(["0583 123456", "+39 333 1234567", ""]),
    "Data adesione": st.sampled_from(["03/02/2025", "2025-01-31", ""]),
    "Note": st.one_of(st.sampled_from(FORMULAS), st.text(max_size=30)),
    "Nome": NAMES,
    "Numero dipendenti": st.just(""),
    "Figli (mese/anno di nascita)": st.just(""),
    "Referente nome": st.sampled_from(["Giulia", "Anna Maria"]),
    "Referente cognome": st.sampled_from(["Bianchi", "=Rossi"]),
    "Referente e-mail": st.emails(),
}


@st.composite
def tables(draw):
    """Headers (mostly ours, sometimes wrong or repeated) and rows of cells."""
    headers = draw(
        st.lists(st.sampled_from(sorted(CELLS)), min_size=1, unique=True).map(
            lambda chosen: [
                "Tipo",
                "Nome",
                *[h for h in chosen if h not in ("Tipo", "Nome")],
            ]
        )
    )
    if draw(st.integers(0, 9)) == 0:  # a header that is not ours, or repeated
        headers.insert(
            draw(st.integers(0, len(headers))),
            draw(st.sampled_from(["Tipologia", "Colonna X", ""])),
        )
    tidy = draw(st.booleans())
    kinds = {**CELLS, **TIDY} if tidy else CELLS
    rows = draw(
        st.lists(
            st.tuples(*[kinds.get(h, any_cell) for h in headers]).map(list),
            min_size=0 if not tidy else 1,
            max_size=6,
        )
    )
    if rows and draw(st.integers(0, 14)) == 0:  # one huge cell
        rows[0][draw(st.integers(0, len(headers) - 1))] = "x" * 1_000_000
    return [headers, *rows]


def as_csv(table, encoding: str, delimiter: str) -> bytes:
    text = csv_bytes(table, delimiter=delimiter, encoding="utf-8").decode("utf-8")
    return text.encode(encoding, errors="replace")


def as_xlsx(table, extra_sheets: int) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in table:
        sheet.append(
            [ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row]
        )
    for n in range(extra_sheets):
        workbook.create_sheet(f"Altro {n}").append(["Tipo", "Nome", "=1+1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@st.composite
def files(draw) -> tuple[bytes, str]:
    """A spreadsheet as offices save it, then maybe damaged."""
    table = draw(tables())
    if draw(st.booleans()):
        content = as_xlsx(table, draw(st.integers(0, 2)))
        name = "soci.xlsx"
    else:
        encoding = draw(
            st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"])
        )
        delimiter = draw(st.sampled_from([";", ",", "\t", "|"]))
        content = as_csv(table, encoding, delimiter)
        name = draw(st.sampled_from(["soci.csv", "soci.txt", "soci.xlsx"]))
    return draw(damaged(content)), name


@st.composite
def damaged(draw, content: bytes) -> bytes:
    how = draw(
        st.sampled_from(["intact"] * 4 + ["truncate", "flip", "splice", "garbage"])
    )
    if how == "intact" or not content:
        return content
    if how == "truncate":
        return content[: draw(st.integers(0, len(content) - 1))]
    if how == "garbage":
        return draw(
            st.sampled_from([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\xff\xfe"])
        ) + draw(st.binary(max_size=2000))
    data = bytearray(content)
    if how == "flip":
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(data) - 1))
            data[at] = draw(st.integers(0, 255))
        return bytes(data)
    at = draw(st.integers(0, len(data)))
    inserted = draw(st.binary(min_size=1, max_size=64))
    return bytes(data[:at]) + inserted + bytes(data[at:])


# --- what must hold ----------------------------------------------------------------


def counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Member, Person, Affiliation, Child)
    }


@contextmanager
def rolled_back():
    """Each example on its own: what it wrote goes when it ends."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


ITALIAN_FILE_MESSAGES = (
    "Il file",  # è vuoto, non è un foglio…, è malformato…, ha più di…, sembra…
    "Questo è un vecchio file Excel",
)


def assert_clear(report) -> None:
    """Every problem is an Italian sentence, placed by row (and column) when it
    belongs to one; a file-level problem says what is wrong with the file."""
    for problem in report.problems:
        text = str(problem)
        assert problem.message.strip(), report.problems
        if problem.row:
            assert re.match(rf"Riga {problem.row}(, colonna “[^”]*”)?: \S", text), text
        else:
            assert text.startswith(ITALIAN_FILE_MESSAGES), text


def check(content: bytes, name: str) -> None:
    with translation.override("it"), rolled_back():
        before = counts()
        report = preview(content, name)
        assert_clear(report)
        assert counts() == before, "the dry run wrote something"
        try:
            done = members_import(content=content, filename=name)
        except ImportRefused as refused:
            event("refused: " + ("rows" if report.rows else "file"))
            assert not report.ok, "the dry run passed, the import refused"
            assert refused.report.problems
            assert_clear(refused.report)
            assert counts() == before, "a refused import left rows behind"
            return
        event("imported")
        assert report.ok, "the dry run found problems, the import went ahead"
        after = counts()
        assert after["Member"] - before["Member"] == done.members_created
        assert after["Person"] - before["Person"] == done.people_created
        assert after["Child"] - before["Child"] == done.children_created


HUGE_HEADERS = ["Tipo", "Nome", "Note"]
HUGE_ROW = ["famiglia", "Famiglia Rossi", "=cmd|' /C calc'!A0" + "x" * 1_000_000]


@given(files())
@example((b"", "soci.csv"))
@example((b"Tipo;Nome\r\n", "soci.csv"))
@example((b"Colonna;Altra\r\nx;y\r\n", "soci.csv"))
@example(("Tipo;Nome;Numero dipendenti\r\nimpresa;Bottega;²\r\n".encode(), "soci.csv"))
@example(
    ("Tipo\tNome\tNote\r\nfamiglia\tRossi\tA\x00B\r\n".encode("utf-16"), "soci.txt")
)
@example((b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "soci.xlsx"))
@example((xlsx_bytes([["Tipo", "Nome"], ["famiglia", "Rossi"]])[:700], "soci.xlsx"))
@example((b"PK\x03\x04" + b"\x00" * 200, "soci.xlsx"))
@example((b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "soci.xls"))
@example((as_csv([HUGE_HEADERS, HUGE_ROW], "utf-8", ";"), "soci.csv"))
@example((as_xlsx([HUGE_HEADERS, HUGE_ROW], 0), "soci.xlsx"))
@example((as_xlsx([["Tipo", "Nome"], ["famiglia", "x" * 1_000_000]], 1), "soci.xlsx"))
def test_any_file_gets_a_preview_or_a_clear_refusal_and_never_half_an_import(file):
    check(*file)


# --- the same files through the admin pages ----------------------------------------


@pytest.fixture
def italian_coordinator_client(coordinator_client, coordinator):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(coordinator)
    profile.preferred_language = "it"
    profile.save()
    return coordinator_client


def upload(client, content: bytes, name: str):
    file = io.BytesIO(content)
    file.name = name
    return client.post(UPLOAD, {"file": file})


@hsettings(max_examples=max(5, hsettings().max_examples // 3))
@given(files())
def test_the_admin_pages_never_fail_and_a_refused_confirm_writes_nothing(
    italian_coordinator_client, file
):
    client = italian_coordinator_client
    content, name = file
    with rolled_back():
        before = counts()
        response = upload(client, content, name)
        if response.status_code == 200:  # the form refused the file itself
            errors = response.context["form"].errors["file"]
            assert errors and all(e.startswith("Il file") for e in errors), errors
            return
        assert response.status_code == 302, response.status_code
        shown = client.get(response["Location"])
        assert shown.status_code == 200
        report = shown.context["report"]
        assert_clear(report)
        token = re.search(r"token=([^&]+)", response["Location"]).group(1)
        from urllib.parse import unquote

        confirmed = client.post(f"{UPLOAD}conferma/", {"token": unquote(token)})
        if report.ok:
            assert confirmed.status_code == 302
        else:
            assert confirmed.status_code == 200
            assert "Non è stato importato nulla" in confirmed.content.decode()
            assert counts() == before


def test_a_file_above_the_upload_limit_is_refused_in_italian(
    italian_coordinator_client, monkeypatch
):
    from crm.backoffice import importing_views

    monkeypatch.setattr(importing_views, "MAX_UPLOAD", 1024)
    response = upload(
        italian_coordinator_client, b"Tipo;Nome\r\n" + b"x" * 2048, "soci.csv"
    )

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "Il file supera 0 MB: dividilo in file più piccoli."
    ]
    assert Member.objects.count() == 0


# --- the command -----------------------------------------------------------------


@hsettings(max_examples=max(5, hsettings().max_examples // 3))
@given(files())
def test_the_command_exits_with_a_status_and_messages_never_a_traceback(
    tmp_path_factory, file
):
    content, name = file
    path = tmp_path_factory.mktemp("import") / name
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    with translation.override("it"), rolled_back():
        before = counts()
        try:
            call_command(
                "import_members", str(path), "--commit", stdout=out, stderr=err
            )
        except SystemExit as exit_:
            assert exit_.code == 1
            assert "Non è stato scritto nulla." in err.getvalue()
            assert counts() == before
        else:
            assert "Importazione completata." in out.getvalue()


# --- XLSX bombs: an XLSX is a ZIP -------------------------------------------------


def xlsx_with(extra) -> bytes:
    """A genuine workbook plus ``extra`` entries ``(name, deflated, crc, size)``,
    the sizes as declared, whatever the data holds."""
    import zipfile
    import zlib

    from tests.pact.test_handover_fuzz import raw_zip

    entries = []
    genuine = xlsx_bytes([["Tipo", "Nome"], ["famiglia", "Famiglia Rossi"]])
    with zipfile.ZipFile(io.BytesIO(genuine)) as zf:
        for info in zf.infolist():
            body = zf.read(info)
            squeeze = zlib.compressobj(6, zlib.DEFLATED, -15)
            deflated = squeeze.compress(body) + squeeze.flush()
            entries.append((info.filename, deflated, zlib.crc32(body), len(body)))
    return raw_zip([*entries, *extra])


def test_a_genuine_workbook_rebuilt_by_hand_imports():
    with translation.override("it"):
        report = preview(xlsx_with([]), "soci.xlsx")
    assert report.ok and report.members_created == 1, report.problems


def test_an_xlsx_declaring_a_gigabyte_is_refused_before_inflating(inflated):
    from tests.pact.test_handover_fuzz import GIB, deflated_zeros

    deflated, crc = deflated_zeros(GIB)
    content = xlsx_with([("xl/media/image1.png", deflated, crc, GIB)])
    inflated["bytes"] = 0  # building the file counted

    with translation.override("it"):
        report = preview(content, "soci.xlsx")

    assert [str(p) for p in report.problems] == [
        "Il file, una volta decompresso, supererebbe 256 MB: è danneggiato o non "
        "è una vera cartella di lavoro. Salvalo di nuovo come .xlsx o CSV."
    ]
    assert inflated["bytes"] == 0


@pytest.mark.parametrize("part", ["[Content_Types].xml", "xl/workbook.xml"])
def test_an_xlsx_whose_part_lies_about_its_size_stops_at_the_lie(inflated, part):
    """A part declared as a kilobyte that inflates to a gigabyte (openpyxl
    reads these parts whole: a gigabyte in memory before the fix): reading
    stops at the kilobyte, and the file is refused as damaged."""
    from tests.pact.test_handover_fuzz import GIB, deflated_zeros

    deflated, crc = deflated_zeros(GIB)
    content = xlsx_with([(part, deflated, crc, 1024)])
    inflated["bytes"] = 0  # building the file counted

    with translation.override("it"):
        report = preview(content, "soci.xlsx")

    assert len(report.problems) == 1
    assert str(report.problems[0]).startswith("Il file sembra un file Excel")
    assert inflated["bytes"] <= 1024**2


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"Tipo;Nome\r\nfamiglia;" + b"x" * 200_000 + b"\r\n", "una cella supera"),
        (b'Tipo;Nome\r\nfamiglia;"Rossi\r\n', "il file finisce dentro"),
        (
            b'Tipo;Nome\r\nfamiglia;"Rossi"x\r\n',
            "testo dopo le virgolette che chiudono",
        ),
    ],
    ids=["huge cell", "open quote", "text after quote"],
)
def test_a_malformed_csv_says_why_in_italian(content, reason):
    with translation.override("it"):
        [problem] = preview(content, "soci.csv").problems

    assert str(problem).startswith("Il file non è ben formato alla riga 2 (")
    assert reason in str(problem)
