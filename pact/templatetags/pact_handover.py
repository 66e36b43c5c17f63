"""Template helpers of the handover pages (member area navigation)."""

from django import template

from crm.roles import GROUP_NAMES, LIAISON

register = template.Library()


@register.filter
def is_liaison(user) -> bool:
    """Whether the user holds the Lucca Family net liaison role."""
    if not (user and user.is_authenticated):
        return False
    cached = getattr(user, "_pact_is_liaison", None)
    if cached is None:
        cached = user.groups.filter(name=GROUP_NAMES[LIAISON]).exists()
        user._pact_is_liaison = cached
    return cached
