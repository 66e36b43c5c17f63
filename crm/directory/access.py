"""Who may edit which services: the people an organisation authorises (its legal
representatives and the contacts it invited, through the same object
permissions as the rest of its data). Anyone else gets 404."""

from django.http import Http404

from crm import permissions
from crm.models import Member, OpeningPeriod, Service


def organisations_for_user(user):
    """The organisations whose data (and services) the user may change."""
    return permissions.members_for_user(user, write=True).organisations()


def organisation_for_user(user, pk) -> Member:
    """An organisation whose services the user may edit; 404 otherwise."""
    try:
        return organisations_for_user(user).get(pk=int(pk))
    except (Member.DoesNotExist, ValueError, TypeError):
        raise Http404("No such organisation") from None


def services_for_user(user):
    return Service.objects.filter(member__in=organisations_for_user(user))


def service_for_user(user, member, pk) -> Service:
    """A service of ``member`` (already checked) the user may edit; 404 otherwise."""
    try:
        return (
            services_for_user(user)
            .select_related("member", "kind")
            .get(pk=int(pk), member=member)
        )
    except (Service.DoesNotExist, ValueError, TypeError):
        raise Http404("No such service") from None


def period_for_service(service, pk) -> OpeningPeriod:
    try:
        return service.periods.get(pk=int(pk))
    except (OpeningPeriod.DoesNotExist, ValueError, TypeError):
        raise Http404("No such period") from None


def published_service(pk) -> Service:
    """A service anyone may see; 404 for an unpublished or unknown one."""
    try:
        return Service.objects.published().for_list().get(pk=int(pk))
    except (Service.DoesNotExist, ValueError, TypeError):
        raise Http404("No such service") from None


def families_for_user(user):
    if not (user and user.is_authenticated):
        return Member.objects.none()
    return permissions.members_for_user(user, write=True).families()
