"""Pacts, their versions, articles and network roles.

A version is frozen once opened for signature. The guards below sit under
every door (admin, forms, services, plain ORM): a frozen version's text, its
articles and its network roles refuse to change.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.fields import RichTextField
from wagtail.models import Orderable

from .codesign import Contribution, ContributionKind

RICH_TEXT_FEATURES = ["bold", "italic", "ol", "ul", "link", "h3", "h4"]


class FrozenVersionError(ValidationError):
    """Raised when something tries to change a version opened for signature."""

    def __init__(self, message=None):
        super().__init__(
            message
            or _(
                "This version is open for signature or closed: its text can no "
                "longer change. Create a new draft to propose changes."
            ),
            code="frozen",
        )


class PactQuerySet(models.QuerySet):
    def with_version_in_force(self):
        return self.filter(versions__status=VersionStatus.OPEN).distinct()


class Pact(models.Model):
    """A community pact, e.g. “Patto di comunità per le famiglie…”."""

    title = models.CharField(_("title"), max_length=255)
    slug = models.SlugField(_("web address"), max_length=100, unique=True)
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PactQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("pact")
        verbose_name_plural = _("pacts")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("pact:pact_detail", kwargs={"slug": self.slug})


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", pgettext_lazy("version status", "Open for signature")
    CLOSED = "closed", _("Closed")


# Fields that make up a version's text; they never change once it is frozen.
FROZEN_FIELDS = (
    "pact_id",
    "number",
    "preamble",
    "duration_terms",
    "renewal_terms",
    "effective_date",
    "text_sha256",
    "canonical_text",
    "opened_at",
)


class PactVersionQuerySet(models.QuerySet):
    def frozen(self):
        return self.exclude(status=VersionStatus.DRAFT)

    def drafts(self):
        return self.filter(status=VersionStatus.DRAFT)

    def in_force(self):
        return self.filter(status=VersionStatus.OPEN)

    def update(self, **kwargs):
        touches_text = {f.removesuffix("_id") for f in FROZEN_FIELDS} | set(
            FROZEN_FIELDS
        )
        back_to_draft = kwargs.get("status") == VersionStatus.DRAFT
        if (set(kwargs) & touches_text or back_to_draft) and self.frozen().exists():
            raise FrozenVersionError()
        return super().update(**kwargs)

    update.queryset_only = True

    def delete(self):
        if self.frozen().exists():
            raise FrozenVersionError(
                _("A version opened for signature can never be deleted.")
            )
        return super().delete()


class PactVersion(ClusterableModel):
    """One version of a pact: preamble, articles, roles, terms."""

    pact = models.ForeignKey(
        Pact, verbose_name=_("pact"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version number"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=VersionStatus.choices,
        default=VersionStatus.DRAFT,
    )
    preamble = RichTextField(_("preamble"), blank=True, features=RICH_TEXT_FEATURES)
    duration_terms = RichTextField(
        _("duration"),
        blank=True,
        features=RICH_TEXT_FEATURES,
        help_text=_("How long the pact lasts."),
    )
    renewal_terms = RichTextField(
        _("renewal"),
        blank=True,
        features=RICH_TEXT_FEATURES,
        help_text=_("How and when the pact is renewed."),
    )
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened for signature"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("superseded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supersedes",
    )
    canonical_text = models.TextField(_("canonical text"), blank=True, editable=False)
    text_sha256 = models.CharField(
        _("SHA-256 of the text"), max_length=64, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PactVersionQuerySet.as_manager()

    class Meta:
        ordering = ["pact", "-number"]
        verbose_name = _("pact version")
        verbose_name_plural = _("pact versions")
        constraints = [
            models.UniqueConstraint(
                fields=["pact", "number"],
                name="pact_version_number_unique",
                violation_error_message=_("This pact already has this version."),
            ),
            models.UniqueConstraint(
                fields=["pact"],
                condition=Q(status=VersionStatus.OPEN),
                name="pact_one_version_open",
            ),
            models.CheckConstraint(
                condition=Q(status=VersionStatus.DRAFT)
                | (Q(opened_at__isnull=False) & ~Q(text_sha256="")),
                name="pact_frozen_version_has_hash",
            ),
        ]

    def __str__(self):
        return _("%(pact)s — version %(number)s") % {
            "pact": self.pact,
            "number": self.number,
        }

    @property
    def is_frozen(self) -> bool:
        return self.status != VersionStatus.DRAFT

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    def stored_status(self) -> str | None:
        if not self.pk:
            return None
        return (
            type(self)
            .objects.filter(pk=self.pk)
            .values_list("status", flat=True)
            .first()
        )

    def _check_not_frozen(self):
        if not self.pk:
            return
        stored = (
            type(self)
            .objects.filter(pk=self.pk)
            .values("status", *FROZEN_FIELDS)
            .first()
        )
        if not stored or stored["status"] == VersionStatus.DRAFT:
            return
        if self.status == VersionStatus.DRAFT:
            raise FrozenVersionError()
        if any(stored[field] != getattr(self, field) for field in FROZEN_FIELDS):
            raise FrozenVersionError()

    def save(self, *args, **kwargs):
        self._check_not_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.stored_status() not in (None, VersionStatus.DRAFT):
            raise FrozenVersionError(
                _("A version opened for signature can never be deleted.")
            )
        return super().delete(*args, **kwargs)


def _version_is_frozen(version_id) -> bool:
    return (
        version_id is not None
        and PactVersion.objects.filter(pk=version_id).frozen().exists()
    )


class VersionPartQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if self.filter(version__in=PactVersion.objects.frozen()).exists():
            raise FrozenVersionError()
        return super().update(**kwargs)

    update.queryset_only = True

    def delete(self):
        if self.filter(version__in=PactVersion.objects.frozen()).exists():
            raise FrozenVersionError()
        return super().delete()


class VersionPart(Orderable):
    """Something that belongs to a version's text: frozen with it."""

    class Meta(Orderable.Meta):
        abstract = True

    def _check_not_frozen(self):
        previous = None
        if self.pk:
            previous = (
                type(self)
                .objects.filter(pk=self.pk)
                .values_list("version_id", flat=True)
                .first()
            )
        if _version_is_frozen(self.version_id) or _version_is_frozen(previous):
            raise FrozenVersionError()

    def save(self, *args, **kwargs):
        self._check_not_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._check_not_frozen()
        return super().delete(*args, **kwargs)


