"""“members” through the member importer and exporter of ``crm.importing``.

The one place the member list is delegated while
``registry.MEMBERS_ON_THEIR_OWN_IMPORT`` is true: imports run the importer's
preview and ``crm.services.members_import`` (all or nothing), exports write
its columns (one row per member and affiliation), so an export imports back.
"""

from crm.importing import HEADERS, ImportRefused, preview
from crm.importing.exporting import export_rows
from crm.models import Member, Person

from .importing import NEW, UNCHANGED, UPDATE, Outcome, RowReport


def run_import(entry, content: bytes, filename: str = "", *, commit, user):
    from crm.services import members_import

    if commit:
        try:
            report = members_import(content=content, filename=filename, by=user)
        except ImportRefused as refused:
            report = refused.report
    else:
        report = preview(content, filename)
    outcome = Outcome(
        entry=entry,
        problems=list(report.problems),
        ignored_columns=list(report.ignored_columns),
        committed=report.committed,
        totals={
            "rows": report.rows,
            NEW: report.members_created,
            UPDATE: report.members_updated,
            UNCHANGED: report.members_unchanged,
        },
    )
    outcome.rows = [
        RowReport(number=row, kind=NEW if change == "created" else UPDATE, title=name)
        for row, name, change in report.changes
    ]
    return outcome


def export(queryset=None):
    """Headers and an iterator of rows, in the member import's columns."""
    from .exporting import collected

    return list(HEADERS), collected(export_rows(queryset))


def included(queryset):
    queryset = Member.objects.all() if queryset is None else queryset
    members = queryset.values_list("pk", flat=True)
    people = Person.objects.filter(affiliations__member__in=members).values_list(
        "pk", flat=True
    )
    return members, people
