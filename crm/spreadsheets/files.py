"""Writing rows as XLSX, Italian CSV, ODS or JSON without holding them all.

Each writer takes headers and an iterator of rows. CSV and JSON are produced
chunk by chunk; XLSX goes row by row through openpyxl's write-only workbook
into a temporary file; memory stays flat however many rows there are. ODS has
no streaming writer (odfpy builds the document in memory): it is refused above
``ODS_MAX_ROWS`` rows with a message pointing to XLSX or CSV. Cells are
neutralised in the spreadsheet formats; JSON, which no spreadsheet runs,
carries values as they are.
"""

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _

from . import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, _cells

FORMATS = ("xlsx", "csv", "ods", "json")
ODS_MAX_ROWS = 50_000
CONTENT_TYPES = {
    "xlsx": XLSX_CONTENT_TYPE,
    "csv": CSV_CONTENT_TYPE,
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "json": "application/json",
}
_BATCH = 500


class TooManyRows(Exception):
    """The format cannot hold this many rows; the message says what to use."""

    @staticmethod
    def message() -> str:
        return _(
            "An OpenDocument file holds at most %(max)s rows here: "
            "export this list as XLSX or CSV, or filter it."
        ) % {"max": f"{ODS_MAX_ROWS:,}".replace(",", ".")}


def csv_chunks(headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """UTF-8 with a BOM, ``;`` between cells: what Italian Excel opens."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(_cells(headers))
    for number, row in enumerate(rows, start=1):
        writer.writerow(_cells(row))
        if number % _BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def json_chunks(headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """A list of objects keyed by the headers: it imports back as it is."""
    keys = [str(h) for h in headers]
    encoder = DjangoJSONEncoder(ensure_ascii=False)
    parts = ["["]
    for number, row in enumerate(rows):
        parts.append(("," if number else "") + "\n ")
        parts.append(encoder.encode(dict(zip(keys, row, strict=False))))
        if len(parts) >= _BATCH:
            yield "".join(parts).encode("utf-8")
            parts = []
    parts.append("\n]\n")
    yield "".join(parts).encode("utf-8")


def xlsx_file(headers: Sequence[str], rows: Iterable[Sequence], *, title="Dati"):
    """A temporary file holding the workbook, positioned at its start."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.append(_cells(headers))
    for row in rows:
        sheet.append(_cells(row))
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    return output


def ods_bytes(headers: Sequence[str], rows: Iterable[Sequence], *, title="Dati"):
    import tablib

    dataset = tablib.Dataset(headers=_cells(headers), title=_sheet_title(title))
    for number, row in enumerate(rows, start=1):
        if number > ODS_MAX_ROWS:
            raise TooManyRows(TooManyRows.message())
        dataset.append(_cells(row))
    return dataset.export("ods")


def chunks(fmt: str, headers, rows, *, title="Dati") -> Iterator[bytes]:
    """The file in ``fmt`` as a sequence of byte chunks."""
    if fmt == "csv":
        yield from csv_chunks(headers, rows)
    elif fmt == "json":
        yield from json_chunks(headers, rows)
    elif fmt == "xlsx":
        with xlsx_file(headers, rows, title=title) as output:
            while block := output.read(64 * 1024):
                yield block
    elif fmt == "ods":
        yield ods_bytes(headers, rows, title=title)
    else:
        raise ValueError(fmt)


def write(fmt: str, headers, rows, target, *, title="Dati") -> None:
    """Write the file to the binary file object ``target``."""
    for block in chunks(fmt, headers, rows, title=title):
        target.write(block)


def _sheet_title(title) -> str:
    text = "".join(c for c in str(title) if c not in "[]:*?/\\")
    return (text or "Dati")[:31]
