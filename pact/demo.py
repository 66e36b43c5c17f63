"""Demo data of the pact app: the 24 October workshop and the community pact.

Called by ``seed_demo`` after the CRM and programme demos; looks them up by
title and email and creates what is missing, so it is safe to run again.
"""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from cms.models import (
    EventKind,
    EventPage,
    HomePage,
    ProgrammePage,
    Registration,
    RegistrationStatus,
    Venue,
)
from crm.models import Person, Topic
from crm.roles import FACILITATOR, GROUP_NAMES
from pact import demo_content as content
from pact import services
from pact.models import Contribution, Pact, ThematicTable, Workshop

DEMO_PASSWORD = "luccainfamiglia"
FACILITATORS = [
    (
        "Facilitatrice (tavoli 1 e 3)",
        "facilitatrice@luccainfamiglia.example",
        "Francesca",
        "Ricci",
    ),
    (
        "Facilitatore (tavoli 2 e 4)",
        "facilitatore@luccainfamiglia.example",
        "Paolo",
        "Marchetti",
    ),
]
WORKSHOP_START = datetime.datetime(2020, 10, 24, 10, 0)


def _facilitators():
    User = get_user_model()
    group = Group.objects.get(name=GROUP_NAMES[FACILITATOR])
    users, logins = [], []
    for label, email, first, last in FACILITATORS:
        user, created = User.objects.get_or_create(
            username=email,
            defaults={"email": email, "first_name": first, "last_name": last},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        _verified_email(user)
        user.groups.add(group)
        person = Person.objects.by_email(email).first()
        if person is None:
            Person.objects.create(
                email=email, first_name=first, last_name=last, user=user
            )
        users.append(user)
        logins.append((label, email, DEMO_PASSWORD))
    return users, logins


def _verified_email(user) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def _event() -> EventPage:
    """The workshop's event: the programme's, or one made here if missing."""
    event = (
        EventPage.objects.filter(kind=EventKind.PARTICIPATORY_MEETING)
        .order_by("start")
        .first()
    )
    if event:
        return event
    programme = ProgrammePage.objects.first()
    if programme is None:
        home = HomePage.objects.first()
        programme = home.add_child(
            instance=ProgrammePage(title="Lucca In famiglia", slug="programma")
        )
    venue, _created = Venue.objects.get_or_create(
        name="Casermetta San Paolino", defaults={"city": "Lucca"}
    )
    start = timezone.make_aware(WORKSHOP_START)
    return programme.add_child(
        instance=EventPage(
            title=content.WORKSHOP_TITLE,
            slug="verso-un-patto-di-comunita",
            kind=EventKind.PARTICIPATORY_MEETING,
            start=start,
            end=start + datetime.timedelta(hours=7),
            venue=venue,
            registration_enabled=False,
        )
    )


def _register_participants(event) -> None:
    people = (
        Person.objects.filter(affiliations__isnull=False)
        .distinct()
        .prefetch_related("members__needs", "members__offers")
    )
    for person in people:
        registration, created = Registration.objects.get_or_create(
            event=event,
            person=person,
            defaults={"status": RegistrationStatus.CONFIRMED},
        )
        if created:
            topics = set()
            for member in person.members.all():
                topics.update(member.needs.all())
                topics.update(member.offers.all())
            registration.preferred_topics.set(topics)


def _seed_workshop(facilitators) -> Workshop:
    workshop = Workshop.objects.filter(title=content.WORKSHOP_TITLE).first()
    if workshop:
        return workshop
    event = _event()
    workshop = Workshop.objects.create(
        event=event,
        title=content.WORKSHOP_TITLE,
        description=content.WORKSHOP_DESCRIPTION,
    )
    topics = {t.slug: t for t in Topic.objects.all()}
    for order, (title, room, slugs, who, *_rest) in enumerate(content.TABLES):
        table = ThematicTable.objects.create(
            workshop=workshop, title=title, room=room, capacity=8, sort_order=order
        )
        table.topics.set(topics[s] for s in slugs)
        table.facilitators.set([facilitators[who]])
    _register_participants(event)
    services.workshop_place_participants(workshop=workshop)
    tables = list(workshop.tables.order_by("sort_order"))
    # Each facilitator's last table stays open, so that every facilitator of
    # the demo can try recording contributions live.
    last_of = {who: index for index, (*_h, who, _s, _y) in enumerate(content.TABLES)}
    for index, (table, (*_head, said, synthesis)) in enumerate(
        zip(tables, content.TABLES, strict=True)
    ):
        _seed_contributions(table, said, facilitators, topics)
        services.table_synthesis_save(table=table, synthesis=synthesis)
        if index not in last_of.values():
            services.table_close(table=table, by=table.facilitators.first())
    return workshop


def _seed_contributions(table, said, facilitators, topics) -> None:
    people = list(table.participants.all())
    table_topics = list(table.topics.all())
    for index, (kind, text) in enumerate(said):
        services.contribution_record(
            table=table,
            kind=kind,
            text=text,
            by=table.facilitators.first(),
            # Every third contribution anonymous, as some participants asked.
            author=people[index % len(people)] if people and index % 3 else None,
            topics=table_topics[index % len(table_topics) :][:1],
        )


def _proposals(prefixes):
    found = []
    for prefix in prefixes:
        proposal = Contribution.objects.proposals().filter(text__startswith=prefix)
        found.extend(proposal[:1])
    return found


def _seed_pact(coordinator) -> Pact:
    pact = Pact.objects.filter(slug=content.PACT_SLUG).first()
    if pact:
        return pact
    pact = Pact.objects.create(
        title=content.PACT_TITLE, slug=content.PACT_SLUG, summary=content.PACT_SUMMARY
    )
    version = services.pact_version_create(pact=pact)
    services.pact_version_update(
        version=version,
        preamble=content.PREAMBLE,
        duration_terms=content.DURATION,
        renewal_terms=content.RENEWAL,
        effective_date=datetime.date(2020, 11, 4),
    )
    for title, body, cites in content.ARTICLES:
        services.article_save(
            version=version, title=title, body=body, proposals=_proposals(cites)
        )
    for code, name, description, responsibilities in content.ROLES:
        services.network_role_save(
            version=version,
            code=code,
            name=name,
            description=description,
            responsibilities=responsibilities,
        )
    services.pact_version_open(version=version, by=coordinator)
    draft = services.pact_version_create(pact=pact, based_on=version)
    changes = content.DRAFT_CHANGES
    services.article_save(
        version=draft,
        title=changes["article_title"],
        body=changes["article_body"],
        proposals=_proposals(changes["article_cites"]),
    )
    services.pact_version_update(version=draft, renewal_terms=changes["renewal"])
    return pact


@transaction.atomic
def seed(*, stdout=None) -> list[tuple[str, str, str]]:
    """Create the demo workshop, tables, contributions and pact; return logins."""
    facilitators, logins = _facilitators()
    workshop = _seed_workshop(facilitators)
    coordinator = (
        get_user_model().objects.filter(groups__name__startswith="Coordinat").first()
    )
    pact = _seed_pact(coordinator)
    from pact import demo_adhesions

    logins += demo_adhesions.seed(coordinator=coordinator, stdout=stdout)
    if stdout is not None:
        stdout.write(
            f"Pact: {workshop.tables.count()} tables, "
            f"{Contribution.objects.filter(table__workshop=workshop).count()} "
            f"contributions, {pact.versions.count()} versions of “{pact}”."
        )
    return logins
