"""Members from the spreadsheets Italian offices keep, and back out to them.

The reading layer (``reading``) turns a CSV, XLSX, ODS or JSON file into rows;
``dataset_for`` maps its headers (synonyms included) onto the template's
columns in a ``tablib.Dataset``; ``run_import`` runs any django-import-export
resource over a dataset, all or nothing. ``preview(content)`` is the dry run
of the member import; writing goes through ``crm.services.members_import``.
"""

from dataclasses import dataclass, field

import tablib
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import IntegrityError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .columns import COLUMN_BY_LABEL, COLUMNS, COLUMNS_BY_KEY, HEADERS, normalise_label
from .reading import Sheet, SpreadsheetError, read_spreadsheet
from .resources import FILL, ROW, UPDATE, MemberResource

__all__ = [
    "COLUMNS",
    "FILL",
    "HEADERS",
    "UPDATE",
    "ImportRefused",
    "ImportReport",
    "MemberResource",
    "Problem",
    "SpreadsheetError",
    "dataset_for",
    "prepare",
    "preview",
    "ROW",
    "is_header",
    "read_dataset",
    "read_spreadsheet",
    "run_import",
]


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
class Line:
    """What the import does with one row, for the preview."""

    row: int
    name: str
    status: str  # new, update, unchanged, same (a further row of a member)
    first: int
    changes: list = field(default_factory=list)  # (column, before, after)


@dataclass
class ImportReport:
    rows: int = 0
    members_created: int = 0
    members_updated: int = 0
    members_unchanged: int = 0
    people_created: int = 0
    people_updated: int = 0
    affiliations_created: int = 0
    affiliations_updated: int = 0
    children_created: int = 0
    consents_given: int = 0
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    changes: list[tuple[int, str, str]] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    conflicts: list = field(default_factory=list)
    repairs: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    people_changes: list = field(default_factory=list)
    people_kept: list = field(default_factory=list)
    people_mode: str = FILL
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def only_conflicts(self) -> bool:
        """Every problem is a conflict the coordinator may confirm."""
        rows = {c.row for c in self.conflicts}
        return bool(rows) and all(p.row in rows for p in self.problems)

    @property
    def writes_anything(self) -> bool:
        return any(
            (
                self.members_created,
                self.members_updated,
                self.people_created,
                self.people_updated,
                self.affiliations_created,
                self.affiliations_updated,
                self.children_created,
                self.consents_given,
            )
        )

    def summary(self) -> str:
        rows = ngettext("%(rows)s row", "%(rows)s rows", self.rows) % {
            "rows": self.rows
        }
        return _(
            "%(rows)s: %(created)s members new, %(updated)s updated, "
            "%(unchanged)s unchanged; %(people)s people new, %(people_updated)s "
            "updated; %(links)s roles new, %(links_updated)s updated."
        ) % {
            "rows": rows,
            "created": self.members_created,
            "updated": self.members_updated,
            "unchanged": self.members_unchanged,
            "people": self.people_created,
            "people_updated": self.people_updated,
            "links": self.affiliations_created,
            "links_updated": self.affiliations_updated,
        }


class ImportRefused(Exception):
    """The file has problems: nothing was written. ``report`` lists them."""

    def __init__(self, report: ImportReport):
        super().__init__(report.problems[0] if report.problems else "")
        self.report = report


# Reading into a dataset ------------------------------------------------------


def is_header(cells) -> bool:
    """A row naming at least two of our columns is the header row."""
    found = {
        COLUMN_BY_LABEL[label].key
        for label in (normalise_label(c) for c in cells if isinstance(c, str))
        if label in COLUMN_BY_LABEL
    }
    return len(found) >= 2


def dataset_for(sheet: Sheet) -> tuple[tablib.Dataset, dict, list[str], list]:
    """The sheet's rows under the template's headers, each with its row number
    in ``ROW``; the file's own header of each column; the columns ignored;
    problems of the header and of rows with more cells than it has columns."""
    index, ignored, problems = {}, [], []
    for position, header in enumerate(sheet.headers):
        column = COLUMN_BY_LABEL.get(normalise_label(header))
        if column is None:
            if header.strip():
                ignored.append(header)
            continue
        if column.key in index:
            problems.append(
                Problem(
                    sheet.header_row,
                    header,
                    _("This column repeats “%(other)s”: keep only one of them.")
                    % {"other": sheet.headers[index[column.key]]},
                )
            )
            continue
        index[column.key] = position
    required = ["kind"] + ([] if "legal_name" in index else ["name"])
    for key in required:
        if key not in index:
            problems.append(
                Problem(
                    sheet.header_row,
                    COLUMNS_BY_KEY[key].header,
                    _("The column is missing: every file needs it."),
                )
            )
    keys = [c.key for c in COLUMNS if c.key in index]
    dataset = tablib.Dataset(headers=[COLUMNS_BY_KEY[k].header for k in keys] + [ROW])
    width = len(sheet.headers)
    for number, cells in sheet.rows:
        if any(v not in ("", None) for v in cells[width:]):
            problems.append(
                Problem(
                    number,
                    None,
                    _(
                        "The row has more cells than the header has columns: a "
                        "value probably contains the separator. Put that value "
                        "in quotes."
                    ),
                )
            )
            continue
        dataset.append(
            [cells[index[k]] if index[k] < len(cells) else "" for k in keys] + [number]
        )
    headers = {key: sheet.headers[position] for key, position in index.items()}
    return dataset, headers, ignored, problems


