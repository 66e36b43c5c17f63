"""Turning one cell into a value, or a message saying what is wrong with it.

Each parser receives what the reader produced (text, or a number or date from
an XLSX cell) and returns the value to store, or raises ``ValidationError``.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .columns import NO_WORDS, YES_WORDS, normalise_label

_DATE_RE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_MONTH_RE = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")


def text(value) -> str:
    return str(value).strip()


def date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = str(value).strip()
    parts = _DATE_RE.match(raw)
    if parts:
        day, month, year = (int(p) for p in parts.groups())
        if year < 100:
            year += 2000 if year < 70 else 1900
    elif iso := _ISO_DATE_RE.match(raw):
        year, month, day = (int(p) for p in iso.groups())
    else:
        raise ValidationError(
            _("“%(value)s” is not a date: write it as dd/mm/yyyy, e.g. 31/01/2025."),
            params={"value": raw},
        )
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValidationError(
            _("“%(value)s” is not a date that exists."), params={"value": raw}
        ) from None


def boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    word = normalise_label(value)
    if word in {normalise_label(w) for w in YES_WORDS}:
        return True
    if word in {normalise_label(w) for w in NO_WORDS}:
        return False
    raise ValidationError(
        _("“%(value)s” is neither “Sì” nor “No”."), params={"value": value}
    )


def whole_number(value) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raw = str(value).strip().replace(".", "").replace(" ", "")
        if not raw.isdecimal():  # “²” is a digit int() refuses
            raise ValidationError(
                _("“%(value)s” is not a whole number."), params={"value": value}
            )
        number = int(raw)
    if number < 0:
        raise ValidationError(
            _("“%(value)s” is not a whole number."), params={"value": value}
        )
    return number


def digits(value) -> str:
    """Codes kept as text even when Excel made them numbers (CAP, ATECO)."""
    return str(value).strip()


def choice(value, vocabulary: dict[str, str], allowed: list[str]) -> str:
    found = vocabulary.get(normalise_label(value))
    if found is None:
        raise ValidationError(
            _("“%(value)s” is not one of: %(allowed)s."),
            params={"value": value, "allowed": ", ".join(allowed)},
        )
    return found


def months(value) -> list[tuple[int, int]]:
    """“05/2022, 11/2024” → [(2022, 5), (2024, 11)]."""
    found = []
    for part in re.split(r"[,;]", str(value)):
        part = part.strip()
        if not part:
            continue
        match = _MONTH_RE.match(part)
        month, year = (int(p) for p in match.groups()) if match else (0, 0)
        if not (1 <= month <= 12 and 1990 <= year <= 2100):
            raise ValidationError(
                _(
                    "“%(value)s” is not a month of birth: write mm/yyyy, "
                    "e.g. 05/2022, separating children with commas."
                ),
                params={"value": part},
            )
        found.append((year, month))
    return found


def names(value) -> list[str]:
    """A list of names separated by commas or semicolons."""
    return [part.strip() for part in re.split(r"[,;]", str(value)) if part.strip()]
