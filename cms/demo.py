"""The real 2020 programme of Lucca In famiglia, plus demo events to try.

Called by ``seed_demo``; idempotent: pages found by slug are left as they are,
so an editor's changes survive a re-run.
"""

import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.models import Page

from cms.models import (
    AgendaItem,
    EventKind,
    EventPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
    PrivacyNoticePage,
    ProgrammePage,
    RegistrantKind,
    Registration,
    RegistrationStatus,
    Speaker,
    StandardPage,
    Venue,
)
from crm.models import Person, Topic

ROME = ZoneInfo("Europe/Rome")
CONTACT_EMAIL = "luccainfamiglia2020@gmail.com"
CONTACT_PHONE = "327-9511586"
EDITOR_EMAIL = "redazione@example.org"
EDITOR_PASSWORD = "luccainfamiglia"

PROMOTERS = (
    "<p>Il percorso è realizzato all'interno del progetto <b>Lucca IN</b>, promosso "
    "dal <b>Comune di Lucca</b> e finanziato all'interno del <b>Fondo per il "
    "contrasto alla povertà educativa</b>, ed è realizzato in collaborazione con il "
    "progetto <b>Lucca Family net</b>, il progetto innovativo della Provincia di "
    "Lucca che mira a dare concretezza e continuità alle politiche di conciliazione "
    "tempi della famiglia e del lavoro.</p>"
)

SPEAKERS = {
    "vietina": (
        "Ilaria Vietina",
        "Assessora alle attività formative",
        "Comune di Lucca",
    ),
    "berionni": (
        "Carlotta Berionni",
        "Ricercatrice",
        "Università Ca' Foscari - Venezia",
    ),
    "nastasi": (
        "Vincenza Nastasi",
        "Responsabile dei progetti di conciliazione",
        'Cooperativa "La Grande Casa" - Sesto San Giovanni (Mi)',
    ),
    "galantini": (
        "Patrizia Galantini",
        "Responsabile ufficio pari opportunità",
        "Unione Comuni Terre d'Argine",
    ),
    "nicoletto": (
        "Debora Nicoletto",
        "Coordinatrice dei distretti famiglia della provincia di Trento",
        "",
    ),
    "leone": ("Teresa Leone", "Consigliera Delegata", "Provincia di Lucca"),
}

# (start, end, title, speaker keys)
WEBINAR_AGENDA = [
    (
        "17:00",
        None,
        "Introduzione - Il progetto Lucca IN e le attività di supporto alle famiglie",
        ["vietina"],
    ),
    (
        None,
        None,
        "Creare reti di solidarietà tra famiglie: il progetto Family Share di Bologna",
        ["berionni"],
    ),
    (
        None,
        None,
        "Costruire servizi di supporto familiare per i dipendenti di imprese "
        "cooperative",
        ["nastasi"],
    ),
    (
        None,
        None,
        "Costruire una rete di welfare aziendale territoriale: il caso dei "
        "Comuni Terre d'Argine (MO)",
        ["galantini"],
    ),
    (
        None,
        None,
        "Come un intero territorio può collaborare per supportare le "
        "famiglie: i Distretti Famiglia del Trentino",
        ["nicoletto"],
    ),
    (
        None,
        None,
        "Favorire la conciliazione famiglia-lavoro a Lucca: il progetto "
        "Lucca Family net",
        ["leone"],
    ),
    (None, "19:30", "Spazio per riflessioni e domande", []),
]

WORKSHOP_AGENDA = [
    ("10:00", None, "Plenaria iniziale", []),
    (None, None, "Tavoli tematici con l'assistenza di facilitatori", []),
    (None, "17:00", "Plenaria finale: sintesi degli spunti emersi dalla giornata", []),
]


def _at(day: str, time: str = "00:00") -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=ROME)


def _time(value):
    return datetime.time.fromisoformat(value) if value else None


def _child(parent: Page, model, slug: str, **fields):
    """The live child page with this slug, created and published if missing."""
    existing = parent.get_children().filter(slug=slug).specific().first()
    if existing:
        return existing, False
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page, True


def _home() -> HomePage:
    home = HomePage.objects.first()
    if home is None:
        raise RuntimeError("Run migrate first: it creates the home page.")
    if not home.intro:
        home.intro = (
            "Esperienze, riflessioni e aspirazioni per costruire una rete di "
            "supporto alle famiglie della Piana di Lucca."
        )
        home.body = (
            "<p>Lucca In promuove opportunità educative per <b>famiglie</b> e "
            "<b>bambini da 0 a 6 anni</b> sulla Piana di Lucca. Con questa "
            "iniziativa intende stimolare la <b>nascita di una rete</b> per "
            "<b>supportare</b> le famiglie nel difficile sforzo di <b>conciliare "
            "esigenze familiari e lavoro</b>.</p>"
        )
        home.save_revision().publish()
    return home


