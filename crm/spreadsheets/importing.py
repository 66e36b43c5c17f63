"""Importing a list from a spreadsheet: read, dry-run, describe, commit.

The file is read by the member import's reading layer (encodings, delimiters,
bomb-safe XLSX, ODS, JSON); its headings are matched to the Resource's columns
and synonyms; the library runs the rows (``import_data`` inside a transaction,
rolled back on any error or validation message, so a commit is all or
nothing). The :class:`Outcome` says per row what would happen — new, update
with its before → after changes, unchanged, error — and every problem by row
and column, in the user's language.
"""

from dataclasses import dataclass, field

import tablib
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.importing import Problem
from crm.importing.columns import normalise_label
from crm.importing.reading import Sheet, SpreadsheetError, read_spreadsheet

from .registry import Entry

NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"
_HEADER_SEARCH = 10  # rows a title may take above the headings


@dataclass
class RowReport:
    number: int
    kind: str
    title: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Outcome:
    entry: Entry
    rows: list[RowReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    committed: bool = False
    totals: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, kind: str) -> int:
        if self.totals is not None:
            return self.totals.get(kind, 0)
        return sum(1 for row in self.rows if row.kind == kind)

    @property
    def writes_anything(self) -> bool:
        return bool(self.count(NEW) or self.count(UPDATE))

    @property
    def changed_rows(self) -> list[RowReport]:
        return [row for row in self.rows if row.kind in (NEW, UPDATE)]

    def summary(self) -> str:
        total = self.totals.get("rows", 0) if self.totals else len(self.rows)
        parts = [
            ngettext("%(count)s new", "%(count)s new", self.count(NEW)),
            ngettext("%(count)s updated", "%(count)s updated", self.count(UPDATE)),
            ngettext(
                "%(count)s unchanged", "%(count)s unchanged", self.count(UNCHANGED)
            ),
        ]
        counts = (self.count(NEW), self.count(UPDATE), self.count(UNCHANGED))
        return _("%(rows)s: %(details)s.") % {
            "rows": ngettext("%(count)s row", "%(count)s rows", total)
            % {"count": total},
            "details": ", ".join(
                part % {"count": n} for part, n in zip(parts, counts, strict=True)
            ),
        }


def run_import(entry: Entry, content: bytes, filename: str = "", *, commit, user):
    """Check (``commit=False``) or import ``content`` into ``entry``'s list."""
    if entry.own_flow:
        from . import members

        return members.run_import(entry, content, filename, commit=commit, user=user)
    outcome = Outcome(entry=entry)
    try:
        sheet = read_spreadsheet(content, filename)
    except SpreadsheetError as error:
        outcome.problems.append(Problem(None, None, str(error)))
        return outcome
    resource = entry.resource_class()
    dataset, numbers = _dataset(resource, sheet, outcome)
    if outcome.problems:
        return outcome
    result = resource.import_data(
        dataset,
        dry_run=not commit,
        raise_errors=False,
        use_transactions=True,
        collect_failed_rows=True,
        rollback_on_validation_errors=True,
        user=user,
    )
    _describe(resource, result, numbers, outcome)
    outcome.committed = bool(commit and outcome.ok)
    return outcome


# ---------------------------------------------------------------------------
# From the sheet to the library's dataset


def _dataset(resource, sheet: Sheet, outcome: Outcome):
    by_label = resource.headers_by_label()
    header_row, headers, rows = _find_headers(sheet, by_label)
    positions, seen = [], {}
    for index, header in enumerate(headers):
        column = by_label.get(normalise_label(header))
        if column is None:
            if str(header).strip():
                outcome.ignored_columns.append(str(header))
            continue
        if column in seen:
            outcome.problems.append(
                Problem(
                    header_row,
                    str(header),
                    _("The column “%(column)s” appears twice.") % {"column": column},
                )
            )
            continue
        seen[column] = index
        positions.append((column, index))
    _missing_id_columns(resource, seen, positions, outcome, header_row)
    if not outcome.problems and not rows:
        outcome.problems.append(
            Problem(None, None, _("The file has headers but no rows."))
        )
    dataset = tablib.Dataset(headers=[column for column, _index in positions])
    numbers = []
    for number, cells in rows:
        dataset.append(
            [
                (cells[index] if index is not None and index < len(cells) else "")
                for _column, index in positions
            ]
        )
        numbers.append(number)
    return dataset, numbers


def _find_headers(sheet: Sheet, by_label):
    """The headings row: the first, or one below a title the user added."""
    candidates = [(sheet.header_row, sheet.headers)] + [
        (number, [str(c) for c in cells])
        for number, cells in sheet.rows[:_HEADER_SEARCH]
    ]
    for position, (number, cells) in enumerate(candidates):
        known = sum(1 for c in cells if normalise_label(c) in by_label)
        if known >= min(2, len(by_label)):
            return number, cells, sheet.rows[position:]
    return sheet.header_row, sheet.headers, sheet.rows


def _missing_id_columns(resource, seen, positions, outcome, header_row):
    for name in resource.get_import_id_fields():
        column = resource.fields[name].column_name
        if column in seen:
            continue
        if resource.fields[name].attribute == "id":
            positions.append((column, None))  # no codes: every row is looked up
        else:
            outcome.problems.append(
                Problem(
                    header_row,
                    column,
                    _("The column is missing: every file needs it."),
                )
            )


# ---------------------------------------------------------------------------
# From the library's result to rows and problems


def _describe(resource, result, numbers, outcome: Outcome) -> None:
    fields = resource.get_import_fields()
    columns = {f.attribute: f.column_name for f in fields if f.attribute}
    for index, row in enumerate(result.rows):
        number = numbers[index] if index < len(numbers) else index + 2
        report = RowReport(number=number, kind=_kind(row), title=row.object_repr or "")
        if row.validation_error is not None:
            _field_problems(row.validation_error, columns, number, outcome)
        for error in row.errors:
            outcome.problems.append(
                Problem(
                    number,
                    None,
                    _("This row cannot be imported: %(error)s")
                    % {"error": error.error},
                )
            )
        if report.kind in (NEW, UPDATE) and row.diff:
            report.changes = _changes(fields, row.diff)
            if report.kind == UPDATE and not report.changes:
                report.kind = UNCHANGED
        outcome.rows.append(report)
    for error in result.base_errors:  # the file as a whole, not a row
        outcome.problems.append(Problem(None, None, str(error.error)))


def _kind(row) -> str:
    return {"new": NEW, "update": UPDATE, "skip": UNCHANGED}.get(row.import_type, ERROR)


def _field_problems(error, columns, number, outcome) -> None:
    details = error.message_dict if hasattr(error, "error_dict") else {}
    if not details:
        details = {NON_FIELD_ERRORS: error.messages}
    for attribute, messages in details.items():
        column = columns.get(attribute)
        for message in messages:
            outcome.problems.append(Problem(number, column, message))


def _changes(fields, pairs) -> list[tuple[str, str, str]]:
    changes = []
    for field_, (before, after) in zip(fields, pairs, strict=False):
        if field_.readonly or not field_.attribute:
            continue
        before, after = _shown(before), _shown(after)
        if before != after:
            changes.append((field_.column_name, before, after))
    return changes


def _shown(value) -> str:
    return "" if value is None else str(value)
