"""Is the network keeping its promise? Coverage grids and needs met and unmet.

Article 5 of the pact: every week from June to September at least one service
open. Each grid is built from a fixed number of queries (services, their
opening rows, closures, comuni) whatever the number of services; the days a
service is open are then worked out here, holidays and closures included.
Counts only: no family is ever named.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.directory import calendar
from crm.models import (
    Closure,
    Member,
    MemberKind,
    MemberStatus,
    Municipality,
    OpeningHours,
    OpeningPeriod,
    Service,
    Topic,
)
from crm.models.directory import PLACES_FRESH_FOR, format_minutes

# Age bands of the grids: (key, label, min months, max months).
AGE_BANDS = (
    ("0-3", _("0–3 years"), 0, 35),
    ("3-6", _("3–6 years"), 36, 71),
)
# School-year time bands: (key, label, weekdays, opens, closes) in minutes.
TIME_BANDS = (
    ("pre", _("Pre-school 7:30–8:30"), (0, 1, 2, 3, 4), 7 * 60 + 30, 8 * 60 + 30),
    ("post", _("After-school 16:30–19:00"), (0, 1, 2, 3, 4), 16 * 60 + 30, 19 * 60),
    ("saturday", pgettext_lazy("school-year band", "Saturday"), (5,), 0, 24 * 60),
)
WEEKDAY_SHORT = [
    _("Mon"),
    _("Tue"),
    _("Wed"),
    _("Thu"),
    _("Fri"),
    _("Sat"),
    _("Sun"),
]


def _month_day(text: str, default: tuple[int, int]) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in text.split("-"))
        datetime.date(2024, month, day)
    except (ValueError, AttributeError):
        return default
    return month, day


def summer_window(year: int) -> tuple[datetime.date, datetime.date]:
    """June–September by default; ``COVERAGE_SUMMER`` ("MM-DD", "MM-DD")."""
    start_text, end_text = getattr(settings, "COVERAGE_SUMMER", ("06-01", "09-30"))
    start = datetime.date(year, *_month_day(start_text, (6, 1)))
    end = datetime.date(year, *_month_day(end_text, (9, 30)))
    return start, end


def default_summer_year(today: datetime.date | None = None) -> int:
    """This year's summer until it is over, then next year's."""
    today = today or timezone.localdate()
    _start, end = summer_window(today.year)
    return today.year if today <= end else today.year + 1


def default_school_year(today: datetime.date | None = None) -> int:
    """The school year in force, or the next one once this one has ended."""
    today = today or timezone.localdate()
    _start, end = school_year_window(today.year - 1)
    return today.year - 1 if today <= end else today.year


def school_year_window(year: int) -> tuple[datetime.date, datetime.date]:
    """The school year that starts in September of ``year``."""
    start_text, end_text = getattr(settings, "COVERAGE_SCHOOL_YEAR", ("09-15", "06-10"))
    start = datetime.date(year, *_month_day(start_text, (9, 15)))
    end = datetime.date(year + 1, *_month_day(end_text, (6, 10)))
    return start, end


def weeks_of(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The Mondays of the weeks whose working days (Monday–Friday) fall in range."""
    monday = calendar.next_weekday(0, on_or_after=start)
    weeks = []
    while monday + datetime.timedelta(days=4) <= end:
        weeks.append(monday)
        monday += datetime.timedelta(days=7)
    return weeks


def grid_comuni(*, piana_only=True):
    comuni = Municipality.objects.order_by("-is_piana", "is_hill", "name")
    return comuni.filter(is_piana=True) if piana_only else comuni


def _band_overlaps(row, band) -> bool:
    """A nido for 3–36 months ends where the 3–6 band begins: it does not count
    there (the upper age is the birthday at which children leave)."""
    _key, _label, low, high = band
    return row["age_min_months"] <= high and row["age_max_months"] > low


@dataclass
class Grid:
    """Rows (comune, age band) × columns, each cell a number of services."""

    title: str
    columns: list
    column_groups: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    window: tuple = ()

    @property
    def empty_cells(self) -> int:
        return sum(1 for row in self.rows for value in row["cells"] if not value)

    @property
    def cells(self) -> int:
        return sum(len(row["cells"]) for row in self.rows)


def _services(comuni):
    return list(
        Service.objects.published()
        .filter(municipality__in=comuni)
        .values(
            "pk",
            "municipality_id",
            "age_min_months",
            "age_max_months",
            "open_on_public_holidays",
        )
    )


def _opening_rows(service_ids, start, end):
    """(service, period dates, weekday, opens, closes) of periods in the window."""
    return list(
        OpeningHours.objects.filter(
            period__service__in=service_ids,
            period__starts_on__lte=end,
            period__ends_on__gte=start,
        ).values_list(
            "period__service_id",
            "period__starts_on",
            "period__ends_on",
            "weekday",
            "opens",
            "closes",
        )
    )


