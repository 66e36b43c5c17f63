"""The areas of the site a person works in, and where each person lands.

A family's guardian works in the member area, a facilitator at their tables, the
Lucca Family net liaison on the handovers, a coordinator in the back office.
Each app registers the areas it serves (``register``); a login lands in the
first area that is the person's work (``landing_url``) and every area links to
the others the person may use (``areas_for``). crm knows none of the other
apps: pact registers its areas when it is ready.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.roles import CMS_EDITOR, COORDINATOR, GROUP_NAMES


@dataclass(frozen=True)
class Area:
    key: str
    label: str
    description: str
    url_name: str
    # Whether the person may use the area (a link to it is shown).
    applies: Callable = field(repr=False)
    # Whether the area is the person's work, where a login lands; the lowest
    # ``priority`` among those wins.
    lands: Callable | None = field(default=None, repr=False)
    priority: int = 100

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_AREAS: dict[str, Area] = {}


def register(area: Area) -> Area:
    """Add (or replace, by key) an area of the site."""
    _AREAS[area.key] = area
    return area


def registered() -> list[Area]:
    """Every registered area, by priority."""
    return sorted(_AREAS.values(), key=lambda area: area.priority)


def _group_names(user) -> set[str]:
    cached = getattr(user, "_crm_group_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._crm_group_names = cached
    return cached


def in_group(user, role: str) -> bool:
    """Whether the user holds the application role ``role`` (one query, cached)."""
    return GROUP_NAMES[role] in _group_names(user)


def areas_for(user) -> list[Area]:
    """The areas the user may use, in the order of the menus."""
    if not (user and user.is_authenticated and user.is_active):
        return []
    cached = getattr(user, "_crm_areas", None)
    if cached is None:
        cached = sorted(
            (area for area in _AREAS.values() if area.applies(user)),
            key=lambda area: area.priority,
        )
        user._crm_areas = cached
    return cached


def landing_url(user) -> str:
    """Where a login takes the user: the first area that is their work."""
    for area in areas_for(user):
        if area.lands is None or area.lands(user):
            return area.url
    return reverse("crm:area_home")


def _may_use_back_office(user) -> bool:
    return user.has_perm("wagtailadmin.access_admin")


def _works_in_back_office(user) -> bool:
    return (
        user.is_superuser or in_group(user, COORDINATOR) or in_group(user, CMS_EDITOR)
    )


register(
    Area(
        key="admin",
        label=_("Back office"),
        description=_("Members, programme, pact and signatures of the network."),
        url_name="wagtailadmin_home",
        applies=_may_use_back_office,
        lands=_works_in_back_office,
        priority=10,
    )
)
register(
    Area(
        key="member",
        label=_("My area"),
        description=_(
            "Your details, your family's or organisation's, consents, "
            "registrations and pacts."
        ),
        url_name="crm:area_home",
        applies=lambda user: True,
        priority=100,
    )
)
