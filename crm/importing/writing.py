"""Bulk writes of an import's rows, history records included.

Members go through the library's ``bulk_create``. The rows an import adds
around them (people, affiliations, children, consents, history records, needs
and offers links) go through the lean multi-row inserts below: the ORM compiles
every value of a bulk insert one by one, which made those rows cost three times
the members.
"""

from types import SimpleNamespace

from django.conf import settings
from django.db import connection, models

from .lookups import chunks

BATCH = 500
UNNEST_BATCH = 5000
REASON = "import"
_PREPARED = (
    models.DateField,
    models.TimeField,
    models.DecimalField,
    models.JSONField,
    models.UUIDField,
)


def insert_rows(model, fields: list, rows: list[list]) -> None:
    """INSERT plain rows into ``model``'s table, ``fields`` giving the columns."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        _copy(model, fields, rows)
    else:
        _insert(model, fields, rows, returning=False)


def _next_ids(model, count: int) -> list[int]:
    """Ids drawn from the table's own sequence, for rows about to be copied in."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
            "FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(model, fields, rows) -> None:
    """PostgreSQL's COPY: the cheapest way in for rows nobody needs the ids of."""
    quote = connection.ops.quote_name
    sql = "COPY {} ({}) FROM STDIN".format(
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    )
    _prepare(fields, rows)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


def insert_objects(model, objs: list, now) -> None:
    """Insert unsaved ``objs`` and set their ids, like ``bulk_create``.

    Falls back to ``bulk_create`` where the database cannot return the ids of
    a multi-row insert. No signals, no ``save()``: the objects are validated.
    """
    if not objs:
        return
    if not connection.features.can_return_rows_from_bulk_insert:
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    stamped = [
        f.attname
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    for obj in objs:
        for attname in stamped:
            setattr(obj, attname, now)
    if connection.vendor == "postgresql":
        ids = _next_ids(model, len(objs))
        pk = model._meta.pk
        rows = [
            [i] + [getattr(o, f.attname) for f in fields]
            for i, o in zip(ids, objs, strict=True)
        ]
        _copy(model, [pk, *fields], rows)
    else:
        rows = [[getattr(obj, f.attname) for f in fields] for obj in objs]
        ids = _insert(model, fields, rows)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = obj.id = pk
        if isinstance(obj, models.Model):
            obj._state.adding, obj._state.db = False, connection.alias


def _insert(model, fields, rows, *, returning=True) -> list:
    """Multi-row INSERT statements, as large as the database takes.

    Not ``executemany``: with psycopg that is a round trip per row. On
    PostgreSQL the values go as one array per column through UNNEST, as
    Django's own ``bulk_create`` does there, so psycopg has a handful of
    placeholders to bind instead of one per value.
    """
    quote = connection.ops.quote_name
    head = "INSERT INTO {} ({}) ".format(
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    )
    tail = " RETURNING " + quote(model._meta.pk.column) if returning else ""
    _prepare(fields, rows)
    if connection.vendor == "postgresql":
        types = [f.db_type(connection).split("(")[0] for f in fields]
        body = "SELECT * FROM UNNEST({})".format(
            ", ".join(f"(%s)::{t}[]" for t in types)
        )
        size = UNNEST_BATCH
    else:
        body = None
        limit = connection.features.max_query_params or len(fields) * BATCH
        size = max(1, min(BATCH, limit // len(fields)))
    ids = []
    with connection.cursor() as cursor:
        for batch in chunks(rows, size):
            if body:
                params = [list(column) for column in zip(*batch, strict=True)]
                sql = head + body + tail
            else:
                params = [value for row in batch for value in row]
                one = "(" + ", ".join(["%s"] * len(fields)) + ")"
                sql = head + "VALUES " + ", ".join([one] * len(batch)) + tail
            cursor.execute(sql, params)
            if returning:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


def _prepare(fields, rows) -> None:
    """Database values for dates and the like, each distinct value once."""
    for i, field in enumerate(fields):
        if not isinstance(field, _PREPARED):
            continue
        seen = {None: None}
        for row in rows:
            value = row[i]
            if isinstance(value, dict | list):
                row[i] = field.get_db_prep_save(value, connection)
                continue
            if value not in seen:
                seen[value] = field.get_db_prep_save(value, connection)
            row[i] = seen[value]


class History:
    """simple_history records for bulk writes: who, when, and why (an import)."""

    def __init__(self, by, now):
        self.user_id = getattr(by, "pk", None)
        self.now = now

    def record(self, model, objs, kind: str) -> None:
        if not objs or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            return
        historical = model.history.model
        fields = [f for f in historical._meta.concrete_fields if not f.primary_key]
        extra = {
            "history_date": self.now,
            "history_change_reason": REASON,
            "history_type": kind,
            "history_user_id": self.user_id,
        }
        rows = [
            [
                extra[f.attname] if f.attname in extra else getattr(obj, f.attname)
                for f in fields
            ]
            for obj in objs
        ]
        insert_rows(historical, fields, rows)


def create(model, objs, history):
    if not objs:
        return
    insert_objects(model, objs, history.now)
    history.record(model, objs, "+")


def update(model, objs, fields, history):
    if objs:
        model.objects.bulk_update(objs, sorted(fields), batch_size=BATCH)
        history.record(model, objs, "~")


def create_rows(model, rows: list[dict], history):
    """New rows of a model nobody holds an instance of: no instances made."""
    if connection.features.can_return_rows_from_bulk_insert:
        objs = [SimpleNamespace(**row) for row in rows]
    else:
        objs = [model(**row) for row in rows]
    create(model, objs, history)