def read_dataset(content: bytes, filename: str = "", column=None) -> tablib.Dataset:
    """Any resource's dataset from a file as offices save it, each row's number
    in ``ROW``. ``column(header)`` gives the resource's column name for a
    header of the file (synonyms), or None to leave the column out; without it
    headers are kept as they are. Raises ``SpreadsheetError``."""
    column = column or (lambda header: header)

    def recognised(cells):
        return sum(1 for c in cells if isinstance(c, str) and column(c)) >= 2

    sheet = read_spreadsheet(content, filename, is_header=recognised)
    kept = [(i, column(h)) for i, h in enumerate(sheet.headers) if column(h)]
    dataset = tablib.Dataset(headers=[name for _i, name in kept] + [ROW])
    for number, cells in sheet.rows:
        dataset.append(
            [cells[i] if i < len(cells) else "" for i, _n in kept] + [number]
        )
    return dataset


# Running a resource ------------------------------------------------------------


def run_import(resource, dataset: tablib.Dataset, *, dry_run: bool, **kwargs):
    """Import ``dataset`` with ``resource`` all or nothing: one transaction,
    rolled back on any error or invalid row. A dry run of ``MemberResource``
    writes nothing at all (rows are checked, compared and counted, never
    saved), and is rolled back like any other. Returns the library's
    ``Result``: ``invalid_rows`` (field messages) and ``row_errors()`` (other
    exceptions of a row, e.g. a missing foreign key). An error of the import as
    a whole, other than a conflicting concurrent write, is raised."""
    result = resource.import_data(
        dataset,
        dry_run=dry_run,
        use_transactions=True,
        rollback_on_validation_errors=True,
        collect_failed_rows=False,
        raise_errors=False,
        **kwargs,
    )
    for error in result.base_errors:
        if not isinstance(error.error, IntegrityError):
            raise error.error
    return result


def preview(content: bytes, filename: str = "", **options) -> ImportReport:
    """The dry run: what importing ``content`` would do. Writes nothing."""
    return prepare(content, filename, dry_run=True, **options)


def prepare(
    content: bytes,
    filename: str = "",
    *,
    dry_run: bool = True,
    people: str = FILL,
    confirmed=(),
    by=None,
) -> ImportReport:
    """Read ``content`` and run the member import over it (see ``preview``)."""
    try:
        sheet = read_spreadsheet(content, filename, is_header=is_header)
    except SpreadsheetError as exc:
        return ImportReport(problems=[Problem(None, None, str(exc))])
    dataset, headers, ignored, problems = dataset_for(sheet)
    report = ImportReport(rows=len(sheet.rows), ignored_columns=ignored)
    report.people_mode = UPDATE if people == UPDATE else FILL
    if problems and any(p.row == sheet.header_row for p in problems):
        report.problems = problems
        return report
    if not sheet.rows:
        report.problems = [Problem(None, None, _("The file has headers but no rows."))]
        return report
    resource = MemberResource(
        people=people, confirmed=confirmed, by=by, file_headers=headers
    )
    result = run_import(resource, dataset, dry_run=dry_run or bool(problems))
    _fill(report, resource, result, problems)
    report.committed = not dry_run and report.ok
    return report


def _fill(report: ImportReport, resource, result, problems: list) -> None:
    numbers = resource.row_numbers
    for invalid in result.invalid_rows:
        number = numbers[invalid.number - 1]
        for key, messages in invalid.error_dict.items():
            column = None if key == NON_FIELD_ERRORS else resource.column_of(key)
            problems.extend(Problem(number, column, m) for m in messages)
    for _n, errors in result.row_errors():
        for error in errors:
            if not isinstance(error.error, IntegrityError):
                raise error.error  # a bug, not the file's fault: never hidden
        problems.append(Problem(None, None, _changed_meanwhile()))
    if result.base_errors:
        problems.append(Problem(None, None, _changed_meanwhile()))
    order = {c.header: i for i, c in enumerate(COLUMNS)}
    report.problems = sorted(
        set(problems), key=lambda p: (p.row or 0, order.get(p.column, -1), p.message)
    )
    report.conflicts = sorted(resource.conflicts.values(), key=lambda c: c.row)
    report.repairs = sorted(
        {(row, message) for row, ms in resource.repairs.items() for message in ms}
    )
    report.skipped = list(resource.skipped)
    if report.problems:
        return
    _count(report, resource)


def _changed_meanwhile() -> str:
    return _("The data changed while importing: try the import again.")


def _count(report: ImportReport, resource) -> None:
    people = resource.people_report
    touched = set(people.links_changed) | set(people.children_added)
    touched |= set(people.topics_added)
    for line in resource.lines:
        instance, first = line.instance, line.first == line.row
        state = resource.states[id(instance)]
        if not first:
            status = "same"
        elif state.new:
            status = "new"
            report.members_created += 1
            report.changes.append((line.row, instance.name, "created"))
        elif resource.changed_fields(instance) or instance.pk in touched:
            status = "update"
            report.members_updated += 1
            report.changes.append((line.row, instance.name, "updated"))
        else:
            status = "unchanged"
            report.members_unchanged += 1
        report.lines.append(
            Line(line.row, instance.name, status, line.first, line.changes)
        )
    for name in (
        "people_created",
        "people_updated",
        "affiliations_created",
        "affiliations_updated",
        "children_created",
        "consents_given",
    ):
        setattr(report, name, getattr(people, name))
    report.people_changes = people.changes
    report.people_kept = people.kept
    report.changes.sort()
