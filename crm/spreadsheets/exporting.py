"""Exporting a list in its Resource's columns, streamed, and logging it.

``table`` gives the headings and an iterator of rows (read from the database
in chunks); ``crm.spreadsheets.files`` turns them into a file without holding
them. ``log`` records the export with whom it included, as every export of
personal data is recorded (``crm.services.export_log``).
"""

import gc

from django.utils.text import capfirst

from .registry import Entry

# Rows read per query; prefetches ask for as many ids at once, and SQLite refuses
# an expression of 1,000 terms or more.
CHUNK = 500


def table(entry: Entry, queryset=None):
    """``(headers, rows)`` for ``queryset`` (or the whole list)."""
    if entry.own_flow:
        from . import members

        return members.export(queryset)
    resource = entry.resource_class()
    queryset = resource.get_queryset() if queryset is None else queryset
    queryset = resource.for_export(queryset)
    return resource.get_export_headers(), _rows(resource, queryset)


def _rows(resource, queryset):
    for obj in queryset.iterator(CHUNK):
        yield resource.export_resource(obj)
        # An object and its prefetched relations point at each other: a cycle
        # only a full garbage collection frees. Dropping the prefetches once
        # the row is written lets each chunk go as soon as it is done.
        obj.__dict__.pop("_prefetched_objects_cache", None)


def collected(rows, every=2 * CHUNK):
    """``rows`` from an exporter that keeps its objects' prefetches (the
    member exporter): a full collection now and then frees their cycles, or
    memory would grow with the list until Python's own full collection."""
    for number, row in enumerate(rows, start=1):
        yield row
        if number % every == 0:
            gc.collect()


def log(entry: Entry, *, user, queryset=None, fmt, filters=None, what=None):
    from crm.services import export_log

    queryset = (
        entry.model_class._default_manager.all() if queryset is None else queryset
    )
    if entry.own_flow:
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
