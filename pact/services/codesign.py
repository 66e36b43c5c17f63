"""Writes for the workshop day: placement, contributions, syntheses, closing."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import Registration
from pact.models import Contribution, Seat, SeatHow, ThematicTable, Workshop


class TableClosedError(ValidationError):
    def __init__(self, table):
        super().__init__(
            _(
                "The table “%(table)s” is closed: its contributions can no "
                "longer change."
            )
            % {"table": table},
            code="table_closed",
        )


@dataclass
class PlacementResult:
    by_preference: list[Seat] = field(default_factory=list)
    by_balance: list[Seat] = field(default_factory=list)
    unplaced: list[Registration] = field(default_factory=list)

    @property
    def placed(self) -> list[Seat]:
        return self.by_preference + self.by_balance


def _locked_table(table: ThematicTable) -> ThematicTable:
    return ThematicTable.objects.select_for_update().get(pk=table.pk)


def _ensure_open(table: ThematicTable) -> None:
    if table.is_closed:
        raise TableClosedError(table)


def _room_left(tables) -> dict[int, int]:
    seated = dict(
        Seat.objects.filter(table__in=tables)
        .values_list("table")
        .annotate(n=Count("pk"))
        .values_list("table", "n")
    )
    return {t.pk: t.capacity - seated.get(t.pk, 0) for t in tables}


def _best_table(tables, room, wanted: set[int]):
    """The table with room that matches most wanted topics, emptiest first."""
    best, best_key = None, None
    for position, table in enumerate(tables):
        if room[table.pk] <= 0:
            continue
        score = len(wanted & {t.pk for t in table.topics.all()}) if wanted else 0
        key = (score, room[table.pk], -position)
        if best_key is None or key > best_key:
            best, best_key = table, key
    return best, (best_key[0] if best_key else 0)


@transaction.atomic
def workshop_place_participants(*, workshop: Workshop) -> PlacementResult:
    """Seat every confirmed registrant of the workshop's event who has no seat.

    People who stated preferred topics go first, in registration order, to the
    open table with room that matches most of them; everyone else then fills
    the emptiest tables. Capacities are never exceeded; whoever does not fit is
    returned as unplaced. Seats already given (also by hand) are kept.
    """
    tables = list(
        workshop.tables.open()
        .select_for_update()
        .prefetch_related("topics")
        .order_by("sort_order", "pk")
    )
    room = _room_left(tables)
    seated = Seat.objects.filter(workshop=workshop).values_list("person_id")
    registrations = (
        Registration.objects.confirmed()
        .filter(event_id=workshop.event_id)
        .exclude(person_id__in=seated)
        .select_related("person")
        .prefetch_related("preferred_topics")
        .order_by("created_at", "pk")
    )
    result = PlacementResult()
    with_preferences, without = [], []
    for registration in registrations:
        wanted = {t.pk for t in registration.preferred_topics.all()}
        (with_preferences if wanted else without).append((registration, wanted))
    for registration, wanted in with_preferences + without:
        table, score = _best_table(tables, room, wanted)
        if table is None:
            result.unplaced.append(registration)
            continue
        how = SeatHow.PREFERENCE if score else SeatHow.BALANCE
        seat = Seat.objects.create(
            workshop=workshop,
            table=table,
            person=registration.person,
            registration=registration,
            how=how,
        )
        room[table.pk] -= 1
        (result.by_preference if score else result.by_balance).append(seat)
    return result


@transaction.atomic
def seat_assign(*, table: ThematicTable, person, registration=None) -> Seat:
    """Seat a person at a table (a coordinator's move), within its capacity."""
    table = _locked_table(table)
    if table.is_closed:
        raise TableClosedError(table)
    seat = Seat.objects.filter(workshop_id=table.workshop_id, person=person).first()
    if seat and seat.table_id == table.pk:
        return seat
    if table.seats.count() >= table.capacity:
        raise ValidationError(
            _("The table “%(table)s” is full (%(capacity)s places).")
            % {"table": table, "capacity": table.capacity},
            code="table_full",
        )
    if seat is None:
        seat = Seat(workshop_id=table.workshop_id, person=person)
    seat.table = table
    seat.how = SeatHow.COORDINATOR
    seat.registration = registration or seat.registration
    seat.save()
    return seat


@transaction.atomic
def seat_remove(*, seat: Seat) -> None:
    seat.delete()


def _check_author(table: ThematicTable, author) -> None:
    if author is None:
        return
    if not Seat.objects.filter(table=table, person=author).exists():
        raise ValidationError(
            {"author": _("The author must be a participant of this table.")}
        )


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write what the participant shared.")})
    return text


@transaction.atomic
def contribution_record(
    *,
    table: ThematicTable,
    kind: str,
    text: str,
    by=None,
    author=None,
    topics=(),
    client_token=None,
) -> tuple[Contribution, bool]:
    """Record a contribution at an open table; returns ``(contribution, created)``.

    A save sent again with the same ``client_token`` (a phone retrying after
    the connection dropped) returns the contribution already recorded.
    """
    table = _locked_table(table)
    if client_token:
        existing = table.contributions.filter(client_token=client_token).first()
        if existing:
            return existing, False
    _ensure_open(table)
    _check_author(table, author)
    contribution = Contribution(
        table=table,
        kind=kind,
        text=_clean_text(text),
        author=author,
        recorded_by=by if getattr(by, "is_authenticated", False) else None,
        client_token=client_token,
    )
    contribution.full_clean()
    contribution.save()
    contribution.topics.set(topics)
    return contribution, True


@transaction.atomic
def contribution_update(
    *, contribution: Contribution, kind: str, text: str, author=None, topics=()
) -> Contribution:
    """Change a contribution while its table is open."""
    table = _locked_table(contribution.table)
    _ensure_open(table)
    _check_author(table, author)
    contribution.kind = kind
    contribution.text = _clean_text(text)
    contribution.author = author
    contribution.full_clean()
    contribution.save()
    contribution.topics.set(topics)
    return contribution


@transaction.atomic
def contribution_delete(*, contribution: Contribution) -> None:
    _ensure_open(_locked_table(contribution.table))
    if contribution.articles.exists():
        raise ValidationError(
            _("This proposal is cited by an article of the pact and cannot be deleted.")
        )
    contribution.delete()


@transaction.atomic
def table_synthesis_save(*, table: ThematicTable, synthesis: str) -> ThematicTable:
    """Save the synthesis a table brings to the closing plenary."""
    table = _locked_table(table)
    _ensure_open(table)
    table.synthesis = (synthesis or "").strip()
    table.save(update_fields=["synthesis"])
    return table


@transaction.atomic
def table_close(*, table: ThematicTable, by=None) -> ThematicTable:
    """Close a table: its contributions and synthesis can no longer change."""
    table = _locked_table(table)
    if table.is_closed:
        return table
    table.closed_at = timezone.now()
    table.closed_by = by if getattr(by, "is_authenticated", False) else None
    table.save(update_fields=["closed_at", "closed_by"])
    return table


@transaction.atomic
def table_reopen(*, table: ThematicTable) -> ThematicTable:
    """Reopen a closed table (coordinators only, e.g. to fix a typo)."""
    table = _locked_table(table)
    table.closed_at = None
    table.closed_by = None
    table.save(update_fields=["closed_at", "closed_by"])
    return table
