"""Reads of the services directory: search, a service's week, a family's matches.

The search runs in a fixed number of queries whatever the number of services
and opening rows: one for the comuni that keep their patron saint's day on the
chosen date, one for the neighbours of the chosen comune, one (plus the
paginator's count) for the services. Holidays are computed, never queried.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from crm.directory import calendar
from crm.models import (
    Closure,
    CostKind,
    Member,
    Municipality,
    OpeningHours,
    Service,
)

# The child's age as a family picks it: (key, min months, max months).
AGE_BANDS = (
    ("0-5m", 0, 5),
    ("6-11m", 6, 11),
    ("1y", 12, 23),
    ("2y", 24, 35),
    ("3y", 36, 47),
    ("4y", 48, 59),
    ("5y", 60, 71),
    ("6y", 72, 83),
    ("7-10y", 84, 131),
    ("11-14y", 132, 179),
)
AGE_BAND_RANGES = {key: (low, high) for key, low, high in AGE_BANDS}


@dataclass
class DirectoryQuery:
    """What a family asks the directory; every field optional."""

    municipality: Municipality | None = None
    include_neighbours: bool = False
    age: str = ""
    kinds: list = field(default_factory=list)
    weekday: int | None = None
    minute: int | None = None
    on: datetime.date | None = None
    open_now: bool = False
    free_places: bool = False
    free_of_charge: bool = False
    text: str = ""

    def moment(self, now: datetime.datetime | None = None):
        """The (date, minute) the opening filters ask about, or (None, None)."""
        now = timezone.localtime(now)
        if self.open_now:
            return now.date(), now.hour * 60 + now.minute
        if self.weekday is None and self.on is None:
            return None, self.minute
        start = self.on or now.date()
        day = (
            start
            if self.weekday is None
            else calendar.next_weekday(self.weekday, on_or_after=start)
        )
        return day, self.minute


def open_on(queryset, day: datetime.date, minute: int | None = None):
    """Services open on ``day`` (at ``minute`` when given): a period covers the
    day, hours on its weekday (around the minute), no closure, no holiday."""
    hours = OpeningHours.objects.filter(
        period__service=OuterRef("pk"),
        period__starts_on__lte=day,
        period__ends_on__gte=day,
        weekday=day.weekday(),
    )
    if minute is not None:
        hours = hours.filter(opens__lte=minute, closes__gt=minute)
    closed = Closure.objects.filter(
        service=OuterRef("pk"), starts_on__lte=day, ends_on__gte=day
    )
    queryset = queryset.filter(Exists(hours)).exclude(Exists(closed))
    if calendar.is_national_holiday(day):
        return queryset.filter(open_on_public_holidays=True)
    patron_comuni = calendar.patron_municipality_ids(day)
    if patron_comuni:
        queryset = queryset.exclude(
            Q(municipality__in=patron_comuni) & Q(open_on_public_holidays=False)
        )
    return queryset


def directory_search(query: DirectoryQuery, *, base=None, now=None):
    """The published services that answer ``query``, ready for the list."""
    services = (base if base is not None else Service.objects.published()).for_list()
    if query.municipality is not None:
        comuni = [query.municipality.pk]
        if query.include_neighbours:
            comuni += list(query.municipality.neighbours.values_list("pk", flat=True))
        services = services.filter(municipality__in=comuni)
    if query.age in AGE_BAND_RANGES:
        services = services.for_ages(*AGE_BAND_RANGES[query.age])
    if query.kinds:
        services = services.filter(kind__in=query.kinds)
    if query.free_places:
        services = services.filter(places_free__gt=0)
    if query.free_of_charge:
        services = services.filter(cost=CostKind.FREE)
    if query.text:
        for word in query.text.split()[:8]:
            services = services.filter(
                Q(name__icontains=word)
                | Q(description__icontains=word)
                | Q(member__name__icontains=word)
                | Q(address__icontains=word)
            )
    day, minute = query.moment(now)
    if day is not None:
        services = open_on(services, day, minute)
    elif minute is not None:
        # A time with no day: open at that time on some day of a period in force.
        today = timezone.localdate(now)
        services = services.filter(
            Exists(
                OpeningHours.objects.filter(
                    period__service=OuterRef("pk"),
                    period__ends_on__gte=today,
                    opens__lte=minute,
                    closes__gt=minute,
                )
            )
        )
    return services.order_by("municipality__name", "name", "pk")


# ---------------------------------------------------------------------------
# One service


@dataclass
class WeekDay:
    weekday: int
    label: str
    hours: list


def service_periods(service: Service, *, today: datetime.date | None = None):
    """The periods still to come or in force, with their week laid out by day."""
    from crm.models import WEEKDAYS

    today = today or timezone.localdate()
    periods = list(service.periods.filter(ends_on__gte=today).prefetch_related("hours"))
    laid_out = []
    for period in periods:
        by_day = {number: [] for number, _label in WEEKDAYS}
        for hours in period.hours.all():
            by_day[hours.weekday].append(hours)
        week = [
            WeekDay(number, label, by_day[number])
            for number, label in WEEKDAYS
            if by_day[number] or number < 5
        ]
        laid_out.append({"period": period, "week": week})
    return laid_out


def service_upcoming_closures(service: Service, *, days=120, today=None):
    """Closures in the next ``days`` days, and the holidays on which the service
    would otherwise open (a period covers the day, it has hours that weekday,
    no closure already takes it out)."""
    today = today or timezone.localdate()
    end = today + datetime.timedelta(days=days)
    closures = list(service.closures.filter(ends_on__gte=today, starts_on__lte=end))
    holidays = []
    if service.open_on_public_holidays:
        return closures, holidays
    periods = [
        (period, {hours.weekday for hours in period.hours.all()})
        for period in service.periods.filter(
            ends_on__gte=today, starts_on__lte=end
        ).prefetch_related("hours")
    ]
    for day in sorted(calendar.closed_days(service.municipality, today, end)):
        would_open = any(
            p.starts_on <= day <= p.ends_on and day.weekday() in weekdays
            for p, weekdays in periods
        )
        closed_anyway = any(c.starts_on <= day <= c.ends_on for c in closures)
        if would_open and not closed_anyway:
            holidays.append(
                {"day": day, "name": calendar.holiday_name(day, service.municipality)}
            )
    return closures, holidays


def is_open_now(service: Service, *, now=None) -> bool:
    now = timezone.localtime(now)
    minute = now.hour * 60 + now.minute
    return open_on(Service.objects.filter(pk=service.pk), now.date(), minute).exists()


# ---------------------------------------------------------------------------
# A family's services


def family_matches(family: Member, *, on: datetime.date | None = None):
    """Published services for the family's children's ages, in its comune or a
    neighbouring one, of the kinds it declared it needs (any kind when none)."""
    on = on or timezone.localdate()
    services = Service.objects.published().for_list()
    ages = [child.age_in_months(on) for child in family.children.all()]
    ages = [age for age in ages if age >= 0]
    if ages:
        condition = Q()
        for age in ages:
            condition |= Q(age_min_months__lte=age, age_max_months__gte=age)
        services = services.filter(condition)
    if family.municipality_id:
        comuni = [
            family.municipality_id,
            *family.municipality.neighbours.values_list("pk", flat=True),
        ]
        services = services.filter(municipality__in=comuni)
    needs = list(family.needs.values_list("pk", flat=True))
    if needs:
        services = services.filter(kind__in=needs)
    return services.order_by("-places_free", "municipality__name", "name")
