"""Demo services across the Piana: nidi, after-school, summer camps, toy
libraries… with believable hours, places and gaps (August in the hill comuni,
no summer nursery in Montecarlo). Dates follow today's, so the demo stays
current: the school year in force (or starting next) and the coming summer.
Idempotent: a service already there (same organisation and name) is left alone.
"""

import datetime
import json
from decimal import Decimal

from django.utils import timezone

from crm.directory import coverage
from crm.directory import services as directory
from crm.models import Member, Municipality, Service, Topic

H = 60  # minutes in an hour


def demo_services() -> list[dict]:
    from crm.reference import FIXTURES

    data = json.loads((FIXTURES / "demo_services.json").read_text("utf-8"))
    return data["services"]


def _school_year(today):
    start_year = coverage.default_school_year(today)
    return (
        datetime.date(start_year, 9, 14),
        datetime.date(start_year + 1, 6, 9),
        f"Anno scolastico {start_year}/{str(start_year + 1)[2:]}",
    )


def _summer(today):
    return coverage.default_summer_year(today)


def _weekdays(opens, closes, days=(0, 1, 2, 3, 4)):
    return [(day, opens, closes) for day in days]


def _periods(schedule, today):
    """(name, start, end, hours) of a named schedule."""
    school_start, school_end, school_name = _school_year(today)
    year = _summer(today)
    summer_name = f"Estate {year}"
    full_day = _weekdays(7 * H + 30, 16 * H + 30)
    schedules = {
        "nido": [(school_name, school_start, school_end, full_day)],
        "nido_summer": [
            (school_name, school_start, school_end, full_day),
            (
                f"Nido estivo {year}",
                datetime.date(year, 7, 1),
                datetime.date(year, 7, 31),
                _weekdays(7 * H + 30, 14 * H),
            ),
        ],
        "post": [
            (school_name, school_start, school_end, _weekdays(16 * H, 18 * H + 30))
        ],
        "pre": [
            (school_name, school_start, school_end, _weekdays(7 * H + 30, 8 * H + 30))
        ],
        "doposcuola": [
            (school_name, school_start, school_end, _weekdays(14 * H + 30, 18 * H))
        ],
        "doposcuola_short": [
            (
                school_name,
                school_start,
                school_end,
                _weekdays(14 * H + 30, 17 * H, (0, 2, 4)),
            )
        ],
        "ludoteca": [
            (
                school_name,
                school_start,
                school_end,
                _weekdays(16 * H, 19 * H, (1, 3)) + [(5, 9 * H + 30, 12 * H + 30)],
            ),
            (
                summer_name,
                datetime.date(year, 6, 15),
                datetime.date(year, 7, 31),
                _weekdays(9 * H, 12 * H + 30),
            ),
        ],
        "play": [
            (
                school_name,
                school_start,
                school_end,
                _weekdays(9 * H + 30, 12 * H, (0, 2)),
            )
        ],
        "desk": [
            (
                "Tutto l'anno",
                datetime.date(school_start.year, 9, 1),
                datetime.date(school_start.year + 1, 8, 31),
                [(1, 9 * H, 12 * H), (3, 15 * H, 18 * H)],
            )
        ],
        "babysitting": [
            (
                "Tutto l'anno",
                datetime.date(school_start.year, 9, 1),
                datetime.date(school_start.year + 1, 8, 31),
                _weekdays(8 * H, 20 * H, (0, 1, 2, 3, 4, 5)),
            )
        ],
        "saturday": [
            (school_name, school_start, school_end, [(5, 9 * H, 12 * H + 30)])
        ],
        "bus": [
            (
                school_name,
                school_start,
                school_end,
                _weekdays(7 * H, 8 * H + 15) + _weekdays(16 * H, 17 * H),
            )
        ],
        "summer_full": [
            (
                summer_name,
                datetime.date(year, 6, 15),
                datetime.date(year, 9, 11),
                _weekdays(8 * H, 16 * H),
            )
        ],
        "summer_july": [
            (
                summer_name,
                datetime.date(year, 7, 1),
                datetime.date(year, 7, 31),
                _weekdays(8 * H, 14 * H),
            )
        ],
        # The hill comuni: June and July only, then nothing until school.
        "summer_short": [
            (
                summer_name,
                datetime.date(year, 6, 15),
                datetime.date(year, 7, 31),
                _weekdays(8 * H + 30, 13 * H),
            )
        ],
    }
    return schedules[schedule]


def _closures(schedule, today):
    year = _summer(today)
    if schedule == "summer_full":
        return [
            (
                datetime.date(year, 8, 10),
                datetime.date(year, 8, 21),
                "Pausa di Ferragosto",
            )
        ]
    if schedule.startswith("nido") or schedule in ("post", "pre", "doposcuola"):
        school_start, _end, _name = _school_year(today)
        return [
            (
                datetime.date(school_start.year, 12, 23),
                datetime.date(school_start.year + 1, 1, 6),
                "Vacanze di Natale",
            )
        ]
    return []


def seed(*, today=None) -> int:
    """Create the demo services; returns how many were added."""
    today = today or timezone.localdate()
    topics = {t.slug: t for t in Topic.objects.all()}
    comuni = {m.name: m for m in Municipality.objects.all()}
    added = 0
    for row in demo_services():
        member = Member.objects.filter(name=row["organisation"]).first()
        name = row["name"]
        if member is None or Service.objects.filter(member=member, name=name).exists():
            continue
        comune, schedule, offset = row["comune"], row["schedule"], row["offset"]
        place = comuni[comune]
        service = directory.service_save(
            member=member,
            by=None,
            kind=topics[row["kind"]],
            name=name,
            description=row["description"],
            age_min_months=row["ages"][0],
            age_max_months=row["ages"][1],
            municipality=place,
            address=row["address"],
            latitude=(place.latitude + Decimal(str(offset[0]))).quantize(
                Decimal("0.00001")
            ),
            longitude=(place.longitude + Decimal(str(offset[1]))).quantize(
                Decimal("0.00001")
            ),
            cost=row["cost"],
            cost_notes=row["cost_notes"],
            how_to_apply=_how_to_apply(row["organisation"], row["kind"]),
            contact_email=member.email,
            contact_phone=member.phone,
            languages="italiano, inglese" if added % 3 == 0 else "italiano",
            accessibility="Accesso senza barriere, bagno attrezzato."
            if added % 2 == 0
            else "",
            capacity=row["capacity"],
            places_free=row["places_free"],
        )
        age_days = row["places_updated_days_ago"]
        if age_days is not None:
            Service.objects.filter(pk=service.pk).update(
                places_updated_at=timezone.now() - datetime.timedelta(days=age_days)
            )
        for period_name, start, end, hours in _periods(schedule, today):
            directory.period_save(
                service=service,
                by=None,
                name=period_name,
                starts_on=start,
                ends_on=end,
                hours=hours,
            )
        for start, end, reason in _closures(schedule, today):
            directory.closure_add(
                service=service, by=None, starts_on=start, ends_on=end, reason=reason
            )
        added += 1
    return added


def _how_to_apply(org_name, slug):
    if org_name.startswith("Comune di"):
        return (
            "Domanda online sul sito del Comune (con SPID) entro le date del bando; "
            "posti disponibili anche durante l'anno, chiedere all'ufficio scuola."
        )
    if slug == "centri-estivi":
        return "Iscrizione settimana per settimana, da aprile, scrivendo o telefonando."
    return "Scrivere o telefonare per un primo incontro."
