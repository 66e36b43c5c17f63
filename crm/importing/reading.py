"""Reading a spreadsheet as Italian offices save it: CSV or XLSX.

CSV may be UTF-8 with or without a BOM, Windows-1252 or Excel's UTF-16 “Unicode
text”; the delimiter is whichever of ``;``, ``,`` and tab the header uses.
Row numbers are those the user sees in their spreadsheet (header = row 1).
"""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

MAX_ROWS = 50_000
# An XLSX is a ZIP: what it may expand to, whatever its headers declare.
MAX_XLSX_BYTES = 256 * 1024**2
_CHUNK = 256 * 1024
_DELIMITERS = (";", ",", "\t")
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls and other old Office files


class SpreadsheetError(Exception):
    """The file as a whole cannot be read; the message says why, to the user."""


@dataclass
class Sheet:
    headers: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)
    format: str = "csv"
    header_row: int = 1


def read_spreadsheet(content: bytes, filename: str = "") -> Sheet:
    """Parse ``content`` into headers and numbered, non-empty rows.

    CSV, XLSX, OpenDocument (.ods) and JSON (a list of objects keyed by the
    headers, as the exports write it) are told apart by their content."""
    if not content or not content.strip():
        raise SpreadsheetError(_("The file is empty."))
    if content.startswith(_XLSX_MAGIC) and _is_ods(content):
        records, fmt = _ods_records(content), "ods"
    elif content.startswith(_XLSX_MAGIC):
        records, fmt = _xlsx_records(content), "xlsx"
    elif content.startswith(_OLE_MAGIC):
        raise SpreadsheetError(
            _(
                "This is an old Excel file (.xls): save it as Excel workbook (.xlsx) "
                "or CSV and upload it again."
            )
        )
    else:
        text = _decode(content)
        records = _json_records(text) if _looks_like_json(text) else None
        fmt = "json"
        if records is None:
            records, fmt = _csv_records(text), "csv"
    return _sheet(records, fmt)


def _sheet(records, fmt: str) -> Sheet:
    sheet = None
    for number, record in enumerate(records, start=1):
        cells = [_clean(value) for value in record]
        if not any(value not in ("", None) for value in cells):
            continue
        if sheet is None:
            while cells and cells[-1] in ("", None):
                cells.pop()
            headers = ["" if v is None else str(v) for v in cells]
            sheet = Sheet(headers=headers, format=fmt, header_row=number)
            continue
        if len(sheet.rows) >= MAX_ROWS:
            raise SpreadsheetError(
                _("The file has more than %(max)s rows: split it into smaller files.")
                % {"max": f"{MAX_ROWS:,}".replace(",", ".")}
            )
        sheet.rows.append((number, cells))
    if sheet is None:
        raise SpreadsheetError(_("The file is empty."))
    return sheet


def _clean(value):
    """Stray spaces go; text that an export neutralised gets its quote back off."""
    if isinstance(value, str):
        if value[:1] == "'" and value[1:2] in ("\t", "\r"):
            value = value[1:]  # before the spaces go, or “'\t=1” reads “' =1”
        value = value.replace("\xa0", " ")
        if "\n" in value:  # notes keep their lines
            lines = value.replace("\r\n", "\n").split("\n")
            value = "\n".join(" ".join(line.split()) for line in lines).strip()
        else:
            value = " ".join(value.split())
        if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@"):
            value = value[1:]
        return value
    if value is None:
        return ""
    return value


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = content.decode("utf-16")
        except UnicodeDecodeError:
            pass
        else:
            if "\x00" not in text:  # as in UTF-8 below: binary, not a sheet
                return text
    elif b"\x00" not in content:
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                return content.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise SpreadsheetError(
        _(
            "The file is not a spreadsheet we can read, or its characters are in an "
            "unknown encoding: save it as CSV UTF-8 or as Excel workbook (.xlsx)."
        )
    )


def _sniff_delimiter(text: str) -> str:
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    return max(_DELIMITERS, key=lambda d: counts[d])


def _csv_records(text: str):
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text), strict=True
    )
    records = []
    try:
        for record in reader:
            records.append(record)
    except csv.Error as exc:
        raise SpreadsheetError(
            _(
                "The file is malformed at row %(row)s (%(error)s): check the quotes "
                "around that row, or save the file again from the spreadsheet."
            )
            % {"row": len(records) + 1, "error": _csv_reason(str(exc))}
        ) from None
    return records


