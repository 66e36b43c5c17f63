"""Exporting a list in its Resource's columns, streamed, and logging it.

``table`` gives the headings and an iterator of rows (read from the database
in chunks); ``crm.spreadsheets.files`` turns them into a file without holding
them. ``log`` records the export with whom it included, as every export of
personal data is recorded (``crm.services.export_log``).
"""

from django.utils.text import capfirst

from .registry import Entry

CHUNK = 1000


def table(entry: Entry, queryset=None):
    """``(headers, rows)`` for ``queryset`` (or the whole list)."""
    if entry.legacy:
        from . import members

        return members.export(queryset)
    resource = entry.resource_class()
    queryset = resource.get_queryset() if queryset is None else queryset
    queryset = resource.for_export(queryset)
    rows = (
        resource.export_resource(obj) for obj in queryset.iterator(chunk_size=CHUNK)
    )
    return resource.get_export_headers(), rows


def log(entry: Entry, *, user, queryset=None, fmt, filters=None, what=None):
    from crm.services import export_log

    queryset = (
        entry.model_class._default_manager.all() if queryset is None else queryset
    )
    if entry.legacy:
        from . import members

        included = members.included(queryset)
    else:
        included = entry.resource_class().included(queryset)
    return export_log(
        user=user,
        what=str(what or capfirst(entry.label)),
        format=fmt,
        count=queryset.count(),
        filters=filters or {},
        members=included[0],
        people=included[1],
    )


def filename(entry: Entry, fmt: str, stamp) -> str:
    return f"{entry.filename}-{stamp.isoformat()}.{fmt}"
