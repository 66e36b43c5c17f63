"""Reading a spreadsheet as Italian offices save it: CSV, XLSX, ODS or JSON.

CSV may be UTF-8 with or without a BOM, Windows-1252 or Excel's UTF-16 “Unicode
text”; the delimiter is whichever of ``;``, ``,`` and tab the header uses.
Row numbers are those the user sees in their spreadsheet. The header row is the
first row ``is_header`` accepts among the first few, so a title above the
headers is skipped; JSON is a list of objects, or the members' own JSON export.
"""

import csv
import datetime
import io
import json
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

MAX_ROWS = 50_000
# An XLSX is a ZIP: what it may expand to, whatever its headers declare.
MAX_XLSX_BYTES = 256 * 1024**2
_CHUNK = 256 * 1024
_DELIMITERS = (";", ",", "\t")
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls and other old Office files
_ODS_MIMETYPE = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet"
# How far down a title, notes or a logo may push the header row.
HEADER_SEARCH = 10


class SpreadsheetError(Exception):
    """The file as a whole cannot be read; the message says why, to the user."""


@dataclass
class Sheet:
    headers: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)
    format: str = "csv"
    header_row: int = 1


def read_spreadsheet(content: bytes, filename: str = "", is_header=None) -> Sheet:
    """Parse ``content`` into headers and numbered, non-empty rows.

    ``is_header(cells)`` recognises the header row; without it, or when no row
    near the top passes it, the first non-empty row is the header.
    """
    if not content or not content.strip():
        raise SpreadsheetError(_("The file is empty."))
    if content.startswith(_XLSX_MAGIC) and _ODS_MIMETYPE in content[:200]:
        records, fmt = _ods_records(content), "ods"
    elif content.startswith(_XLSX_MAGIC):
        records, fmt = _xlsx_records(content), "xlsx"
    elif _looks_like_json(content):
        records, fmt = _json_records(content), "json"
    elif content.startswith(_OLE_MAGIC):
        raise SpreadsheetError(
            _(
                "This is an old Excel file (.xls): save it as Excel workbook (.xlsx) "
                "or CSV and upload it again."
            )
        )
    else:
        records, fmt = _csv_records(_decode(content)), "csv"
    return _sheet(records, fmt, is_header)


def _sheet(records, fmt: str, is_header=None) -> Sheet:
    sheet, above = None, []
    for number, record in enumerate(records, start=1):
        cells = [_clean(value) for value in record]
        if not any(value not in ("", None) for value in cells):
            continue
        if sheet is None:
            above.append((number, cells))
            if is_header is not None and len(above) < HEADER_SEARCH:
                if not is_header(cells):
                    continue
            sheet = _headed(above, fmt, is_header)
            continue
        if len(sheet.rows) >= MAX_ROWS:
            raise SpreadsheetError(
                _("The file has more than %(max)s rows: split it into smaller files.")
                % {"max": f"{MAX_ROWS:,}".replace(",", ".")}
            )
        sheet.rows.append((number, cells))
    if sheet is None and above:
        sheet = _headed(above, fmt, is_header)
    if sheet is None:
        raise SpreadsheetError(_("The file is empty."))
    return sheet


def _headed(above: list, fmt: str, is_header) -> Sheet:
    """The sheet whose header is the recognised row, else the first one."""
    found = [i for i, (_n, cells) in enumerate(above) if is_header and is_header(cells)]
    at = found[0] if found else 0
    number, cells = above[at]
    while cells and cells[-1] in ("", None):
        cells.pop()
    headers = ["" if v is None else str(v) for v in cells]
    sheet = Sheet(headers=headers, format=fmt, header_row=number)
    sheet.rows.extend(above[at + 1 :])
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


def _looks_like_json(content: bytes) -> bool:
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return head in (b"{", b"[")


def _json_records(content: bytes):
    """A list of objects (keys are headers), or the members' JSON export."""
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        data = None
    if isinstance(data, dict) and isinstance(data.get("members"), list):
        from .exporting import json_records

        return json_records(data)
    if isinstance(data, list) and data and all(isinstance(o, dict) for o in data):
        headers = list(dict.fromkeys(key for obj in data for key in obj))
        return [headers] + [[_json_cell(o.get(k)) for k in headers] for o in data]
    raise SpreadsheetError(
        _(
            "The file looks like JSON but is not a list of rows nor an export of "
            "members: export it again, or save it as CSV or Excel workbook (.xlsx)."
        )
    )


def _json_cell(value):
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _ods_records(content: bytes):
    """The first sheet of an OpenDocument spreadsheet, through tablib."""
    import tablib

    try:
        bounded = _bounded(content)  # an ODS is a ZIP too
        dataset = tablib.Dataset().load(bounded.read(), format="ods", headers=False)
    except SpreadsheetError:
        raise
    except Exception as exc:  # odfpy raises many kinds on a broken file
        raise SpreadsheetError(
            _(
                "The file looks like an OpenDocument spreadsheet (.ods) but cannot "
                "be read: save it again as .ods, .xlsx or CSV."
            )
        ) from exc
    return [[_xlsx_value(v) for v in row] for row in dataset]


def _xlsx_value(value):
    # Excel keeps dates as datetimes and numbers as floats: 55100.0 is a CAP.
    if isinstance(value, datetime.datetime):
        return value.date() if value.time() == datetime.time() else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
