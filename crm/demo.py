"""Demo network for the Piana di Lucca: fictitious families and organisations,
real public institutions, demo logins. Idempotent: run it as often as you like."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from localflavor.it.util import vat_number_check_digit

from crm import services
from crm.models import (
    AffiliationRole,
    Child,
    ConsentHow,
    ConsentPurpose,
    InstitutionType,
    InteractionKind,
    Member,
    MemberKind,
    MemberSource,
    MemberStatus,
    Municipality,
    Person,
    Service,
    Topic,
)
from crm.permissions import role_assign
from crm.reference import load_reference_data
from crm.roles import COORDINATOR, LIAISON

DEMO_PASSWORD = "luccainfamiglia"
NOTICE_VERSION = "2020-1"

# (surname, comune, guardians, children as (year, month), needs)
FAMILIES = [
    (
        "Bianchi",
        "Lucca",
        ["Giulia", "Marco"],
        [(2022, 3), (2024, 11)],
        ["nido", "orari-flessibili"],
    ),
    ("Rossi", "Capannori", ["Elena"], [(2021, 6)], ["scuola-infanzia", "doposcuola"]),
    ("Lenzi", "Porcari", ["Sara", "Davide"], [(2023, 1)], ["nido", "babysitting"]),
    (
        "Giannini",
        "Altopascio",
        ["Francesca"],
        [(2020, 9), (2023, 4)],
        ["centri-estivi", "trasporto"],
    ),
    (
        "Pieroni",
        "Lucca",
        ["Chiara", "Luca"],
        [(2022, 12)],
        ["spazi-gioco", "smart-working"],
    ),
    ("Bertolucci", "Montecarlo", ["Silvia"], [(2021, 2)], ["centri-estivi"]),
    (
        "Del Carlo",
        "Capannori",
        ["Martina", "Paolo"],
        [(2024, 5)],
        ["nido", "sostegno-genitorialita"],
    ),
    (
        "Pardini",
        "Pescaglia",
        ["Valentina"],
        [(2022, 8), (2019, 10)],
        ["trasporto", "doposcuola"],
    ),
    (
        "Matteucci",
        "Villa Basilica",
        ["Irene", "Stefano"],
        [(2023, 7)],
        ["babysitting", "spazi-gioco"],
    ),
    (
        "Lazzari",
        "Lucca",
        ["Alessia"],
        [(2021, 11)],
        ["orari-flessibili", "centri-estivi"],
    ),
    (
        "Nieri",
        "Porcari",
        ["Laura", "Andrea"],
        [(2020, 4), (2022, 4)],
        ["pre-scuola", "doposcuola"],
    ),
    ("Puccinelli", "Altopascio", ["Serena"], [(2024, 1)], ["nido"]),
    (
        "Cecchini",
        "Capannori",
        ["Federica", "Simone"],
        [(2022, 6)],
        ["smart-working", "ludoteca"],
    ),
    ("Favilla", "Lucca", ["Roberta"], [(2021, 9)], ["sostegno-genitorialita"]),
    (
        "Ghilarducci",
        "Montecarlo",
        ["Anna", "Matteo"],
        [(2023, 10)],
        ["babysitting", "nido"],
    ),
    (
        "Marchetti",
        "Lucca",
        ["Beatrice"],
        [(2020, 12), (2024, 2)],
        ["doposcuola", "centri-estivi"],
    ),
    ("Orsi", "Pescaglia", ["Monica"], [(2022, 1)], ["trasporto"]),
    ("Tognetti", "Capannori", ["Cristina", "Fabio"], [(2021, 5)], ["orari-flessibili"]),
]

# (kind, name, legal form, comune, offers, contact (first, last), extras)
ORGANISATIONS = [
    (
        MemberKind.THIRD_SECTOR,
        "Associazione Genitori Insieme APS",
        "APS",
        "Lucca",
        ["sostegno-genitorialita", "auto-mutuo-aiuto"],
        ("Lucia", "Baroni"),
        {"runts_number": "RUNTS-LU-1042"},
    ),
    (
        MemberKind.THIRD_SECTOR,
        "Cooperativa Sociale Il Girasole",
        "Cooperativa sociale",
        "Capannori",
        ["nido", "centri-estivi", "doposcuola"],
        ("Giorgio", "Landucci"),
        {"runts_number": "RUNTS-LU-2210"},
    ),
    (
        MemberKind.THIRD_SECTOR,
        "Banca del Tempo della Piana",
        "ODV",
        "Porcari",
        ["banca-del-tempo", "babysitting"],
        ("Rita", "Simonetti"),
        {"runts_number": "RUNTS-LU-3307"},
    ),
    (
        MemberKind.THIRD_SECTOR,
        "Ludoteca Il Trenino ETS",
        "APS",
        "Altopascio",
        ["ludoteca", "spazi-gioco"],
        ("Nicola", "Fambrini"),
        {"runts_number": "RUNTS-LU-4120"},
    ),
    (
        MemberKind.THIRD_SECTOR,
        "Polisportiva Piana Giovani ASD",
        "ASD",
        "Montecarlo",
        ["attivita-sportive", "centri-estivi"],
        ("Sandro", "Bonini"),
        {"runts_number": "RUNTS-LU-5531"},
    ),
    (
        MemberKind.THIRD_SECTOR,
        "Centro Famiglie La Rondine",
        "Cooperativa sociale",
        "Lucca",
        ["sportello-famiglie", "consulenza-pedagogica"],
        ("Paola", "Martinelli"),
        {"runts_number": "RUNTS-LU-6018"},
    ),
    (
        MemberKind.BUSINESS,
        "Cartotecnica Serchio S.r.l.",
        "S.r.l.",
        "Porcari",
        ["orari-flessibili", "welfare-aziendale"],
        ("Carlo", "Pellegrini"),
        {"ateco_code": "17.21", "employees": 85},
    ),
    (
        MemberKind.BUSINESS,
        "Officine Meccaniche Pianesi S.p.A.",
        "S.p.A.",
        "Capannori",
        ["smart-working", "welfare-aziendale"],
        ("Monica", "Ricci"),
        {"ateco_code": "28.99", "employees": 140},
    ),
    (
        MemberKind.BUSINESS,
        "Trasporti Lucchesi S.n.c.",
        "S.n.c.",
        "Lucca",
        ["trasporto", "accompagnamento"],
        ("Mauro", "Giusti"),
        {"ateco_code": "49.39", "employees": 22},
    ),
    (
        MemberKind.BUSINESS,
        "Agriturismo Le Colline di Montecarlo",
        "Società agricola",
        "Montecarlo",
        ["centri-estivi"],
        ("Elisa", "Guidi"),
        {"ateco_code": "55.20", "employees": 6},
    ),
    (
        MemberKind.BUSINESS,
        "Studio Pediatrico Associato Altopascio",
        "Studio associato",
        "Altopascio",
        ["consulenza-pedagogica"],
        ("Franco", "Morelli"),
        {"ateco_code": "86.22", "employees": 9},
    ),
    (
        MemberKind.BUSINESS,
        "Mensa Bio Piana S.r.l.",
        "S.r.l.",
        "Lucca",
        ["mensa"],
        ("Teresa", "Vannucci"),
        {"ateco_code": "56.29", "employees": 31},
    ),
    (
        MemberKind.INSTITUTION,
        "Comune di Lucca",
        "Ente pubblico",
        "Lucca",
        ["sportello-famiglie", "nido"],
        ("Ilaria", "Vietina"),
        {
            "institution_type": InstitutionType.MUNICIPALITY,
            "codice_fiscale": "00378210462",
            "partita_iva": "00378210462",
        },
    ),
    (
        MemberKind.INSTITUTION,
        "Comune di Capannori",
        "Ente pubblico",
        "Capannori",
        ["nido", "trasporto"],
        ("Sonia", "Paoli"),
        {"institution_type": InstitutionType.MUNICIPALITY},
    ),
    (
        MemberKind.INSTITUTION,
        "Comune di Altopascio",
        "Ente pubblico",
        "Altopascio",
        ["centri-estivi"],
        ("Daniele", "Cortopassi"),
        {"institution_type": InstitutionType.MUNICIPALITY},
    ),
    (
        MemberKind.INSTITUTION,
        "Comune di Porcari",
        "Ente pubblico",
        "Porcari",
        ["doposcuola"],
        ("Giovanna", "Fanucchi"),
        {"institution_type": InstitutionType.MUNICIPALITY},
    ),
    (
        MemberKind.INSTITUTION,
        "Comune di Montecarlo",
        "Ente pubblico",
        "Montecarlo",
        ["spazi-gioco"],
        ("Vittorio", "Natali"),
        {"institution_type": InstitutionType.MUNICIPALITY},
    ),
    (
        MemberKind.INSTITUTION,
        "Comune di Pescaglia",
        "Ente pubblico",
        "Pescaglia",
        ["trasporto"],
        ("Marta", "Pierotti"),
        {"institution_type": InstitutionType.MUNICIPALITY},
    ),
    (
        MemberKind.INSTITUTION,
        "Comune di Villa Basilica",
        "Ente pubblico",
        "Villa Basilica",
        ["spazi-gioco"],
        ("Renzo", "Bonuccelli"),
        {"institution_type": InstitutionType.MUNICIPALITY},
    ),
    (
        MemberKind.INSTITUTION,
        "Provincia di Lucca — Lucca Family net",
        "Ente pubblico",
        "Lucca",
        ["welfare-aziendale", "orari-flessibili"],
        ("Teresa", "Leone"),
        {"institution_type": InstitutionType.PROVINCE},
    ),
    (
        MemberKind.INSTITUTION,
        "Istituto Comprensivo Lucca 2",
        "Istituzione scolastica",
        "Lucca",
        ["pre-scuola", "scuola-infanzia"],
        ("Angela", "Raffaelli"),
        {"institution_type": InstitutionType.SCHOOL},
    ),
    (
        MemberKind.INSTITUTION,
        "Consultorio familiare della Piana",
        "Servizio sanitario",
        "Capannori",
        ["sostegno-genitorialita", "consulenza-pedagogica"],
        ("Laura", "Benedetti"),
        {"institution_type": InstitutionType.HEALTH},
    ),
]

DEMO_STAFF = [
    # (role label, email, first, last, group role)
    (
        "Coordinatrice di rete",
        "coordinatrice@luccainfamiglia.example",
        "Chiara",
        "Coordinatrice",
        COORDINATOR,
    ),
    (
        "Referente Lucca Family net",
        "referente@luccafamilynet.example",
        "Marta",
        "Galli",
        LIAISON,
    ),
]

# Member logins: (label, email, member name, role). The people come from the
# families and organisations above.
DEMO_MEMBER_LOGINS = [
    (
        "Genitore (Famiglia Bianchi)",
        "giulia.bianchi@example.org",
        "Famiglia Bianchi",
        AffiliationRole.GUARDIAN,
    ),
    (
        "Genitore (Famiglia Rossi)",
        "elena.rossi@example.org",
        "Famiglia Rossi",
        AffiliationRole.GUARDIAN,
    ),
    (
        "Legale rappresentante (Genitori Insieme)",
        "lucia.baroni@example.org",
        "Associazione Genitori Insieme APS",
        AffiliationRole.LEGAL_REPRESENTATIVE,
    ),
    (
        "Legale rappresentante (Il Girasole)",
        "giorgio.landucci@example.org",
        "Cooperativa Sociale Il Girasole",
        AffiliationRole.LEGAL_REPRESENTATIVE,
    ),
]

# A published secret, so demo staff can add it to any authenticator app (or run
# `manage.py demo_totp EMAIL`). Never used outside the demo accounts.
DEMO_TOTP_SECRET = "LUCCAINFAMIGLIA2"


def _partita_iva(seed: int) -> str:
    body = f"{seed:010d}"
    return body + str(vat_number_check_digit(body))


def _email(first: str, last: str) -> str:
    local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
    return f"{local}@example.org"


def _demo_user(email: str, first: str, last: str):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=email,
        defaults={"email": email, "first_name": first, "last_name": last},
    )
    if created or not user.has_usable_password():
        user.set_password(DEMO_PASSWORD)
        user.save()
    _verified_email(user)
    return user


def _verified_email(user) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def demo_second_factor(user) -> None:
    """Give a demo account that uses the back office the published demo secret,
    and recovery codes (to try a login without the app)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type="totp").exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
    if not Authenticator.objects.filter(user=user, type="recovery_codes").exists():
        RecoveryCodes.activate(user)


