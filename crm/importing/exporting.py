"""Members out, in the import's own columns, so an export imports back as is.

A member with several people takes one row per affiliation, its own columns
repeated; a member with nobody linked takes one row with the contact empty.
"""

import datetime
import io

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from crm.models import Affiliation, Consent, ConsentPurpose, Member
from crm.validators import format_phone

from .columns import (
    COLUMNS,
    HEADERS,
    INSTITUTION_WORDS,
    KIND_WORDS,
    ROLE_WORDS,
    STATUS_WORDS,
    export_word,
)

FORMAT_NAME = "lucca-in-famiglia/members"
FORMAT_VERSION = 1


def members_for_export(queryset=None):
    """Members with everything an export row shows, in a fixed number of queries."""
    queryset = Member.objects.all() if queryset is None else queryset
    links = Affiliation.objects.select_related("person").order_by(
        "role", "person__last_name", "person__first_name", "start_date", "pk"
    )
    privacy = Consent.objects.in_force().filter(purpose=ConsentPurpose.PRIVACY)
    return (
        queryset.select_related("municipality")
        .prefetch_related(
            "needs",
            "offers",
            "children",
            Prefetch("affiliations", queryset=links),
            Prefetch(
                "affiliations__person__consents",
                queryset=privacy,
                to_attr="privacy_consents",
            ),
        )
        .order_by("name", "pk")
    )


def export_rows(queryset=None):
    """One list of cells per member and affiliation, in ``HEADERS`` order."""
    for member in members_for_export(queryset).iterator(chunk_size=1000):
        cells = _member_cells(member)
        links = list(member.affiliations.all()) or [None]
        for link in links:
            yield cells + _link_cells(link)


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _member_cells(m: Member) -> list:
    children = ", ".join(
        f"{c.birth_month:02d}/{c.birth_year}" for c in m.children.all()
    )
    return [
        export_word(KIND_WORDS, m.kind),
        m.name,
        export_word(STATUS_WORDS, m.status),
        m.legal_name,
        m.legal_form,
        m.codice_fiscale or "",
        m.partita_iva or "",
        m.runts_number,
        m.ateco_code,
        "" if m.employees is None else m.employees,
        export_word(INSTITUTION_WORDS, m.institution_type),
        m.municipality.name if m.municipality else "",
        m.address,
        m.postal_code,
        m.email,
        format_phone(m.phone),
        _date(m.joined_on),
        ", ".join(t.name for t in m.needs.all()),
        ", ".join(t.name for t in m.offers.all()),
        "Sì" if m.listed_publicly else "No",
        children,
        m.notes,
    ]


def _link_cells(link: Affiliation | None) -> list:
    if link is None:
        return [""] * 9
    p = link.person
    return [
        p.first_name,
        p.last_name,
        p.email or "",
        format_phone(p.phone),
        p.codice_fiscale or "",
        export_word(ROLE_WORDS, link.role),
        _date(link.start_date),
        _date(link.end_date),
        "Sì" if _current_privacy(p) else "",
    ]


def _current_privacy(person) -> bool:
    from crm.area import PRIVACY_NOTICE_VERSION

    consents = getattr(person, "privacy_consents", None)
    if consents is None:
        consents = person.consents.in_force().filter(purpose=ConsentPurpose.PRIVACY)
    return any(c.notice_version == PRIVACY_NOTICE_VERSION for c in consents)


def export_json(queryset=None) -> dict:
    """The same data for machines: ISO dates, codes instead of words."""
    members = [_member_json(m) for m in members_for_export(queryset).iterator(1000)]
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "count": len(members),
        "members": members,
    }


def _iso(value):
    return value.isoformat() if value else None


def _member_json(m: Member) -> dict:
    fields = (
        "kind name status legal_name legal_form codice_fiscale partita_iva "
        "runts_number ateco_code employees institution_type address postal_code "
        "email phone notes listed_publicly source"
    ).split()
    data = {"id": m.pk, **{f: getattr(m, f) for f in fields}}
    data["joined_on"] = _iso(m.joined_on)
    data["municipality"] = m.municipality.istat_code if m.municipality else None
    data["needs"] = [t.slug for t in m.needs.all()]
    data["offers"] = [t.slug for t in m.offers.all()]
    data["children"] = [
        {"birth_year": c.birth_year, "birth_month": c.birth_month}
        for c in m.children.all()
    ]
    data["people"] = [_link_json(link) for link in m.affiliations.all()]
    return data


def _link_json(link: Affiliation) -> dict:
    p = link.person
    return {
        "id": p.pk,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "email": p.email,
        "phone": p.phone,
        "codice_fiscale": p.codice_fiscale,
        "role": link.role,
        "start_date": _iso(link.start_date),
        "end_date": _iso(link.end_date),
        "privacy": _current_privacy(p),
    }


def json_records(data: dict) -> list[list]:
    """The JSON export read back as the spreadsheet's rows, headers first."""
    records = [list(HEADERS)]
    for m in data["members"]:
        if not isinstance(m, dict):
            continue
        member = _json_member_cells(m)
        people = [p for p in m.get("people") or [] if isinstance(p, dict)]
        for person in people or [None]:
            records.append(member + _json_person_cells(person))
    return records


