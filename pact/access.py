"""Who may see what in the pact app: one helper per object type, 404 otherwise.

Coordinators see every table through their group's permissions; a facilitator
sees only the tables they were given (``ThematicTable.facilitators``). A table
someone may not see does not exist for them.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from pact.models import Adhesion, AdhesionStatus, Contribution, ThematicTable


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


# --- adhesions -------------------------------------------------------------
# The member area shows the adhesions of the members a person acts for, once a
# coordinator has asked for a signature (drafts are the coordinators' work).


def adhesions_for_user(user):
    from crm.permissions import members_for_user

    return (
        Adhesion.objects.filter(member__in=members_for_user(user))
        .exclude(status=AdhesionStatus.DRAFT)
        .for_list()
    )


def adhesion_for_user(user, pk) -> Adhesion:
    """An adhesion of a member the user acts for; 404 otherwise."""
    try:
        return adhesions_for_user(user).get(pk=int(pk))
    except (Adhesion.DoesNotExist, ValueError, TypeError):
        raise Http404("No such adhesion") from None


def adhesion_for_coordinator(user, pk) -> Adhesion:
    """Any adhesion, for a coordinator in the back office; 404 for anyone else."""
    if not user.has_perm("pact.change_adhesion"):
        raise Http404("No such adhesion")
    return get_object_or_404(Adhesion.objects.for_list(), pk=pk)