def _seed_staff() -> list[tuple[str, str, str]]:
    logins = []
    for label, email, first, last, role in DEMO_STAFF:
        user = _demo_user(email, first, last)
        person, _created = services.person_upsert(
            email=email, first_name=first, last_name=last
        )
        if person.user_id is None:
            person.user = user
            person.save(update_fields=["user"])
        role_assign(user=user, role=role, by=None, reason="demo")
        demo_second_factor(user)
        logins.append((label, email, DEMO_PASSWORD))
    return logins


def _seed_member_logins() -> list[tuple[str, str, str]]:
    logins = []
    for label, email, member_name, role in DEMO_MEMBER_LOGINS:
        person = Person.objects.by_email(email).get()
        user = _demo_user(email, person.first_name, person.last_name)
        if person.user_id is None:
            person.user = user
            person.save(update_fields=["user"])
        member = Member.objects.get(name=member_name)
        role_assign(user=user, role=role, member=member, by=None, reason="demo")
        logins.append((label, email, DEMO_PASSWORD))
    return logins


def _member(kind, name, comune, *, joined, **fields) -> Member:
    member = Member.objects.filter(kind=kind, name=name).first()
    if member:
        return member
    return services.member_create(
        source=MemberSource.MANUAL,
        kind=kind,
        name=name,
        municipality=Municipality.objects.get(name=comune),
        status=MemberStatus.ACTIVE,
        joined_on=joined,
        **fields,
    )


