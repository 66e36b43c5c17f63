import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
)
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from .snippets import Speaker, Venue


class HomePage(Page):
    """The root of the site."""

    intro = models.TextField(_("introduction"), blank=True)
    body = RichTextField(_("body"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "cms.ProgrammePage",
        "cms.StandardPage",
        "cms.NewsIndexPage",
        "cms.PrivacyNoticePage",
    ]
    max_count = 1
    template = "cms/home_page.html"

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")

    def get_context(self, request, *args, **kwargs):
        from cms import selectors

        context = super().get_context(request, *args, **kwargs)
        context["upcoming_events"] = selectors.upcoming_events()[:3]
        context["latest_news"] = selectors.latest_news()[:3]
        context["programme"] = ProgrammePage.objects.live().first()
        return context


class ProgrammePage(Page):
    """The path of events: intro, upcoming and past events, contacts."""

    intro = RichTextField(_("introduction"), blank=True)
    contact_email = models.EmailField(_("registration email"), blank=True)
    contact_phone = models.CharField(_("registration phone"), max_length=30, blank=True)
    promoters = RichTextField(
        _("promoters and funders"),
        blank=True,
        help_text=_("Who promotes and funds the programme."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        MultiFieldPanel(
            [FieldPanel("contact_email"), FieldPanel("contact_phone")],
            heading=_("Information and registration"),
        ),
        FieldPanel("promoters"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.EventPage"]
    template = "cms/programme_page.html"

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def get_context(self, request, *args, **kwargs):
        from cms import selectors

        context = super().get_context(request, *args, **kwargs)
        events = selectors.programme_events(self)
        now = timezone.now()
        context["upcoming_events"] = [e for e in events if not e.is_past(now)]
        context["past_events"] = [e for e in events if e.is_past(now)][::-1]
        return context


class EventKind(models.TextChoices):
    WEBINAR = "webinar", _("Webinar")
    PARTICIPATORY_MEETING = "participatory_meeting", _("Participatory meeting")
    NETWORK_LAUNCH = "network_launch", _("Network launch")
    OTHER = "other", _("Other")


class EventPageQuerySet(PageQuerySet):
    def for_listing(self):
        """Events with their venue and confirmed count, in date order."""
        return (
            self.select_related("venue")
            .annotate(
                confirmed_count=Count(
                    "registrations", filter=Q(registrations__status="confirmed")
                )
            )
            .order_by("start", "pk")
        )

    def upcoming(self, now=None):
        now = now or timezone.now()
        today = timezone.localtime(now).replace(hour=0, minute=0, second=0)
        return self.filter(
            Q(end__gte=now)
            | Q(end__isnull=True, start__gte=now)
            | Q(schedule_to_be_defined=True, start__gte=today)
        )


EventPageManager = PageManager.from_queryset(EventPageQuerySet)


class EventPage(Page):
    """An event of the programme, with agenda, speakers and registrations."""

    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    summary = models.TextField(
        _("summary"), blank=True, help_text=_("One or two sentences for listings.")
    )
    body = RichTextField(_("description"), blank=True)
    start = models.DateTimeField(
        _("start"), help_text=_("Date and time in Italian time (Europe/Rome).")
    )
    end = models.DateTimeField(_("end"), null=True, blank=True)
    schedule_to_be_defined = models.BooleanField(
        _("time to be defined"),
        default=False,
        help_text=_("Only the date is known: the time will be announced."),
    )
    venue = models.ForeignKey(
        Venue,
        verbose_name=_("venue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    venue_to_be_defined = models.BooleanField(_("venue to be defined"), default=False)
    online_url = models.URLField(
        _("online link"),
        blank=True,
        help_text=_("Sent only to registered people, never shown on the page."),
    )
    registration_enabled = models.BooleanField(_("registration open"), default=True)
    registration_opens_at = models.DateTimeField(
        _("registration opens"), null=True, blank=True
    )
    registration_closes_at = models.DateTimeField(
        _("registration closes"),
        null=True,
        blank=True,
        help_text=_("Empty: registration closes when the event starts."),
    )
    capacity = models.PositiveIntegerField(
        _("places"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    waiting_list = models.BooleanField(
        _("waiting list"),
        default=True,
        help_text=_("When the event is full, new registrations wait for a place."),
    )
    requires_approval = models.BooleanField(
        _("registrations need approval"), default=False
    )

    objects = EventPageManager()

    content_panels = Page.content_panels + [
        FieldPanel("kind"),
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("start"), FieldPanel("end")]),
                FieldPanel("schedule_to_be_defined"),
            ],
            heading=_("When"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("venue"),
                FieldPanel("venue_to_be_defined"),
                FieldPanel("online_url"),
            ],
            heading=_("Where"),
        ),
        FieldPanel("body"),
        InlinePanel("agenda_items", label=_("Agenda"), heading=_("Agenda")),
        MultiFieldPanel(
            [
                FieldPanel("registration_enabled"),
                FieldRowPanel(
                    [
                        FieldPanel("registration_opens_at"),
                        FieldPanel("registration_closes_at"),
                    ]
                ),
                FieldRowPanel([FieldPanel("capacity"), FieldPanel("waiting_list")]),
                FieldPanel("requires_approval"),
            ],
            heading=_("Registrations"),
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("start"),
    ]
    parent_page_types = ["cms.ProgrammePage"]
    subpage_types = []
    template = "cms/event_page.html"

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def clean(self):
        super().clean()
        errors = {}
        if self.start and self.end and self.end < self.start:
            errors["end"] = _("The event cannot end before it starts.")
        if not (self.venue_id or self.venue_to_be_defined or self.online_url):
            errors["venue"] = _(
                "Choose a venue, give an online link, or mark the venue as "
                "to be defined."
            )
        opens, closes = self.registration_opens_at, self.registration_closes_at
        if opens and closes and closes < opens:
            errors["registration_closes_at"] = _(
                "Registration cannot close before it opens."
            )
        if errors:
            raise ValidationError(errors)

    # Derived facts, used by templates, services and feeds alike.

    @property
    def is_online(self) -> bool:
        return self.kind == EventKind.WEBINAR or (
            bool(self.online_url) and not self.venue_id
        )

    @property
    def local_start(self) -> datetime.datetime:
        return timezone.localtime(self.start)

    @property
    def local_end(self) -> datetime.datetime | None:
        return timezone.localtime(self.end) if self.end else None

    @property
    def finishes_at(self) -> datetime.datetime:
        if self.schedule_to_be_defined:
            day_end = datetime.datetime.combine(
                self.local_start.date(), datetime.time(23, 59, 59)
            )
            return timezone.make_aware(day_end)
        return self.end or self.start

    def is_past(self, now=None) -> bool:
        return self.finishes_at < (now or timezone.now())

    def registration_state(self, now=None) -> str:
        """One of ``open``, ``disabled``, ``not_yet``, ``closed``."""
        now = now or timezone.now()
        if not self.registration_enabled:
            return "disabled"
        if self.registration_opens_at and now < self.registration_opens_at:
            return "not_yet"
        closes = self.registration_closes_at
        if closes is None:
            closes = self.finishes_at if self.schedule_to_be_defined else self.start
        if now > closes:
            return "closed"
        return "open"

    def places_left(self, confirmed_count: int) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - confirmed_count, 0)

    def serve(self, request, *args, **kwargs):
        # The page carries the registration form: a POST registers.
        from cms.views.public import event_page

        return event_page(request, self)

    def get_sitemap_urls(self, request=None):
        return [
            {"location": self.get_full_url(request), "lastmod": self.last_published_at}
        ]


class AgendaItem(Orderable, ClusterableModel):
    page = ParentalKey(EventPage, on_delete=models.CASCADE, related_name="agenda_items")
    starts_at = models.TimeField(_("from"), null=True, blank=True)
    ends_at = models.TimeField(_("to"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    speakers = ParentalManyToManyField(
        Speaker, verbose_name=_("speakers"), blank=True, related_name="agenda_items"
    )

    panels = [
        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
        FieldPanel("title"),
        FieldPanel("description"),
        FieldPanel("speakers"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self):
        return self.title


class StandardPage(Page):
    """About the network, contacts, and any other plain page."""

    intro = models.TextField(_("introduction"), blank=True)
    body = RichTextField(_("body"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [
        index.SearchField("intro"),
        index.SearchField("body"),
    ]
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = ["cms.StandardPage"]
    template = "cms/standard_page.html"

    class Meta:
        verbose_name = _("standard page")
        verbose_name_plural = _("standard pages")


class NewsIndexPage(Page):
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.NewsPage"]
    template = "cms/news_index_page.html"

    class Meta:
        verbose_name = _("news section")
        verbose_name_plural = _("news sections")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["news_items"] = (
            NewsPage.objects.live().child_of(self).order_by("-date", "-pk")
        )
        return context


class NewsPage(Page):
    date = models.DateField(_("date"), default=datetime.date.today)
    intro = models.TextField(_("summary"), blank=True)
    body = RichTextField(_("body"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("date"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("intro"),
        index.SearchField("body"),
    ]
    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types = []
    template = "cms/news_page.html"

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news")


class PrivacyNoticePage(Page):
    """The privacy notice. Consents record the ``version`` in force when given."""

    version = models.CharField(
        _("version"),
        max_length=20,
        help_text=_(
            "Change it whenever the text changes in substance, e.g. “2026-1”: "
            "consents record the version people agreed to."
        ),
    )
    effective_from = models.DateField(_("in force from"), default=datetime.date.today)
    body = RichTextField(_("text"))

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("version"), FieldPanel("effective_from")]),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("body")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = []
    template = "cms/privacy_notice_page.html"

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
