"""The "Roles and access" section of a member's or a person's admin page."""

from django import template
from django.urls import reverse

from crm.models import Member, Person, RoleAssignment
from crm.permissions import is_coordinator

register = template.Library()


@register.inclusion_tag("crm/roles/_section.html", takes_context=True)
def roles_section(context, obj):
    """Roles in force on a member (or held by a person), shown to coordinators."""
    request = context.get("request")
    if request is None or not is_coordinator(request.user):
        return {"hidden": True}
    active = RoleAssignment.objects.active().for_list()
    if isinstance(obj, Member):
        assignments, query = active.filter(member=obj), f"?member={obj.pk}"
    elif isinstance(obj, Person) and obj.user_id:
        assignments, query = active.filter(user_id=obj.user_id), f"?person={obj.pk}"
    else:
        assignments, query = active.none(), f"?person={obj.pk}"
    return {
        "assignments": assignments,
        "assign_url": reverse("crm_roles:add") + query,
        "invite_url": reverse("crm_invitations:add")
        + (query if isinstance(obj, Member) else ""),
        "list_url": reverse("crm_roles:index") + query,
    }


@register.inclusion_tag("crm/roles/_erasure_section.html", takes_context=True)
def erasure_section(context, person):
    """A person's erasure requests, and how to record one received on paper."""
    request = context.get("request")
    if request is None or not is_coordinator(request.user):
        return {"hidden": True}
    from crm.models import ErasureOutcome, ErasureRequest

    requests = list(
        ErasureRequest.objects.filter(person=person).select_related("reviewed_by")
    )
    return {
        "person": person,
        "requests": requests,
        "pending": any(r.outcome == ErasureOutcome.PENDING for r in requests),
        "record_url": reverse("crm_erasure:add") + f"?person={person.pk}",
    }