def _speakers() -> dict[str, Speaker]:
    found = {}
    for key, (name, role, organisation) in SPEAKERS.items():
        found[key], _created = Speaker.objects.get_or_create(
            name=name, defaults={"role": role, "organisation": organisation}
        )
    return found


def _agenda_items(agenda, speakers) -> list[AgendaItem]:
    return [
        AgendaItem(
            sort_order=order,
            starts_at=_time(start),
            ends_at=_time(end),
            title=title,
            speakers=[speakers[k] for k in keys],
        )
        for order, (start, end, title, keys) in enumerate(agenda)
    ]


def _event(programme, slug, *, agenda=(), speakers=None, **fields):
    items = _agenda_items(agenda, speakers) if agenda else []
    event, _created = _child(programme, EventPage, slug, agenda_items=items, **fields)
    return event


# Until December 2026 the demo's programme said "Lucca, ottobre/novembre 2020"
# above the 2027 events; a page still carrying that exact text is refreshed.
_PROGRAMME_INTRO_2020 = (
    "<p><b>Percorso di progettazione partecipata</b> rivolto a famiglie, "
    "cittadini, istituzioni, realtà del terzo settore, imprese della "
    "provincia di Lucca. Lucca, ottobre/novembre 2020.</p>"
    "<p>La <b>partecipazione</b> agli incontri è <b>gratuita</b> ma per "
    "ragioni organizzative è <b>necessario iscriversi</b>.</p>"
)
PROGRAMME_INTRO = (
    "<p><b>Percorso di progettazione partecipata</b> rivolto a famiglie, "
    "cittadini, istituzioni, realtà del terzo settore e imprese della provincia "
    "di Lucca: iniziato a Lucca nell'autunno del 2020, continua con gli incontri "
    "della rete.</p>"
    "<p>La <b>partecipazione</b> agli incontri è <b>gratuita</b> ma per "
    "ragioni organizzative è <b>necessario iscriversi</b>.</p>"
)
NETWORK_BODY = PROMOTERS + (
    '<p>Le famiglie e le organizzazioni della rete aderiscono al <a href="/patto/">'
    "patto di comunità</a>, che si può leggere con l'elenco di chi aderisce. "
    'Chi ha un patto firmato può <a href="/verifica/">verificare che sia '
    "autentico</a> con il suo codice o il suo PDF.</p>"
)


def _refresh(page, field: str, old: str, new: str) -> None:
    """Publish ``new`` in place of the demo's ``old`` text, if nobody changed it."""
    if getattr(page, field) == old:
        setattr(page, field, new)
        page.save_revision().publish()


def _programme(home: HomePage) -> ProgrammePage:
    programme, _created = _child(
        home,
        ProgrammePage,
        "programma",
        title="Il programma",
        intro=PROGRAMME_INTRO,
        contact_email=CONTACT_EMAIL,
        contact_phone=CONTACT_PHONE,
        promoters=PROMOTERS,
    )
    _refresh(programme, "intro", _PROGRAMME_INTRO_2020, PROGRAMME_INTRO)
    return programme


def _venue() -> Venue:
    venue, _created = Venue.objects.get_or_create(
        name="Casermetta San Paolino",
        defaults={"address": "Baluardo San Paolino, Mura di Lucca", "city": "Lucca"},
    )
    return venue


