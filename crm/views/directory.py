"""The services directory: the public list and pages, the aggregated coverage,
a family's matching services, and an organisation's services in its area."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from crm import permissions
from crm.directory import access, coverage, selectors
from crm.directory import services as directory
from crm.directory.forms import (
    ClosureForm,
    DirectoryFilterForm,
    InformationRequestForm,
    PeriodForm,
    PlacesAlertForm,
    PlacesForm,
    ServiceForm,
)
from crm.models import PlacesAlert

PAGE_SIZE = 20


def _error(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _map_settings() -> dict | None:
    url = getattr(settings, "MAP_TILE_URL", "")
    if not url:
        return None
    return {
        "tiles": url,
        "attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", ""),
    }


def _markers(services) -> list[dict]:
    return [
        {
            "lat": float(s.latitude),
            "lon": float(s.longitude),
            "name": s.name,
            "url": f"/servizi/{s.pk}/",
            "where": f"{s.address}, {s.municipality.name}",
        }
        for s in services
        if s.has_position
    ]


# --- public ----------------------------------------------------------------


def directory_list(request):
    form = DirectoryFilterForm(request.GET or None)
    services = selectors.directory_search(form.query())
    page = Paginator(services, PAGE_SIZE).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    map_settings = _map_settings()
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "map": map_settings,
        "markers": _markers(page.object_list) if map_settings else [],
        "filtered": any(v for k, v in request.GET.items() if k != "pagina"),
    }
    return render(request, "directory/service_list.html", context)


def service_detail(request, pk):
    service = access.published_service(pk)
    families = access.families_for_user(request.user)
    has_family = request.user.is_authenticated and families.exists()
    closures, holidays = selectors.service_upcoming_closures(service)
    map_settings = _map_settings()
    context = {
        "service": service,
        "periods": selectors.service_periods(service),
        "closures": closures,
        "holidays": holidays,
        "open_now": selectors.is_open_now(service),
        "map": map_settings,
        "markers": _markers([service]) if map_settings else [],
        "has_family": has_family,
    }
    if has_family:
        context["request_form"] = InformationRequestForm(
            families=families, service=service
        )
        context["alert_form"] = PlacesAlertForm(families=families, service=service)
        context["alert"] = (
            PlacesAlert.objects.active()
            .filter(service=service, person__user=request.user)
            .first()
        )
    return render(request, "directory/service_detail.html", context)


@login_required
@require_POST
def service_request(request, pk):
    service = access.published_service(pk)
    families = access.families_for_user(request.user)
    form = InformationRequestForm(request.POST, families=families, service=service)
    if form.is_valid():
        try:
            directory.information_request_send(
                service=service,
                family=form.cleaned_data["family"],
                person=permissions.person_for_user(request.user),
                message=form.cleaned_data["message"],
                share_contact=form.cleaned_data["share_contact"],
                by=request.user,
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(
                request,
                _("Your request has been sent to %(org)s: they will answer you.")
                % {"org": service.member.public_name or service.member.name},
            )
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("crm:directory_service", pk=service.pk)


@login_required
@require_POST
def service_alert(request, pk):
    service = access.published_service(pk)
    families = access.families_for_user(request.user)
    form = PlacesAlertForm(request.POST, families=families, service=service)
    if form.is_valid():
        try:
            directory.places_alert_subscribe(
                service=service,
                family=form.cleaned_data["family"],
                person=permissions.person_for_user(request.user),
                consent=form.cleaned_data["consent"],
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("We will write to you when places free up."))
    else:
        messages.error(request, _("Choose the family."))
    return redirect("crm:directory_service", pk=service.pk)


@csrf_exempt  # the token in the link is the credential (RFC 8058 one-click)
def alert_stop(request, token):
    alert = get_object_or_404(
        PlacesAlert.objects.select_related("service"), stop_token=token
    )
    if request.method == "POST":
        directory.places_alert_stop(alert=alert)
        alert.refresh_from_db()
    return render(request, "directory/alert_stop.html", {"alert": alert})


def coverage_public(request):
    year = _year(request)
    context = {
        "year": year,
        "other_years": [y for y in (year - 1, year + 1) if y != year],
        "summer": coverage.summer_grid(year),
        "school": coverage.school_year_grid(),
    }
    return render(request, "directory/coverage_public.html", context)


def _year(request) -> int:
    """The summer asked for (``?anno=``), by default the coming one."""
    default = coverage.default_summer_year()
    try:
        year = int(request.GET.get("anno", default))
    except ValueError:
        return default
    return year if default - 5 <= year <= default + 1 else default


# --- member area: a family ----------------------------------------------------


@login_required
def area_family_services(request, pk):
    family = permissions.member_for_user(request.user, pk)
    if not family.is_family:
        return redirect("crm:area_org_services", pk=family.pk)
    matches = selectors.family_matches(family)
    page = Paginator(matches, PAGE_SIZE).get_page(request.GET.get("pagina"))
    context = {
        "member": family,
        "page": page,
        "alerts": family.places_alerts.active().select_related("service"),
        "requests": family.information_requests.select_related("service")[:20],
    }
    return render(request, "directory/area_family_services.html", context)


@login_required
@require_POST
def area_alert_stop(request, pk, alert_pk):
    family = permissions.member_for_user(request.user, pk, write=True)
    alert = get_object_or_404(family.places_alerts.active(), pk=alert_pk)
    directory.places_alert_stop(alert=alert)
    messages.success(request, _("You will no longer be told about this service."))
    return redirect("crm:area_family_services", pk=family.pk)


# --- member area: an organisation's services ----------------------------------


@login_required
def area_org_services(request, pk):
    member = permissions.member_for_user(request.user, pk)
    if member.is_family:
        return redirect("crm:area_family_services", pk=member.pk)
    can_edit = access.organisations_for_user(request.user).filter(pk=pk).exists()
    services = member.services.select_related("kind", "municipality")
    context = {"member": member, "services": services, "can_edit": can_edit}
    return render(request, "directory/area_org_services.html", context)


@login_required
def area_service_add(request, pk):
    member = access.organisation_for_user(request.user, pk)
    form = ServiceForm(request.POST or None, instance=None)
    if request.method == "POST" and form.is_valid():
        try:
            service = directory.service_save(
                member=member, by=request.user, **form.service_fields()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("The service has been added: now give its hours.")
            )
            return redirect("crm:area_service", pk=member.pk, service_pk=service.pk)
    return render(
        request, "directory/area_service_form.html", {"member": member, "form": form}
    )


@login_required
def area_service(request, pk, service_pk):
    member = access.organisation_for_user(request.user, pk)
    service = access.service_for_user(request.user, member, service_pk)
    form = ServiceForm(request.POST or None, instance=service)
    if request.method == "POST" and form.is_valid():
        try:
            directory.service_save(
                member=member, service=service, by=request.user, **form.service_fields()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The service has been saved."))
            return redirect("crm:area_service", pk=member.pk, service_pk=service.pk)
    context = {
        "member": member,
        "service": service,
        "form": form,
        "places_form": PlacesForm(
            initial={
                "places_free": service.places_free,
                "capacity": service.capacity,
                "version": service.places_version,
            }
        ),
        "periods": selectors.service_periods(service, today=timezone.localdate()),
        "closures": service.closures.filter(ends_on__gte=timezone.localdate()),
        "closure_form": ClosureForm(),
    }
    return render(request, "directory/area_service.html", context)


@login_required
@require_POST
def area_service_places(request, pk, service_pk):
    member = access.organisation_for_user(request.user, pk)
    service = access.service_for_user(request.user, member, service_pk)
    step = request.POST.get("step")
    try:
        if step in ("-1", "+1"):
            directory.places_update(service=service, by=request.user, delta=int(step))
        else:
            form = PlacesForm(request.POST)
            if not form.is_valid():
                for errors in form.errors.values():
                    for message in errors:
                        messages.error(request, message)
                return redirect("crm:area_service", pk=member.pk, service_pk=service.pk)
            directory.places_update(
                service=service,
                by=request.user,
                places_free=form.cleaned_data["places_free"],
                capacity=form.cleaned_data["capacity"],
                expected_version=form.cleaned_data["version"],
            )
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The places have been updated."))
    return redirect("crm:area_service", pk=member.pk, service_pk=service.pk)


@login_required
def area_period(request, pk, service_pk, period_pk=None):
    member = access.organisation_for_user(request.user, pk)
    service = access.service_for_user(request.user, member, service_pk)
    period = access.period_for_service(service, period_pk) if period_pk else None
    form = PeriodForm(request.POST or None, period=period)
    if request.method == "POST" and form.is_valid():
        try:
            directory.period_save(
                service=service,
                period=period,
                by=request.user,
                name=form.cleaned_data["name"],
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                hours=form.cleaned_data["hours"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The period and its hours have been saved."))
            return redirect("crm:area_service", pk=member.pk, service_pk=service.pk)
    context = {"member": member, "service": service, "period": period, "form": form}
    return render(request, "directory/area_period_form.html", context)


@login_required
@require_POST
def area_period_delete(request, pk, service_pk, period_pk):
    member = access.organisation_for_user(request.user, pk)
    service = access.service_for_user(request.user, member, service_pk)
    period = access.period_for_service(service, period_pk)
    directory.period_delete(period=period, by=request.user)
    messages.success(request, _("The period has been removed."))
    return redirect("crm:area_service", pk=member.pk, service_pk=service.pk)


@login_required
@require_POST
def area_closure_add(request, pk, service_pk):
    member = access.organisation_for_user(request.user, pk)
    service = access.service_for_user(request.user, member, service_pk)
    form = ClosureForm(request.POST)
    if form.is_valid():
        try:
            directory.closure_add(service=service, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The closure has been added."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("crm:area_service", pk=member.pk, service_pk=service.pk)


@login_required
@require_POST
def area_closure_delete(request, pk, service_pk, closure_pk):
    member = access.organisation_for_user(request.user, pk)
    service = access.service_for_user(request.user, member, service_pk)
    closure = get_object_or_404(service.closures, pk=closure_pk)
    directory.closure_delete(closure=closure, by=request.user)
    messages.success(request, _("The closure has been removed."))
    return redirect("crm:area_service", pk=member.pk, service_pk=service.pk)
