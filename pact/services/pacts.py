"""Writes for pacts: drafting, opening for signature (freezing), closing."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from pact.canonical import canonical_text, sha256_hex
from pact.models import (
    Article,
    FrozenVersionError,
    NetworkRole,
    Pact,
    PactVersion,
    VersionStatus,
)

VERSION_TEXT_FIELDS = ("preamble", "duration_terms", "renewal_terms", "effective_date")


def _locked(version: PactVersion) -> PactVersion:
    return PactVersion.objects.select_for_update().get(pk=version.pk)


def _ensure_draft(version: PactVersion) -> None:
    if version.is_frozen:
        raise FrozenVersionError()


@transaction.atomic
def pact_version_create(
    *, pact: Pact, based_on: PactVersion | None = None
) -> PactVersion:
    """Start a new draft, copying the text of ``based_on`` when given."""
    Pact.objects.select_for_update().get(pk=pact.pk)
    last = pact.versions.aggregate(n=Max("number"))["n"] or 0
    version = PactVersion(pact=pact, number=last + 1)
    if based_on is not None:
        based_on = PactVersion.objects.get(pk=based_on.pk)  # never a stale copy
        for name in VERSION_TEXT_FIELDS:
            setattr(version, name, getattr(based_on, name))
    version.full_clean()
    version.save()
    if based_on is None:
        return version
    for article in based_on.articles.order_by("sort_order", "pk"):
        copy = Article(
            version=version,
            sort_order=article.sort_order,
            title=article.title,
            body=article.body,
        )
        # A parental m2m is written when its article is saved.
        copy.proposals.set(article.proposals.all())
        copy.save()
    for role in based_on.network_roles.order_by("sort_order", "pk"):
        NetworkRole.objects.create(
            version=version,
            sort_order=role.sort_order,
            code=role.code,
            name=role.name,
            description=role.description,
            responsibilities=role.responsibilities,
        )
    return version


@transaction.atomic
def pact_version_update(*, version: PactVersion, **fields) -> PactVersion:
    """Change a draft's text fields; a frozen version refuses."""
    version = _locked(version)
    _ensure_draft(version)
    unknown = set(fields) - set(VERSION_TEXT_FIELDS)
    if unknown:
        raise ValueError(f"Not a text field of a version: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(version, name, value)
    version.full_clean()
    version.save()
    return version


@transaction.atomic
def article_save(
    *,
    version: PactVersion,
    title: str,
    body: str,
    proposals=(),
    article: Article | None = None,
) -> Article:
    """Add an article to a draft (at the end) or change one of its articles."""
    version = _locked(version)
    _ensure_draft(version)
    if article is None:
        last = version.articles.aggregate(n=Max("sort_order"))["n"]
        article = Article(version=version, sort_order=(last or 0) + 1)
    elif article.version_id != version.pk:
        raise ValueError("The article belongs to another version.")
    article.title = title
    article.body = body
    article.full_clean(exclude=["version", "proposals"])
    # A parental m2m is written when its article is saved.
    article.proposals.set(proposals)
    article.save()
    return article


@transaction.atomic
def network_role_save(
    *,
    version: PactVersion,
    code: str,
    name: str,
    description: str,
    responsibilities: str = "",
) -> NetworkRole:
    """Define (or redefine) a network role in a draft, by its code."""
    version = _locked(version)
    _ensure_draft(version)
    role = version.network_roles.filter(code=code).first()
    if role is None:
        last = version.network_roles.aggregate(n=Max("sort_order"))["n"]
        role = NetworkRole(version=version, code=code, sort_order=(last or 0) + 1)
    role.name = name
    role.description = description
    role.responsibilities = responsibilities
    role.full_clean(exclude=["version"])
    role.save()
    return role


def _check_ready(version: PactVersion) -> None:
    problems = []
    if not version.articles.exists():
        problems.append(_("A version needs at least one article."))
    if not version.network_roles.exists():
        problems.append(_("A version needs at least one network role."))
    if version.effective_date is None:
        problems.append(_("Set the effective date first."))
    if problems:
        raise ValidationError(problems, code="not_ready")


@transaction.atomic
def pact_version_open(*, version: PactVersion, by=None) -> PactVersion:
    """Open a draft for signature: freeze its text and record its SHA-256.

    The version open until now, if any, is closed and marked as superseded;
    adhesions stay tied to the version they signed.
    """
    version = _locked(version)
    if version.status != VersionStatus.DRAFT:
        raise FrozenVersionError(_("Only a draft can be opened for signature."))
    _check_ready(version)
    now = timezone.now()
    PactVersion.objects.in_force().filter(pact_id=version.pact_id).update(
        status=VersionStatus.CLOSED, closed_at=now, superseded_by=version
    )
    version.canonical_text = canonical_text(version)
    version.text_sha256 = sha256_hex(version.canonical_text)
    version.status = VersionStatus.OPEN
    version.opened_at = now
    version.opened_by = by if getattr(by, "is_authenticated", False) else None
    version.save()
    return version


@transaction.atomic
def pact_version_close(*, version: PactVersion) -> PactVersion:
    """Close signatures on the version open for signature."""
    version = _locked(version)
    if version.status != VersionStatus.OPEN:
        raise ValidationError(_("Only a version open for signature can be closed."))
    version.status = VersionStatus.CLOSED
    version.closed_at = timezone.now()
    version.save(update_fields=["status", "closed_at"])
    return version


@transaction.atomic
def pact_version_delete(*, version: PactVersion) -> None:
    version = _locked(version)
    _ensure_draft(version)
    version.delete()