def _csv_reason(error: str) -> str:
    """The csv module's reason, in the user's words when we know it."""
    if error.startswith("field larger than field limit"):
        return _("a cell is longer than %(limit)s characters") % {
            "limit": f"{csv.field_size_limit():,}".replace(",", ".")
        }
    if error == "unexpected end of data":
        return _("the file ends inside a quoted cell")
    if error.endswith("expected after '\"'"):
        return _("text follows the closing quote of a cell")
    return error


def _xlsx_records(content: bytes):
    """The first sheet's rows, streamed: a huge sheet stops at ``MAX_ROWS``."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(_bounded(content), read_only=True, data_only=True)
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        try:
            for row in rows:
                yield [_xlsx_value(v) for v in row]
        finally:
            workbook.close()
    except SpreadsheetError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise SpreadsheetError(
            _(
                "The file looks like an Excel or OpenDocument file but cannot be "
                "read as an Excel workbook (.xlsx): save it again as .xlsx or CSV."
            )
        ) from exc


def _bounded(content: bytes):
    """The workbook's ZIP copied entry by entry, never inflating more than
    ``MAX_XLSX_BYTES`` in all: openpyxl reads some parts whole, and a forged
    size in a ZIP header does not stop ``ZipFile.read`` from inflating a small
    file to gigabytes (a “zip bomb”). The copy holds exactly what was read."""
    import tempfile
    import zipfile

    too_big = SpreadsheetError(
        _(
            "The file would expand to more than %(mb)s MB once unzipped: it is "
            "damaged or not a real workbook. Save it again as .xlsx or CSV."
        )
        % {"mb": MAX_XLSX_BYTES // 1024**2}
    )
    source = zipfile.ZipFile(io.BytesIO(content))
    infos = source.infolist()
    if sum(info.file_size for info in infos) > MAX_XLSX_BYTES:
        raise too_big
    copy = tempfile.SpooledTemporaryFile(max_size=32 * 1024**2)
    with source, zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as target:
        for info in infos:
            with source.open(info) as entry, target.open(info.filename, "w") as out:
                while chunk := entry.read(_CHUNK):  # bounded by the declared size
                    out.write(chunk)
    copy.seek(0)
    return copy


def _xlsx_value(value):
    # Excel keeps dates as datetimes and numbers as floats: 55100.0 is a CAP.
    if isinstance(value, datetime.datetime):
        return value.date() if value.time() == datetime.time() else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# OpenDocument and JSON, as the back-office exports write them ---------------------

_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def _is_ods(content: bytes) -> bool:
    # An ODS file's first ZIP entry is “mimetype”, stored, holding its type.
    return content[30:38] == b"mimetype" and _ODS_MIMETYPE in content[38:120]


def _ods_records(content: bytes):
    """The first sheet's rows, read by odfpy (through tablib) from a copy
    bounded like an XLSX's."""
    import tablib
    from odf import opendocument
    from tablib.formats._ods import ODSFormat

    try:
        book = opendocument.load(_bounded(content))
        sheets = [s for s in book.spreadsheet.childNodes if s.qname[1] == "table"]
        dataset = tablib.Dataset()
        if sheets:
            ODSFormat.import_sheet(dataset, sheets[0], headers=False)
    except SpreadsheetError:
        raise
    except Exception as exc:  # odfpy raises many kinds on a broken file
        raise SpreadsheetError(
            _(
                "The file looks like an OpenDocument spreadsheet (.ods) but cannot "
                "be read: save it again as .ods, .xlsx or CSV."
            )
        ) from exc
    for row in dataset:
        yield [_xlsx_value(v) for v in row]


def _looks_like_json(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n")[:1] in ("[", "{")


def _json_records(text: str):
    """A list of objects → header row + one row each; ``None`` if not JSON."""
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if len(lists) == 1 else None
    if not isinstance(data, list) or not all(isinstance(o, dict) for o in data):
        raise SpreadsheetError(
            _(
                "The JSON file is not a list of rows: export the list again as "
                "JSON, or save it as .xlsx or CSV."
            )
        )
    headers = list(dict.fromkeys(key for row in data for key in row))
    records = [headers]
    for row in data:
        records.append([_json_value(row.get(h)) for h in headers])
    return records


def _json_value(value):
    if isinstance(value, bool):
        return "Sì" if value else "No"
    if isinstance(value, (dict, list)):
        return ", ".join(str(v) for v in value) if isinstance(value, list) else ""
    return value