def _json_member_cells(m: dict) -> list:
    def text(key):
        value = m.get(key)
        return "" if value is None else value

    children = ", ".join(
        f"{c.get('birth_month', 0):02d}/{c.get('birth_year', '')}"
        for c in m.get("children") or []
        if isinstance(c, dict)
    )
    listed = m.get("listed_publicly")
    return [
        export_word(KIND_WORDS, m.get("kind")) or text("kind"),
        text("name"),
        export_word(STATUS_WORDS, m.get("status")) or text("status"),
        text("legal_name"),
        text("legal_form"),
        text("codice_fiscale"),
        text("partita_iva"),
        text("runts_number"),
        text("ateco_code"),
        text("employees"),
        export_word(INSTITUTION_WORDS, m.get("institution_type")),
        text("municipality"),
        text("address"),
        text("postal_code"),
        text("email"),
        text("phone"),
        text("joined_on"),
        ", ".join(str(t) for t in m.get("needs") or []),
        ", ".join(str(t) for t in m.get("offers") or []),
        "" if listed is None else ("Sì" if listed else "No"),
        children,
        text("notes"),
    ]


def _json_person_cells(p: dict | None) -> list:
    if p is None:
        return [""] * 9
    return [
        p.get("first_name") or "",
        p.get("last_name") or "",
        p.get("email") or "",
        p.get("phone") or "",
        p.get("codice_fiscale") or "",
        export_word(ROLE_WORDS, p.get("role")) or (p.get("role") or ""),
        p.get("start_date") or "",
        p.get("end_date") or "",
        "Sì" if p.get("privacy") else "",
    ]


# The template -------------------------------------------------------------------

EXAMPLE_ROW = {
    "kind": "ente del terzo settore",
    "name": "Associazione Esempio",
    "status": "aderente",
    "legal_name": "Associazione Esempio APS",
    "legal_form": "Associazione di promozione sociale",
    "codice_fiscale": "92012340466",
    "runts_number": "123456",
    "municipality": "Lucca",
    "address": "Via Fillungo 1",
    "postal_code": "55100",
    "email": "info@associazione-esempio.example",
    "phone": "0583 123456",
    "joined_on": datetime.date(2025, 1, 15),
    "offers": "Doposcuola, Centri estivi",
    "listed_publicly": "Sì",
    "notes": "Riga di esempio: cancellarla prima dell'importazione.",
    "person_first_name": "Maria",
    "person_last_name": "Bianchi",
    "person_email": "maria.bianchi@associazione-esempio.example",
    "person_phone": "333 123 4567",
    "person_codice_fiscale": "BNCMRA80C52E715D",
    "person_role": "legale rappresentante",
    "person_since": datetime.date(2025, 1, 15),
    "person_privacy": "Sì",
}


def _help():
    words = {
        "kind": KIND_WORDS,
        "status": STATUS_WORDS,
        "institution_type": INSTITUTION_WORDS,
        "person_role": ROLE_WORDS,
    }
    notes = {
        "kind": _("Required."),
        "name": _("Required (or “Ragione sociale”)."),
        "codice_fiscale": _("Organisations only: 11 digits or 16 characters."),
        "partita_iva": _("Organisations only: 11 digits."),
        "runts_number": _("Third-sector bodies only."),
        "institution_type": _("Institutions only."),
        "municipality": _("A comune of the Province of Lucca, or its ISTAT code."),
        "joined_on": _("A date, dd/mm/yyyy."),
        "needs": _("Names from the list of needs and offers, separated by commas."),
        "offers": _("Names from the list of needs and offers, separated by commas."),
        "listed_publicly": _("Sì or No."),
        "children": _("Families only: month and year of birth, e.g. 05/2022, 11/2024."),
        "person_email": _("Identifies the contact: the same email is the same person."),
        "person_since": _("A date, dd/mm/yyyy. Empty: the day of the import."),
        "person_until": _("A date, dd/mm/yyyy, for a role that has ended."),
        "person_privacy": _(
            "Sì if the contact accepted the current privacy notice; empty or No "
            "leaves their consents as they are."
        ),
    }
    for column in COLUMNS:
        allowed = (
            ", ".join(ws[0] for ws in words[column.key].values())
            if (column.key in words)
            else ""
        )
        yield column, notes.get(column.key, ""), allowed


def template_xlsx_bytes() -> bytes:
    """The import template: headers, one example row, and a sheet of help."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Soggetti"
    sheet.append(HEADERS)
    sheet.append([EXAMPLE_ROW.get(c.key, "") for c in COLUMNS])
    bold = Font(bold=True)
    for position, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=position)
        cell.font = bold
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(14, len(column.header) + 4)
        if isinstance(EXAMPLE_ROW.get(column.key), datetime.date):
            sheet.cell(row=2, column=position).number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "A2"
    _dropdowns(sheet)
    helpsheet = workbook.create_sheet(_("Instructions")[:31])
    helpsheet.append([_("Column"), _("What to write"), _("Accepted values")])
    for cell in helpsheet[1]:
        cell.font = bold
    for column, note, allowed in _help():
        helpsheet.append([column.header, note, allowed])
    for letter, width in (("A", 30), ("B", 70), ("C", 60)):
        helpsheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _dropdowns(sheet) -> None:
    lists = {
        "kind": KIND_WORDS,
        "status": STATUS_WORDS,
        "institution_type": INSTITUTION_WORDS,
        "person_role": ROLE_WORDS,
        "listed_publicly": {True: ("Sì",), False: ("No",)},
        "person_privacy": {True: ("Sì",), False: ("No",)},
    }
    for position, column in enumerate(COLUMNS, start=1):
        if column.key not in lists:
            continue
        words = ",".join(ws[0] for ws in lists[column.key].values())
        validation = DataValidation(
            type="list", formula1=f'"{words}"', allow_blank=True
        )
        letter = sheet.cell(row=1, column=position).column_letter
        validation.add(f"{letter}2:{letter}5000")
        sheet.add_data_validation(validation)