def _programme_2020(programme, venue) -> list[EventPage]:
    speakers = _speakers()
    webinar = _event(
        programme,
        "webinar-una-comunita-a-supporto-delle-famiglie",
        title=(
            "Una comunità a supporto delle famiglie: esempi di reti territoriali "
            "e di conciliazione famiglia-lavoro"
        ),
        kind=EventKind.WEBINAR,
        start=_at("2020-10-09", "17:00"),
        end=_at("2020-10-09", "19:30"),
        summary=(
            "Durante il webinar saranno presentate e discusse esperienze di "
            "conciliazione e di reti realizzate in diversi contesti. Seguirà uno "
            "spazio per riflessioni e domande."
        ),
        online_url="https://meet.example.org/lucca-in-famiglia-webinar-2020",
        agenda=WEBINAR_AGENDA,
        speakers=speakers,
    )
    workshop = _event(
        programme,
        "verso-un-patto-di-comunita",
        title="Verso un patto di comunità per fornire supporto alle famiglie",
        kind=EventKind.PARTICIPATORY_MEETING,
        start=_at("2020-10-24", "10:00"),
        end=_at("2020-10-24", "17:00"),
        venue=venue,
        summary=(
            "Obiettivo dell'incontro è attivare una progettualità locale, creando "
            "un collegamento fra le esperienze che sono state presentate, le "
            "esigenze e le possibilità del territorio."
        ),
        body=(
            "<p>Si tratta di un <b>incontro</b> nel quale i <b>partecipanti "
            "condividono punti di vista, esigenze, esperienze, preoccupazioni e "
            "proposte.</b></p><p>Non è un convegno e non ci sono relazioni "
            "preordinate. Dopo una plenaria iniziale lavoreremo divisi in tavoli "
            "tematici con l'assistenza di facilitatori e in sicurezza, rispettando "
            "tutte le norme anti-Covid19. Ci troveremo di nuovo in plenaria per "
            "sintetizzare gli spunti emersi dalla giornata.</p>"
        ),
        agenda=WORKSHOP_AGENDA,
        speakers=speakers,
    )
    launch = _event(
        programme,
        "avvio-della-rete",
        title="Avvio della rete",
        kind=EventKind.NETWORK_LAUNCH,
        start=_at("2020-11-04"),
        schedule_to_be_defined=True,
        venue_to_be_defined=True,
        summary=(
            "Primi passi del patto di rete e avvio di una sperimentazione con un "
            "primo nucleo di soggetti disponibili."
        ),
        body=(
            "<p>Si rifletterà sul senso del patto, si metterà a fuoco "
            "l'organizzazione necessaria, si <b>definiranno i ruoli</b> e le "
            "<b>regole di base</b> per il funzionamento della rete e si "
            "stabiliranno alcune attività.</p><p>Questo <b>primo nucleo</b> "
            "confluirà nel progetto <b>Lucca family net</b> che ne potrà garantire "
            "la continuità anche dopo la conclusione del progetto <b>Lucca In</b> e "
            "farlo diventare un <b>elemento stabile del sistema dei servizi alle "
            "famiglie.</b></p>"
        ),
    )
    return [webinar, workshop, launch]


def _demo_events(programme, venue) -> list[EventPage]:
    """Upcoming events (demo data) so that registration can be tried."""
    webinar = _event(
        programme,
        "webinar-conciliazione-2027",
        title="Webinar: un anno di rete, esperienze di conciliazione nella Piana",
        kind=EventKind.WEBINAR,
        start=_at("2027-01-15", "17:30"),
        end=_at("2027-01-15", "19:00"),
        summary=(
            "Evento dimostrativo: racconti delle famiglie e delle imprese della rete."
        ),
        online_url="https://meet.example.org/lucca-in-famiglia-2027",
        capacity=100,
        agenda=[
            ("17:30", "17:45", "Saluti e introduzione", []),
            ("17:45", "18:30", "Esperienze delle famiglie e delle imprese", []),
            ("18:30", "19:00", "Domande e prossimi passi", []),
        ],
        speakers={},
    )
    tables = _event(
        programme,
        "tavoli-tematici-2027",
        title="Tavoli tematici 2027: servizi 0-6 e conciliazione",
        kind=EventKind.PARTICIPATORY_MEETING,
        start=_at("2027-02-06", "09:30"),
        end=_at("2027-02-06", "13:00"),
        venue=venue,
        summary="Evento dimostrativo con posti limitati e lista d'attesa.",
        capacity=4,
        agenda=[
            ("09:30", "10:00", "Plenaria iniziale", []),
            ("10:00", "12:30", "Tavoli tematici con facilitatori", []),
            ("12:30", "13:00", "Plenaria finale", []),
        ],
        speakers={},
    )
    assembly = _event(
        programme,
        "assemblea-della-rete-2027",
        title="Assemblea della rete: nuovi aderenti al patto",
        kind=EventKind.NETWORK_LAUNCH,
        start=_at("2027-03-10", "18:00"),
        end=_at("2027-03-10", "20:00"),
        venue=venue,
        summary="Evento dimostrativo: le iscrizioni sono confermate dai coordinatori.",
        requires_approval=True,
        capacity=60,
    )
    return [webinar, tables, assembly]