def _closures(service_ids, start, end):
    closed = defaultdict(list)
    for service_id, first, last in Closure.objects.filter(
        service__in=service_ids, starts_on__lte=end, ends_on__gte=start
    ).values_list("service_id", "starts_on", "ends_on"):
        closed[service_id].append((first, last))
    return closed


def _open_days(service, openings, closures, holidays, start, end) -> set[int]:
    """The days in [start, end] on which the service opens, as ordinals.

    ``openings`` are (service, first, last, weekday) rows; ranges of ordinals
    stepping by a week keep this fast for thousands of services.
    """
    days = set()
    for _sid, first, last, weekday in openings:
        day = calendar.next_weekday(weekday, on_or_after=max(first, start))
        days.update(range(day.toordinal(), min(last, end).toordinal() + 1, 7))
    for first, last in closures:
        days.difference_update(range(first.toordinal(), last.toordinal() + 1))
    if not service["open_on_public_holidays"]:
        days -= holidays
    return days


def _opening_days(comuni, start, end):
    """(service, first, last, weekday) of the periods in the window, once each.

    Periods and their weekdays come in two queries, joined here: far fewer date
    conversions than one row per opening.
    """
    periods = OpeningPeriod.objects.filter(
        service__in=Service.objects.published().filter(municipality__in=comuni),
        starts_on__lte=end,
        ends_on__gte=start,
    )
    dates = {
        pk: (service_id, first, last)
        for pk, service_id, first, last in periods.values_list(
            "pk", "service_id", "starts_on", "ends_on"
        )
    }
    weekdays = (
        OpeningHours.objects.filter(period__in=periods.values("pk"))
        .values_list("period_id", "weekday")
        .distinct()
    )
    return [(*dates[pk], weekday) for pk, weekday in weekdays if pk in dates]