class ArticleQuerySet(VersionPartQuerySet):
    def for_display(self):
        return self.prefetch_related("proposals__table__workshop")


class Article(VersionPart, ClusterableModel):
    """A rule of the pact; it may cite the proposals that inspired it."""

    version = ParentalKey(
        PactVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="articles",
    )
    title = models.CharField(_("title"), max_length=255)
    body = RichTextField(_("text"), features=RICH_TEXT_FEATURES)
    proposals = ParentalManyToManyField(
        Contribution,
        verbose_name=_("proposals it takes up"),
        blank=True,
        related_name="articles",
        limit_choices_to={"kind": ContributionKind.PROPOSAL},
    )

    objects = ArticleQuerySet.as_manager()

    class Meta(VersionPart.Meta):
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self):
        return self.title


class NetworkRole(VersionPart):
    """A role the version defines for members: capofila, nodo, sostenitore…"""

    version = ParentalKey(
        PactVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="network_roles",
    )
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"))
    responsibilities = RichTextField(
        _("responsibilities"), blank=True, features=RICH_TEXT_FEATURES
    )

    objects = VersionPartQuerySet.as_manager()

    class Meta(VersionPart.Meta):
        verbose_name = _("network role")
        verbose_name_plural = _("network roles")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"],
                name="pact_role_code_unique_per_version",
                violation_error_message=_("This version already has this role."),
            ),
        ]

    def __str__(self):
        return self.name


def guard_article_proposals(sender, instance, action, reverse, pk_set, **kwargs):
    """Refuse to change which proposals a frozen article cites."""
    if action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    if not reverse:
        frozen = _version_is_frozen(instance.version_id)
    else:
        articles = Article.objects.filter(version__status__in=FROZEN_STATUSES)
        if pk_set is not None:
            articles = articles.filter(pk__in=pk_set)
        else:
            articles = articles.filter(proposals=instance)
        frozen = articles.exists()
    if frozen:
        raise FrozenVersionError()


FROZEN_STATUSES = (VersionStatus.OPEN, VersionStatus.CLOSED)
