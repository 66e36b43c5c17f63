"""django-import-export widgets for Italian cells.

Each widget turns what the reading layer produced (text, or a number or date
from an XLSX/ODS cell) into the value to store, and back into the words an
export writes. A bad cell raises ``ValueError`` with a message that quotes it:
the library turns that into a message on the field, which names the column.

Excel's number cells are repaired where the intent is unambiguous (a partita
IVA that lost its leading zero, a date kept as a serial number, a landline
without its 0); the repair is noted on the row for the preview to say.
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from import_export import widgets

from crm.validators import (
    format_phone,
    normalise_codice_fiscale,
    normalise_partita_iva,
    normalise_person_codice_fiscale,
    normalise_phone,
)

from . import cells
from .columns import export_word, vocabulary

REPAIRS = "__repairs__"  # key of a row's repair notes, kept in the row itself
EXCEL_EPOCH = datetime.date(1899, 12, 30)
# Serial numbers of 1 Jan 1950 … 31 Dec 2099: anything else is not a date.
SERIALS = range(18264, 73051)


def note_repair(row, message: str) -> None:
    if row is not None:
        row.setdefault(REPAIRS, []).append(message)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fail(exc: ValidationError):
    raise ValueError(" ".join(exc.messages)) from None


class CellWidget(widgets.Widget):
    """An empty cell is ``None`` (it leaves stored data alone)."""

    def clean(self, value, row=None, **kwargs):
        if value in ("", None):
            return None
        try:
            return self.parse(value, row)
        except ValidationError as exc:
            _fail(exc)

    def parse(self, value, row):
        return cells.text(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class TextWidget(CellWidget):
    pass


class DigitsWidget(CellWidget):
    """Codes kept as text even when Excel made them numbers (CAP, ATECO)."""

    def parse(self, value, row):
        return cells.digits(value)


class WholeNumberWidget(CellWidget):
    def parse(self, value, row):
        return cells.whole_number(value)


class DateWidget(CellWidget):
    """dd/mm/yyyy, ISO, a date cell, or Excel's serial number of a date."""

    def parse(self, value, row):
        serial = _serial(value)
        if serial is not None:
            day = EXCEL_EPOCH + datetime.timedelta(days=serial)
            note_repair(
                row,
                _("“%(value)s” read as the date %(date)s (Excel's number of a date).")
                % {"value": value, "date": day.strftime("%d/%m/%Y")},
            )
            return day
        return cells.date(value)

    def render(self, value, obj=None, **kwargs):
        return value.strftime("%d/%m/%Y") if value else ""


def _serial(value):
    if _is_number(value) and float(value).is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdecimal() and len(value) == 5:
        number = int(value)
    else:
        return None
    return number if number in SERIALS else None


class YesNoWidget(CellWidget):
    def parse(self, value, row):
        return cells.boolean(value)

    def render(self, value, obj=None, **kwargs):
        return {True: "Sì", False: "No"}.get(value, "")


class WordsWidget(CellWidget):
    """One of a few Italian words (first of each is what exports write)."""

    def __init__(self, words: dict):
        self.words = words
        self.vocabulary = vocabulary(words)
        self.allowed = [ws[0] for ws in words.values()]

    def parse(self, value, row):
        return cells.choice(value, self.vocabulary, self.allowed)

    def render(self, value, obj=None, **kwargs):
        return export_word(self.words, value)


class EmailWidget(CellWidget):
    def parse(self, value, row):
        email = cells.text(value)
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                _("“%(value)s” is not a valid email address."),
                params={"value": email},
            ) from None
        return email


class PersonEmailWidget(EmailWidget):
    def parse(self, value, row):
        return super().parse(value, row).lower()


class PhoneWidget(CellWidget):
    def parse(self, value, row):
        if _is_number(value):
            return self._number(value, row)
        return normalise_phone(str(value))

    def _number(self, value, row):
        digits = str(int(value))
        try:
            return normalise_phone(digits)
        except ValidationError:
            pass
        if not digits.startswith("3"):  # mobiles start with 3, landlines with 0
            try:
                repaired = normalise_phone("0" + digits)
            except ValidationError:
                pass
            else:
                note_repair(
                    row,
                    _(
                        "“%(value)s” read as the landline %(phone)s: Excel had "
                        "dropped its leading 0."
                    )
                    % {"value": digits, "phone": format_phone(repaired)},
                )
                return repaired
        raise ValidationError(
            _(
                "“%(value)s” is not a valid phone number: the cell is probably a "
                "number in Excel, which drops leading zeros; format the column as "
                "text and write the number again."
            ),
            params={"value": digits},
        )

    def render(self, value, obj=None, **kwargs):
        return format_phone(value or "")


class _TaxCodeWidget(CellWidget):
    """A code with 11 digits, which Excel may have turned into a number."""

    normalise = staticmethod(normalise_partita_iva)
    label = ""

    def parse(self, value, row):
        if not _is_number(value):
            return self.normalise(str(value))
        digits = str(int(value))
        if len(digits) == 10:
            repaired = self.normalise("0" + digits)
            note_repair(
                row,
                _(
                    "“%(value)s” read as the %(label)s %(code)s: Excel had dropped "
                    "its leading 0."
                )
                % {"value": digits, "label": self.label, "code": repaired},
            )
            return repaired
        if len(digits) < 10:
            raise ValidationError(
                _(
                    "“%(value)s” has %(count)s digits: the cell is probably a "
                    "number in Excel, which drops leading zeros; format the column "
                    "as text and write the code again."
                ),
                params={"value": digits, "count": len(digits)},
            )
        return self.normalise(digits)


class PartitaIvaWidget(_TaxCodeWidget):
    """11 digits, with or without ``IT`` in front."""

    normalise = staticmethod(normalise_partita_iva)
    label = "partita IVA"


class CodiceFiscaleWidget(_TaxCodeWidget):
    """An organisation's: 11 digits or 16 characters."""

    normalise = staticmethod(normalise_codice_fiscale)
    label = "codice fiscale"


class PersonCodiceFiscaleWidget(CellWidget):
    def parse(self, value, row):
        return normalise_person_codice_fiscale(str(value))


class MonthsWidget(CellWidget):
    """“05/2022, 11/2024” → [(2022, 5), (2024, 11)]."""

    def parse(self, value, row):
        return cells.months(value)


class ReferenceWidget(CellWidget):
    """A comune or a list of topics, looked up in reference data loaded once."""

    def __init__(self):
        self.reference = None

    def bind(self, reference) -> None:
        self.reference = reference


class MunicipalityWidget(ReferenceWidget):
    def parse(self, value, row):
        return self.reference.municipality(value)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if self.reference is None:
            from crm.models import Municipality

            return Municipality.objects.get(pk=value).name
        return self.reference.municipality_names.get(value, "")


class TopicsWidget(ReferenceWidget):
    def parse(self, value, row):
        return self.reference.topic_ids(value)


__all__ = [
    "CodiceFiscaleWidget",
    "DateWidget",
    "DigitsWidget",
    "EmailWidget",
    "MonthsWidget",
    "MunicipalityWidget",
    "PartitaIvaWidget",
    "PersonCodiceFiscaleWidget",
    "PersonEmailWidget",
    "PhoneWidget",
    "TextWidget",
    "TopicsWidget",
    "WholeNumberWidget",
    "WordsWidget",
    "YesNoWidget",
]