def _seed_families(topics, start: datetime.date) -> list[Member]:
    families = []
    for index, (surname, comune, guardians, children, needs) in enumerate(FAMILIES):
        family = _family(index, surname, comune, guardians, needs, topics, start)
        if not family.children.exists():
            Child.objects.bulk_create(
                Child(family=family, birth_year=y, birth_month=m) for y, m in children
            )
        for first in guardians:
            person, _ = services.person_upsert(
                email=_email(first, surname), first_name=first, last_name=surname
            )
            services.affiliation_add(
                person=person,
                member=family,
                role=AffiliationRole.GUARDIAN,
                start_date=family.joined_on,
            )
            services.consent_give(
                person=person,
                purpose=ConsentPurpose.PRIVACY,
                notice_version=NOTICE_VERSION,
                how=ConsentHow.REGISTRATION,
            )
        families.append(family)
    return families


def _family(index, surname, comune, guardians, needs, topics, start) -> Member:
    return _member(
        MemberKind.FAMILY,
        f"Famiglia {surname}",
        comune,
        joined=start + datetime.timedelta(days=9 * index),
        email=_email(guardians[0], surname),
        phone=f"+3934712{index:05d}",
        needs=[topics[slug] for slug in needs],
    )


def _seed_organisations(topics, start: datetime.date) -> list[Member]:
    organisations = []
    for index, (kind, name, form, comune, offers, contact, extra) in enumerate(
        ORGANISATIONS
    ):
        extra = dict(extra)
        if kind == MemberKind.BUSINESS:
            extra.setdefault("partita_iva", _partita_iva(1_234_560 + index))
            extra.setdefault("codice_fiscale", extra["partita_iva"])
        if kind == MemberKind.THIRD_SECTOR:
            extra.setdefault("codice_fiscale", _partita_iva(9_100_000 + index))
        first, last = contact
        org = _member(
            kind,
            name,
            comune,
            joined=start + datetime.timedelta(days=11 * index),
            legal_name=name,
            legal_form=form,
            email=_email(first, last).replace("example.org", "example.net"),
            offers=[topics[slug] for slug in offers],
            phone=f"+390583{index + 440100:06d}",
            listed_publicly=True,
            **extra,
        )
        person, _ = services.person_upsert(
            email=_email(first, last), first_name=first, last_name=last
        )
        services.affiliation_add(
            person=person,
            member=org,
            role=AffiliationRole.LEGAL_REPRESENTATIVE,
            start_date=org.joined_on,
        )
        services.consent_give(
            person=person,
            purpose=ConsentPurpose.PRIVACY,
            notice_version=NOTICE_VERSION,
            how=ConsentHow.PAPER,
        )
        organisations.append(org)
    return organisations