def _pages(home: HomePage) -> None:
    network, _created = _child(
        home,
        StandardPage,
        "la-rete",
        title="La rete",
        intro=(
            "Una rete per supportare le famiglie nel conciliare esigenze familiari "
            "e lavoro, nata dal percorso partecipato Lucca In famiglia."
        ),
        body=NETWORK_BODY,
    )
    _refresh(network, "body", PROMOTERS, NETWORK_BODY)
    _child(
        home,
        StandardPage,
        "contatti",
        title="Contatti",
        intro="Informazioni e iscrizioni.",
        body=(
            f'<p>Email: <a href="mailto:{CONTACT_EMAIL}">{CONTACT_EMAIL}</a></p>'
            f"<p>Telefono: {CONTACT_PHONE}</p>"
        ),
    )
    _child(
        home,
        PrivacyNoticePage,
        "privacy",
        title="Informativa sulla privacy",
        version="2020-1",
        effective_from=datetime.date(2020, 10, 1),
        body=(
            "<p>Titolare del trattamento è il Comune di Lucca. I dati raccolti con "
            "le iscrizioni servono a organizzare gli incontri del percorso e a "
            "costruire la rete; non sono ceduti a terzi. Si possono consultare, "
            "correggere o cancellare in ogni momento scrivendo ai contatti del "
            "progetto.</p>"
        ),
    )
    news, _created = _child(
        home, NewsIndexPage, "notizie", title="Notizie", intro="Dalla rete."
    )
    _child(
        news,
        NewsPage,
        "nasce-la-rete",
        title="Nasce la rete Lucca In famiglia",
        date=datetime.date(2020, 11, 4),
        intro="Il primo nucleo di soggetti avvia il patto di rete.",
        body=(
            "<p>Dopo il webinar e l'incontro partecipato, la rete muove i primi "
            "passi.</p>"
        ),
    )
    _child(
        news,
        NewsPage,
        "iscrizioni-aperte-2027",
        title="Iscrizioni aperte ai nuovi incontri",
        date=datetime.date(2026, 12, 1),
        intro="Il programma 2027 è online: iscriviti dalla pagina di ogni evento.",
        body="<p>Le iscrizioni si fanno online dalla pagina del programma.</p>",
    )


def _workshop_participants(workshop: EventPage) -> int:
    """Past attendance at the 2020 workshop, with themes, for the co-design demo.

    Written directly: the registration window closed in 2020.
    """
    if Registration.objects.filter(event=workshop).exists():
        return 0
    topics = list(Topic.objects.order_by("slug"))
    people = Person.objects.filter(email__isnull=False).order_by("pk")[:12]
    for index, person in enumerate(people):
        registration = Registration.objects.create(
            event=workshop,
            person=person,
            status=RegistrationStatus.CONFIRMED,
            registrant_kind=RegistrantKind.FAMILY
            if index % 2
            else RegistrantKind.CITIZEN,
            attended_at=workshop.start + datetime.timedelta(minutes=5 * index),
        )
        if topics:
            registration.preferred_topics.set(
                [topics[index % len(topics)], topics[(index * 7 + 3) % len(topics)]]
            )
    return len(people)


def _editor() -> tuple[str, str, str]:
    """The CMS editor: verified email, the role through the recorded service,
    and the demo second factor (the back office needs one)."""
    from allauth.account.models import EmailAddress

    from crm.demo import demo_second_factor
    from crm.models import Role
    from crm.permissions import role_assign

    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=EDITOR_EMAIL,
        defaults={"email": EDITOR_EMAIL, "first_name": "Redazione", "last_name": "CMS"},
    )
    if created:
        user.set_password(EDITOR_PASSWORD)
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=EDITOR_EMAIL, defaults={"verified": True, "primary": True}
    )
    role_assign(user=user, role=Role.CMS_EDITOR, by=None, reason="demo")
    demo_second_factor(user)
    return ("CMS editor", EDITOR_EMAIL, EDITOR_PASSWORD)


def seed(*, stdout=None) -> list[tuple[str, str, str]]:
    """Publish the programme and its pages; return the CMS editor's demo login."""
    home = _home()
    programme = _programme(home)
    venue = _venue()
    events = _programme_2020(programme, venue)
    demo_events = _demo_events(programme, venue)
    _pages(home)
    attended = _workshop_participants(events[1])
    if stdout is not None:
        stdout.write(
            f"Programme: {len(events)} events of 2020, {len(demo_events)} demo "
            f"events, {attended} workshop participants "
            f"({timezone.localdate():%d/%m/%Y})."
        )
    return [_editor()]
