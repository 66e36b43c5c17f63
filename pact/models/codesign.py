"""The workshop day: workshops, thematic tables, seats and contributions."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.models import EventPage, Registration
from crm.models import Person, Topic


class Workshop(models.Model):
    """A co-design meeting of the programme (incontro), split into tables."""

    event = models.OneToOneField(
        EventPage,
        verbose_name=_("event"),
        on_delete=models.PROTECT,
        related_name="workshop",
        help_text=_("The programme event this workshop takes place at."),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")

    def __str__(self):
        return self.title

    @property
    def date(self):
        return timezone.localdate(self.event.start) if self.event.start else None

    @property
    def venue_name(self) -> str:
        return self.event.venue.name if self.event.venue_id else ""


class ThematicTableQuerySet(models.QuerySet):
    def facilitated_by(self, user):
        return self.filter(facilitators=user)

    def open(self):
        return self.filter(closed_at__isnull=True)

    def with_counts(self):
        return self.annotate(
            seated=Count("seats", distinct=True),
            contribution_count=Count("contributions", distinct=True),
        )

    def for_list(self):
        return (
            self.select_related("workshop")
            .prefetch_related("topics", "facilitators")
            .with_counts()
        )


class ThematicTable(models.Model):
    """A table of the workshop with its theme, room, capacity and facilitators."""

    workshop = models.ForeignKey(
        Workshop,
        verbose_name=_("workshop"),
        on_delete=models.CASCADE,
        related_name="tables",
    )
    title = models.CharField(_("theme"), max_length=200)
    room = models.CharField(_("room"), max_length=100, blank=True)
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=10)
    topics = models.ManyToManyField(
        Topic,
        verbose_name=_("topics"),
        blank=True,
        related_name="thematic_tables",
        help_text=_("Participants who chose these topics are placed here first."),
    )
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("facilitators"),
        blank=True,
        related_name="facilitated_tables",
    )
    participants = models.ManyToManyField(
        Person,
        through="Seat",
        verbose_name=_("participants"),
        related_name="thematic_tables",
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    synthesis = models.TextField(
        _("synthesis"),
        blank=True,
        help_text=_("What the table brings to the closing plenary."),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ThematicTableQuerySet.as_manager()

    class Meta:
        ordering = ["workshop", "sort_order", "pk"]
        verbose_name = _("thematic table")
        verbose_name_plural = _("thematic tables")
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "title"],
                name="pact_table_title_unique_per_workshop",
                violation_error_message=_(
                    "This workshop already has a table with this theme."
                ),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1), name="pact_table_capacity_positive"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class SeatHow(models.TextChoices):
    PREFERENCE = "preference", _("By stated preference")
    BALANCE = "balance", _("Where there was room")
    COORDINATOR = "coordinator", _("By a coordinator")


class Seat(models.Model):
    """A participant's place at a table; one table per person per workshop."""

    workshop = models.ForeignKey(
        Workshop, verbose_name=_("workshop"), on_delete=models.CASCADE, related_name="+"
    )
    table = models.ForeignKey(
        ThematicTable,
        verbose_name=_("table"),
        on_delete=models.CASCADE,
        related_name="seats",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="seats",
    )
    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="seats",
    )
    how = models.CharField(_("placed"), max_length=20, choices=SeatHow.choices)
    placed_at = models.DateTimeField(_("placed at"), auto_now=True)

    class Meta:
        ordering = ["table", "person"]
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "person"],
                name="pact_seat_one_table_per_person",
                violation_error_message=_(
                    "This person already has a seat at this workshop."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.person} — {self.table}"


class ContributionKind(models.TextChoices):
    """The five kinds of the programme: what participants share."""

    POINT_OF_VIEW = "point_of_view", _("Point of view")
    NEED = "need", _("Need")
    EXPERIENCE = "experience", _("Experience")
    CONCERN = "concern", _("Concern")
    PROPOSAL = "proposal", _("Proposal")


class ContributionQuerySet(models.QuerySet):
    def proposals(self):
        return self.filter(kind=ContributionKind.PROPOSAL)

    def for_list(self):
        return self.select_related("table__workshop", "author").prefetch_related(
            "topics"
        )


class Contribution(models.Model):
    """What a participant shared at a table: a point of view, a need, …"""

    table = models.ForeignKey(
        ThematicTable,
        verbose_name=_("table"),
        on_delete=models.PROTECT,
        related_name="contributions",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ContributionKind.choices)
    text = models.TextField(_("text"), max_length=4000)
    author = models.ForeignKey(
        Person,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contributions",
        help_text=_("Leave empty for an anonymous contribution."),
    )
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), blank=True, related_name="contributions"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Sent again by a phone that lost the connection: the same token is the
    # same contribution, so a retried save never records it twice.
    client_token = models.UUIDField(_("client token"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ContributionQuerySet.as_manager()

    class Meta:
        ordering = ["table", "created_at", "pk"]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in ContributionKind]),
                name="pact_contribution_kind_valid",
            ),
            models.UniqueConstraint(
                fields=["table", "client_token"],
                name="pact_contribution_token_unique",
            ),
        ]

    def __str__(self):
        text = self.text if len(self.text) <= 60 else self.text[:59] + "…"
        return f"{self.get_kind_display()}: {text}"

    @property
    def is_proposal(self) -> bool:
        return self.kind == ContributionKind.PROPOSAL

    @property
    def author_label(self) -> str:
        return self.author.full_name if self.author_id else str(_("Anonymous"))


def new_client_token() -> uuid.UUID:
    return uuid.uuid4()