def summer_grid(year: int | None = None, *, piana_only=True) -> Grid:
    """Weeks of the summer × comuni × age band: services open that week."""
    year = year or default_summer_year()
    start, end = summer_window(year)
    weeks = weeks_of(start, end)
    comuni = list(grid_comuni(piana_only=piana_only))
    services = _services(comuni)
    ids = [s["pk"] for s in services]
    openings = defaultdict(list)
    for row in _opening_days(comuni, start, end):
        openings[row[0]].append(row)
    closures = _closures(ids, start, end)
    holidays = {
        c.pk: {d.toordinal() for d in calendar.closed_days(c, start, end)}
        for c in comuni
    }
    first = weeks[0].toordinal() if weeks else 0
    span = 7 * len(weeks)
    counts = defaultdict(int)  # (comune, band, week index) -> services
    for service in services:
        days = _open_days(
            service,
            openings.get(service["pk"], ()),
            closures.get(service["pk"], ()),
            holidays[service["municipality_id"]],
            start,
            end,
        )
        open_weeks = {(d - first) // 7 for d in days if 0 <= d - first < span}
        for band in AGE_BANDS:
            if _band_overlaps(service, band):
                for week in open_weeks:
                    counts[(service["municipality_id"], band[0], week)] += 1
    grid = Grid(
        title=str(_("Summer covered")),
        columns=[
            {
                "label": monday.strftime("%d/%m"),
                "title": f"{monday:%d/%m}–{monday + datetime.timedelta(days=6):%d/%m}",
                "month": monday.month,
            }
            for monday in weeks
        ],
        window=(start, end),
    )
    grid.column_groups = _month_groups(weeks)
    for comune in comuni:
        for key, label, _low, _high in AGE_BANDS:
            grid.rows.append(
                {
                    "comune": comune,
                    "band": label,
                    "cells": [counts[(comune.pk, key, i)] for i in range(len(weeks))],
                }
            )
    return grid


def _month_groups(weeks):
    from django.utils.formats import date_format

    groups = []
    for monday in weeks:
        label = date_format(monday, "F").capitalize()
        if groups and groups[-1]["label"] == label:
            groups[-1]["span"] += 1
        else:
            groups.append({"label": label, "span": 1})
    return groups


def school_year_grid(year: int | None = None, *, piana_only=True) -> Grid:
    """Weekday × time band × comuni × age band over the school year: services
    with hours in that band on that weekday in a period of the school year."""
    if year is None:
        year = default_school_year()
    start, end = school_year_window(year)
    comuni = list(grid_comuni(piana_only=piana_only))
    services = {s["pk"]: s for s in _services(comuni)}
    columns = []
    for key, label, weekdays, opens, closes in TIME_BANDS:
        for weekday in weekdays:
            columns.append((key, label, weekday, opens, closes))
    counted = defaultdict(set)  # (comune, age band, column) -> service ids
    for service_id, _first, _last, weekday, opens, closes in _opening_rows(
        list(services), start, end
    ):
        service = services[service_id]
        for index, (_k, _l, band_day, band_opens, band_closes) in enumerate(columns):
            if weekday != band_day or opens >= band_closes or closes <= band_opens:
                continue
            for band in AGE_BANDS:
                if _band_overlaps(service, band):
                    counted[(service["municipality_id"], band[0], index)].add(
                        service_id
                    )
    grid = Grid(
        title=str(_("School year covered")),
        columns=[
            {
                "label": str(WEEKDAY_SHORT[weekday]),
                "title": f"{WEEKDAY_SHORT[weekday]} {label}",
                "band": key,
            }
            for key, label, weekday, _o, _c in columns
        ],
        window=(start, end),
    )
    spans = defaultdict(int)
    for key, *_rest in columns:
        spans[key] += 1
    grid.column_groups = [
        {"label": str(label), "span": spans[key]} for key, label, *_r in TIME_BANDS
    ]
    for comune in comuni:
        for key, label, _low, _high in AGE_BANDS:
            grid.rows.append(
                {
                    "comune": comune,
                    "band": label,
                    "cells": [
                        len(counted[(comune.pk, key, i)]) for i in range(len(columns))
                    ],
                }
            )
    return grid


# ---------------------------------------------------------------------------
# Needs met and unmet


def needs_met(*, piana_only=True) -> list[dict]:
    """Per comune and topic: families that declared the need, services of that
    kind in the comune or a neighbouring one, and their free places. Only
    pairs with a family or a service; counts only."""
    comuni = list(grid_comuni(piana_only=piana_only))
    comune_ids = [c.pk for c in comuni]
    Need = Member.needs.through
    declared = defaultdict(int)
    for row in (
        Need.objects.filter(
            member__kind=MemberKind.FAMILY,
            member__anonymised_at__isnull=True,
            member__municipality__in=comune_ids,
        )
        .exclude(member__status=MemberStatus.FORMER)
        .values("member__municipality_id", "topic_id")
        .annotate(families=Count("member_id", distinct=True))
    ):
        declared[(row["member__municipality_id"], row["topic_id"])] = row["families"]
    stale_before = timezone.now() - PLACES_FRESH_FOR
    offered = {}
    for row in (
        Service.objects.published()
        .values("municipality_id", "kind_id")
        .annotate(
            services=Count("pk"),
            known=Count("pk", filter=Q(places_free__isnull=False)),
            places=Sum("places_free"),
            unconfirmed=Count(
                "pk",
                filter=Q(places_updated_at__isnull=True)
                | Q(places_updated_at__lt=stale_before),
            ),
        )
    ):
        offered[(row["municipality_id"], row["kind_id"])] = row
    neighbours = defaultdict(set)
    Border = Municipality.neighbours.through
    for a, b in Border.objects.values_list(
        "from_municipality_id", "to_municipality_id"
    ):
        neighbours[a].add(b)
    topics = {t.pk: t for t in Topic.objects.all()}
    rows = []
    for comune in comuni:
        reach = {comune.pk} | neighbours[comune.pk]
        for topic_id, topic in topics.items():
            families = declared.get((comune.pk, topic_id), 0)
            services = known = places = unconfirmed = 0
            for other in reach:
                found = offered.get((other, topic_id))
                if found:
                    services += found["services"]
                    known += found["known"]
                    places += found["places"] or 0
                    unconfirmed += found["unconfirmed"]
            if not (families or services):
                continue
            rows.append(
                {
                    "comune": comune,
                    "topic": topic,
                    "families": families,
                    "services": services,
                    "places": places,
                    "unconfirmed": unconfirmed,
                    # No place free is unmet only where every service says so:
                    # one that gives no figure (a time bank) may still help.
                    "unmet": bool(families)
                    and (services == 0 or (known == services and places == 0)),
                }
            )
    rows.sort(key=lambda r: (not r["unmet"], r["comune"].name, r["topic"].label))
    return rows


def coverage_summary(summer: Grid, school: Grid, needs: list[dict]) -> dict:
    return {
        "summer_empty": summer.empty_cells,
        "summer_cells": summer.cells,
        "school_empty": school.empty_cells,
        "school_cells": school.cells,
        "needs_unmet": sum(1 for row in needs if row["unmet"]),
        "needs_rows": len(needs),
    }


def band_hours(key: str) -> str:
    for band_key, _label, _days, opens, closes in TIME_BANDS:
        if band_key == key:
            return f"{format_minutes(opens)}–{format_minutes(closes)}"
    return ""