def _seed_interactions(members: list[Member], author) -> None:
    kinds = [
        InteractionKind.CALL,
        InteractionKind.EMAIL,
        InteractionKind.MEETING,
        InteractionKind.NOTE,
    ]
    subjects = [
        "Presentazione della rete",
        "Invito al tavolo tematico del 24 ottobre",
        "Raccolta delle esigenze di conciliazione",
        "Proposta di adesione al patto di comunità",
    ]
    for index, member in enumerate(members):
        if member.interactions.exists():
            continue
        for step in range(1 + index % 3):
            services.interaction_log(
                member=member,
                kind=kinds[(index + step) % len(kinds)],
                subject=subjects[(index + step) % len(subjects)],
                body="Contatto registrato durante il percorso Lucca In famiglia.",
                author=author,
                occurred_at=timezone.make_aware(
                    datetime.datetime(2020, 10, 1 + (index + step * 7) % 28, 10, 30)
                ),
            )


@transaction.atomic
def seed(*, stdout=None) -> list[tuple[str, str, str]]:
    """Create the demo network and return the demo logins."""
    load_reference_data(Municipality, Topic)
    topics = {t.slug: t for t in Topic.objects.all()}
    logins = _seed_staff()
    start = datetime.date(2020, 10, 9)
    families = _seed_families(topics, start)
    organisations = _seed_organisations(topics, start)
    author = get_user_model().objects.get(username=DEMO_STAFF[0][1])
    _seed_interactions(families + organisations, author)
    logins += _seed_member_logins()
    from crm.directory import demo as directory_demo

    directory_demo.seed()
    if stdout is not None:
        stdout.write(
            f"CRM: {Member.objects.count()} members, {Person.objects.count()} people, "
            f"{Service.objects.count()} services."
        )
    return logins
