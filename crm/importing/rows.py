"""From the cells of one row to validated member and contact data.

Each row is checked on its own here, with no database query: cell formats,
then the models' own ``clean_fields``/``clean`` (check digits, phone numbers,
what each kind of member may have). Every problem is kept, not just the first.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from crm.models import (
    AffiliationRole,
    Member,
    MemberKind,
    Municipality,
    Person,
    Topic,
)

from . import cells
from .columns import (
    COLUMN_BY_LABEL,
    COLUMNS_BY_KEY,
    INSTITUTION_WORDS,
    KIND_WORDS,
    PERSON_KEYS,
    ROLE_WORDS,
    STATUS_WORDS,
    normalise_label,
    vocabulary,
)
from .reading import Sheet


@dataclass(frozen=True)
class Problem:
    """Something wrong in the file, placed as the user sees it."""

    row: int | None
    column: str | None
    message: str

    def __str__(self):
        if self.row and self.column:
            return _("Row %(row)s, column “%(column)s”: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        if self.row:
            return _("Row %(row)s: %(message)s") % {
                "row": self.row,
                "message": self.message,
            }
        return self.message


@dataclass
class RowData:
    number: int
    member: dict = field(default_factory=dict)
    needs: list[int] | None = None
    offers: list[int] | None = None
    children: list[tuple[int, int]] | None = None
    person: dict | None = None
    role: str | None = None
    since: object = None
    until: object = None
    # The validated model instances, reused when the row creates them.
    member_instance: Member | None = None
    person_instance: Person | None = None


def _words(words: dict) -> list[str]:
    return [ws[0] for ws in words.values()]


_CHOICES = {
    "kind": (vocabulary(KIND_WORDS), _words(KIND_WORDS)),
    "status": (vocabulary(STATUS_WORDS), _words(STATUS_WORDS)),
    "institution_type": (vocabulary(INSTITUTION_WORDS), _words(INSTITUTION_WORDS)),
    "person_role": (vocabulary(ROLE_WORDS), _words(ROLE_WORDS)),
}
_PARSERS = {
    "joined_on": cells.date,
    "person_since": cells.date,
    "person_until": cells.date,
    "listed_publicly": cells.boolean,
    "employees": cells.whole_number,
    "postal_code": cells.digits,
    "ateco_code": cells.digits,
    "children": cells.months,
}
_MEMBER_KEYS = (
    "kind name status legal_name legal_form codice_fiscale partita_iva runts_number "
    "ateco_code employees institution_type address postal_code email phone "
    "joined_on listed_publicly notes"
).split()
# Cells the parsers above already turned into valid values: the model's own
# field checks would only repeat them, at a cost that shows on 10,000 rows.
# Phones and tax codes are normalised and checked by the models' clean(): their
# raw form (“0583 12 34 56”) may well be longer than the stored one.
_PARSED = {
    "kind",
    "status",
    "institution_type",
    "joined_on",
    "listed_publicly",
    "phone",
    "codice_fiscale",
    "partita_iva",
}
_MEMBER_FIELD_NAMES = [f.name for f in Member._meta.concrete_fields]
_PERSON_FIELD_NAMES = [f.name for f in Person._meta.concrete_fields]
_PROVINCE_SUFFIX = re.compile(r"\s*\([A-Za-z]{2}\)\s*$")


class Reference:
    """Comuni and topics, loaded once per import in two queries."""

    def __init__(self):
        self.municipalities = {}
        for pk, istat, name in Municipality.objects.values_list(
            "pk", "istat_code", "name"
        ):
            self.municipalities[istat] = pk
            self.municipalities[normalise_label(name)] = pk
        self.topics = {}
        for pk, slug, name, name_en in Topic.objects.values_list(
            "pk", "slug", "name", "name_en"
        ):
            for label in (slug, name, name_en):
                if label:
                    self.topics.setdefault(normalise_label(label), pk)

    def municipality(self, value) -> int:
        raw = str(value).strip()
        pk = self.municipalities.get(raw.zfill(6) if raw.isdecimal() else None)
        pk = pk or self.municipalities.get(
            normalise_label(_PROVINCE_SUFFIX.sub("", raw))
        )
        if pk is None:
            raise ValidationError(
                _("“%(value)s” is not a comune we know (Province of Lucca)."),
                params={"value": raw},
            )
        return pk

    def topic_ids(self, value) -> list[int]:
        found, unknown = [], []
        for label in cells.names(value):
            pk = self.topics.get(normalise_label(label))
            (found if pk else unknown).append(pk or label)
        if unknown:
            raise ValidationError(
                _("“%(value)s” is not in the list of needs and offers."),
                params={"value": "”, “".join(unknown)},
            )
        return list(dict.fromkeys(found))


class Layout:
    """Which column of the file holds what, from its header row."""

    def __init__(self, sheet: Sheet):
        self.index, self.headers, self.ignored = {}, {}, []
        self.problems: list[Problem] = []
        self.width = len(sheet.headers)
        for position, header in enumerate(sheet.headers):
            column = COLUMN_BY_LABEL.get(normalise_label(header))
            if column is None:
                if header.strip():
                    self.ignored.append(header)
                continue
            if column.key in self.index:
                self.problems.append(
                    Problem(
                        sheet.header_row,
                        header,
                        _("This column repeats “%(other)s”: keep only one of them.")
                        % {"other": self.headers[column.key]},
                    )
                )
                continue
            self.index[column.key] = position
            self.headers[column.key] = header
        self._require(sheet, "kind")
        if "name" not in self.index and "legal_name" not in self.index:
            self._require(sheet, "name")

    def _require(self, sheet, key):
        if key not in self.index:
            self.problems.append(
                Problem(
                    sheet.header_row,
                    COLUMNS_BY_KEY[key].header,
                    _("The column is missing: every file needs it."),
                )
            )

    def header(self, key: str) -> str:
        return self.headers.get(key) or COLUMNS_BY_KEY[key].header

    def values(self, cells_: list) -> dict:
        return {
            key: cells_[i]
            for key, i in self.index.items()
            if i < len(cells_) and cells_[i] not in ("", None)
        }


class RowReader:
    """Parses and validates rows against a layout and the reference data."""

    def __init__(self, layout: Layout, reference: Reference):
        self.layout = layout
        self.reference = reference

    def read(self, number: int, cells_: list) -> tuple[RowData, list[Problem]]:
        row, errors = RowData(number), {}
        if any(v not in ("", None) for v in cells_[self.layout.width :]):
            return row, [self._overflow(number)]
        values = self._parse(self.layout.values(cells_), errors)
        self._member(row, values, errors)
        self._person(row, values, errors)
        problems = [
            Problem(number, self.layout.header(key), message)
            for key, messages in errors.items()
            for message in messages
        ]
        return row, problems

    def _overflow(self, number) -> Problem:
        return Problem(
            number,
            None,
            _(
                "The row has more cells than the header has columns: a value "
                "probably contains the separator. Put that value in quotes."
            ),
        )

    def _parse(self, raw: dict, errors: dict) -> dict:
        values = {}
        for key, value in raw.items():
            try:
                if key in _CHOICES:
                    values[key] = cells.choice(value, *_CHOICES[key])
                elif key == "municipality":
                    values[key] = self.reference.municipality(value)
                elif key in ("needs", "offers"):
                    values[key] = self.reference.topic_ids(value)
                else:
                    values[key] = _PARSERS.get(key, cells.text)(value)
            except ValidationError as exc:
                errors.setdefault(key, []).extend(exc.messages)
        return values

    def _member(self, row: RowData, values: dict, errors: dict):
        fields = {k: values[k] for k in _MEMBER_KEYS if k in values}
        if "name" not in fields and "legal_name" in fields:
            fields["name"] = fields["legal_name"]
        for key in ("kind", "name"):
            if key not in fields and key not in errors:
                errors[key] = [_("This cell is empty: every row needs it.")]
        if "municipality" in values:
            fields["municipality_id"] = values["municipality"]
        row.needs, row.offers = values.get("needs"), values.get("offers")
        row.children = values.get("children")
        if row.children and fields.get("kind") != MemberKind.FAMILY:
            errors.setdefault("children", []).append(
                _("Only families have children recorded here.")
            )
        if "kind" in errors:
            return
        member = Member(**fields)
        given = set(fields) | {"municipality"}
        _validate(member, given, _MEMBER_FIELD_NAMES, errors)
        row.member = {k: getattr(member, k) for k in fields}
        row.member_instance = member

    def _person(self, row: RowData, values: dict, errors: dict):
        given = {k[len("person_") :]: values[k] for k in PERSON_KEYS if k in values}
        row.role = given.pop("role", None)
        row.since, row.until = given.pop("since", None), given.pop("until", None)
        if not given:
            if row.role or row.since or row.until:
                errors.setdefault("person_first_name", []).append(
                    _("The contact's role or dates are given, but not who they are.")
                )
            return
        for key in ("first_name", "last_name"):
            if key not in given and f"person_{key}" not in errors:
                errors[f"person_{key}"] = [
                    _("This cell is empty: a contact needs a first and last name.")
                ]
        person = Person(**given)
        _validate(person, set(given), _PERSON_FIELD_NAMES, errors, prefix="person_")
        if person.email:
            person.email = person.email.lower()
        row.person = {k: getattr(person, k) for k in given}
        row.person_instance = person
        self._role(row, errors)

    def _role(self, row: RowData, errors: dict):
        kind = row.member.get("kind")
        if kind is None:
            return
        is_family = kind == MemberKind.FAMILY
        if row.role is None:
            row.role = (
                AffiliationRole.GUARDIAN if is_family else AffiliationRole.CONTACT
            )
        elif is_family != (row.role == AffiliationRole.GUARDIAN):
            errors.setdefault("person_role", []).append(
                _("People are linked to a family as parents or guardians.")
                if is_family
                else _("Parents or guardians belong to families, not organisations.")
            )
        if row.since and row.until and row.until < row.since:
            errors.setdefault("person_until", []).append(
                _("The role ends before it starts.")
            )


def _validate(instance, given: set, field_names, errors: dict, prefix=""):
    """The model's own checks, limited to the fields the row gives."""
    exclude = {name for name in field_names if name not in given or name in _PARSED}
    found = {}
    try:
        instance.clean_fields(exclude=exclude | {"municipality"})
    except ValidationError as exc:
        found.update(exc.message_dict)
    try:
        instance.clean()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            found.setdefault(name, []).extend(messages)
    for name, messages in found.items():
        if name == NON_FIELD_ERRORS:
            name = "first_name" if prefix else "kind"
        key = "municipality" if name == "municipality_id" else prefix + name
        if key not in errors:
            errors[key] = list(messages)
