"""When services are open: public holidays, patron saints, weekly hours.

Italy's national holidays come from the ``holidays`` package; each comune's
patron saint's day from the comune's record (``Municipality.patron_*``, loaded
from ``fixtures/municipality_geography.json``). The package's Lucca province
calendar holds only the capital's patron, so it is not used for the others.
"""

import datetime
import functools
from collections.abc import Iterable

import holidays

from crm.models import Municipality


@functools.lru_cache(maxsize=64)
def _national(year: int, language: str) -> dict[datetime.date, str]:
    return dict(holidays.country_holidays("IT", years=year, language=language))


def national_holidays(year: int) -> dict[datetime.date, str]:
    """Italy's public holidays in ``year``, named in the served language."""
    from django.utils.translation import get_language

    english = (get_language() or "it").startswith("en")
    return _national(year, "en_US" if english else "it_IT")


def is_national_holiday(day: datetime.date) -> bool:
    return day in national_holidays(day.year)


def holiday_name(day: datetime.date, municipality: Municipality | None = None) -> str:
    name = national_holidays(day.year).get(day, "")
    if name:
        return name
    if municipality is not None and municipality.patron_date(day.year) == day:
        return municipality.patron_saint
    return ""


def patron_municipality_ids(day: datetime.date, municipalities=None) -> list[int]:
    """The comuni that keep their patron saint's day on ``day`` (one query)."""
    if municipalities is None:
        municipalities = Municipality.objects.filter(patron_saint__gt="").only(
            "pk", "patron_month", "patron_day", "patron_easter_offset"
        )
    return [m.pk for m in municipalities if m.patron_date(day.year) == day]


def closed_days(
    municipality: Municipality, start: datetime.date, end: datetime.date
) -> set[datetime.date]:
    """National holidays and the comune's patron day between two dates."""
    days = set()
    for year in range(start.year, end.year + 1):
        days.update(d for d in national_holidays(year) if start <= d <= end)
        patron = municipality.patron_date(year)
        if patron and start <= patron <= end:
            days.add(patron)
    return days


def dates(start: datetime.date, end: datetime.date) -> Iterable[datetime.date]:
    day = start
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


def next_weekday(weekday: int, *, on_or_after: datetime.date) -> datetime.date:
    return on_or_after + datetime.timedelta(days=(weekday - on_or_after.weekday()) % 7)


def parse_time(text: str) -> int | None:
    """Minutes after midnight from “17:30”, “17.30”, “9” or “24:00”; None if bad."""
    text = (text or "").strip().replace(".", ":")
    if not text:
        return None
    hours, _sep, minutes = text.partition(":")
    if not hours.isdigit() or (minutes and not minutes.isdigit()):
        return None
    if len(minutes) not in (0, 2):
        return None
    value = int(hours) * 60 + int(minutes or 0)
    if int(minutes or 0) >= 60 or value > 24 * 60:
        return None
    return value
