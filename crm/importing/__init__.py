"""Members from the spreadsheets Italian offices keep, and back out to them.

``preview(content)`` is the dry run: an :class:`ImportReport` listing what would
be created, updated or left alone, and every problem by row and column.
Writing goes through ``crm.services.members_import``, all or nothing.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .columns import COLUMNS, HEADERS
from .plan import Planner
from .reading import Sheet, SpreadsheetError, read_spreadsheet
from .rows import Layout, Problem, Reference, RowReader

__all__ = [
    "COLUMNS",
    "HEADERS",
    "ImportRefused",
    "ImportReport",
    "Problem",
    "SpreadsheetError",
    "prepare",
    "preview",
    "read_spreadsheet",
]


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
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    changes: list[tuple[int, str, str]] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

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
            )
        )

    def summary(self) -> str:
        return _(
            "%(rows)s rows: %(created)s members new, %(updated)s updated, "
            "%(unchanged)s unchanged; %(people)s people new, %(people_updated)s "
            "updated; %(links)s roles new, %(links_updated)s updated."
        ) % {
            "rows": self.rows,
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


def preview(content: bytes, filename: str = "") -> ImportReport:
    """The dry run: what importing ``content`` would do. Writes nothing."""
    return prepare(content, filename)[0]


def prepare(content: bytes, filename: str = "") -> tuple[ImportReport, Planner | None]:
    try:
        sheet = read_spreadsheet(content, filename)
    except SpreadsheetError as exc:
        return ImportReport(problems=[Problem(None, None, str(exc))]), None
    report = ImportReport(rows=len(sheet.rows))
    layout = Layout(sheet)
    report.ignored_columns = layout.ignored
    if layout.problems:
        report.problems = layout.problems
        return report, None
    if not sheet.rows:
        report.problems = [Problem(None, None, _("The file has headers but no rows."))]
        return report, None
    planner = _plan(sheet, layout)
    _count(report, planner)
    report.problems = sorted(
        planner.problems, key=lambda p: (p.row or 0, _position(layout, p.column))
    )
    return report, planner


def _plan(sheet: Sheet, layout: Layout) -> Planner:
    reader = RowReader(layout, Reference())
    rows, problems = [], []
    for number, cells in sheet.rows:
        row, found = reader.read(number, cells)
        if found:
            problems.extend(found)
        else:
            rows.append(row)
    planner = Planner(layout, rows).build()
    planner.problems[:0] = problems
    return planner


def _position(layout: Layout, column: str | None) -> int:
    for key, header in layout.headers.items():
        if header == column:
            return layout.index[key]
    return -1


def _count(report: ImportReport, planner: Planner) -> None:
    for plan in planner.members:
        if plan.member is None:
            continue
        if plan.created:
            report.members_created += 1
            report.changes.append((plan.first, plan.member.name, "created"))
        elif plan.updated:
            report.members_updated += 1
            report.changes.append((plan.first, plan.member.name, "updated"))
        else:
            report.members_unchanged += 1
        report.children_created += len(plan.children_add)
    for plan in planner.people:
        if plan.person is not None:
            report.people_created += plan.created
            report.people_updated += bool(not plan.created and plan.changed)
    for link in planner.links:
        if link.affiliation is None:
            report.affiliations_created += 1
        else:
            report.affiliations_updated += 1
    report.changes.sort()
