"""Who may see what in the pact app: one helper per object type, 404 otherwise.

Coordinators see every table through their group's permissions; a facilitator
sees only the tables they were given (``ThematicTable.facilitators``). A table
someone may not see does not exist for them.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from pact.models import Contribution, ThematicTable


def is_coordinator(user) -> bool:
    return user.is_authenticated and user.has_perm("pact.change_contribution")


def visible_tables(user):
    if not user.is_authenticated:
        return ThematicTable.objects.none()
    if is_coordinator(user):
        return ThematicTable.objects.all()
    return ThematicTable.objects.facilitated_by(user)


def table_for_user(user, pk) -> ThematicTable:
    """A table the user runs (or any table, for a coordinator); 404 otherwise."""
    return get_object_or_404(
        visible_tables(user).select_related("workshop__event"), pk=pk
    )


def contribution_for_user(user, pk) -> Contribution:
    """A contribution at one of the user's tables; 404 otherwise."""
    contribution = get_object_or_404(
        Contribution.objects.select_related("table__workshop", "author"), pk=pk
    )
    if not visible_tables(user).filter(pk=contribution.table_id).exists():
        raise Http404
    return contribution
