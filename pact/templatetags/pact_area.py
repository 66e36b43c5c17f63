"""Member-area helpers: what waits for the logged-in person's signature."""

from django import template

from pact.access import adhesions_for_user
from pact.models import AdhesionStatus
from pact.services.adhesions import members_signable_by

register = template.Library()


@register.simple_tag(takes_context=True)
def adhesions_to_sign(context):
    """Adhesions awaiting a signature that this person may give (cached per request)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return []
    cached = getattr(request, "_pact_adhesions_to_sign", None)
    if cached is None:
        awaiting = list(
            adhesions_for_user(user).filter(status=AdhesionStatus.AWAITING_SIGNATURE)
        )
        signable = members_signable_by(user, {a.member for a in awaiting})
        cached = [a for a in awaiting if a.member_id in signable]
        request._pact_adhesions_to_sign = cached
    return cached
