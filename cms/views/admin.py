"""Back-office views for coordinators: registrations, check-in, exports."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.admin.auth import permission_denied

from cms import certificate, selectors, services, tokens
from cms.admin_filters import RegistrationFilterForm
from cms.forms import CheckInSearchForm
from cms.models import EventPage, Registration, RegistrationStatus
from cms.permissions import can_manage_registrations, can_view_registrations
from crm.spreadsheets import exporting, files, registry


def _requires(check):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                return permission_denied(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def event_for_admin(pk) -> EventPage:
    return get_object_or_404(EventPage.objects.select_related("venue"), pk=pk)


def registration_for_admin(pk) -> Registration:
    return get_object_or_404(
        Registration.objects.select_related("event", "person", "member"), pk=pk
    )


def _status_count(status):
    return Count("registrations", filter=Q(registrations__status=status))


@_requires(can_view_registrations)
def events_index(request):
    events = EventPage.objects.select_related("venue").annotate(
        confirmed=_status_count(RegistrationStatus.CONFIRMED),
        waiting=_status_count(RegistrationStatus.WAITING),
        pending=_status_count(RegistrationStatus.PENDING_APPROVAL),
        attended=Count(
            "registrations", filter=Q(registrations__attended_at__isnull=False)
        ),
    )
    return render(
        request,
        "cms/admin/events_index.html",
        {"events": events.order_by("-start", "pk")},
    )


@_requires(can_view_registrations)
def event_registrations(request, pk):
    event = event_for_admin(pk)
    filters = RegistrationFilterForm(request.GET or None)
    registrations = filters.apply(
        Registration.objects.filter(event=event).for_list()
    ).order_by("status", "created_at", "pk")
    context = {
        "event": event,
        "filters": filters,
        "registrations": registrations,
        "counts": selectors.status_counts(event),
        "can_manage": can_manage_registrations(request.user),
        "query_string": request.GET.urlencode(),
    }
    return render(request, "cms/admin/event_registrations.html", context)


@_requires(can_view_registrations)
def event_registrations_export(request, pk, fmt):
    """The filtered registrations, in the columns their import reads, streamed."""
    if fmt not in files.FORMATS:
        raise Http404("unknown format")
    event = event_for_admin(pk)
    filters = RegistrationFilterForm(request.GET or None)
    registrations = filters.apply(Registration.objects.filter(event=event))
    if fmt == "ods" and registrations.count() > files.ODS_MAX_ROWS:
        messages.error(request, files.TooManyRows.message())
        return redirect("cms_admin:event_registrations", event.pk)
    entry = registry.get("registrations")
    exporting.log(
        entry,
        user=request.user,
        queryset=registrations,
        fmt=fmt,
        filters=filters.as_log() | {"event": event.pk},
        what=_("Registrations: %(event)s") % {"event": event.title},
    )
    headers, rows = exporting.table(entry, registrations.order_by("created_at", "pk"))
    response = StreamingHttpResponse(
        files.chunks(fmt, headers, rows, title=_("Registrations")),
        content_type=files.CONTENT_TYPES[fmt],
    )
    filename = f"iscrizioni-{event.slug}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


_ACTIONS = {
    "approve": lambda r, by: services.registration_approve(registration=r, by=by),
    "reject": lambda r, by: services.registration_reject(registration=r, by=by),
    "cancel": lambda r, by: services.registration_cancel(registration=r, by=by),
    "to_waiting": lambda r, by: services.registration_move(
        registration=r, to=RegistrationStatus.WAITING, by=by
    ),
    "to_confirmed": lambda r, by: services.registration_move(
        registration=r, to=RegistrationStatus.CONFIRMED, by=by
    ),
    "check_in": lambda r, by: services.registration_check_in(registration=r, by=by),
    "undo_check_in": lambda r, by: services.registration_check_in_undo(
        registration=r, by=by
    ),
}


@_requires(can_view_registrations)
def registration_find(request, pk):
    """One registration, shown in its event's list (from a person's story)."""
    registration = registration_for_admin(pk)
    person = registration.person
    query = urlencode({"q": person.email or person.last_name})
    return redirect(
        reverse("cms_admin:event_registrations", args=[registration.event_id])
        + f"?{query}"
    )


@require_POST
@_requires(can_manage_registrations)
def registration_action(request, pk):
    registration = registration_for_admin(pk)
    action = _ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, _("Unknown action."))
    else:
        try:
            registration = action(registration, request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(person)s: %(status)s.")
                % {
                    "person": registration.person,
                    "status": registration.get_status_display(),
                },
            )
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = ""
    return redirect(next_url or "cms_admin:event_registrations", registration.event_id)


@_requires(can_manage_registrations)
def check_in(request, pk):
    """The door: find a person by name and record that they came."""
    event = event_for_admin(pk)
    form = CheckInSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    registrations = Registration.objects.filter(event=event).select_related("person")
    registrations = registrations.search(query).filter(
        status=RegistrationStatus.CONFIRMED
    )
    context = {
        "event": event,
        "form": form,
        "query": query,
        "registrations": registrations.order_by("person__last_name", "pk")[:50],
        "counts": selectors.status_counts(event),
        "attended": Registration.objects.filter(
            event=event, attended_at__isnull=False
        ).count(),
    }
    return render(request, "cms/admin/check_in.html", context)


@_requires(can_manage_registrations)
def check_in_token(request, token):
    """Where the QR code leads: this registration, one tap from checked in."""
    registration = tokens.registration_for_token(token, purpose=tokens.CHECK_IN)
    return render(
        request,
        "cms/admin/check_in_one.html",
        {"registration": registration, "event": registration.event},
    )


@_requires(can_view_registrations)
def registration_certificate(request, pk):
    registration = registration_for_admin(pk)
    if registration.attended_at is None:
        messages.error(request, _("No attendance recorded: no certificate."))
        return redirect("cms_admin:event_registrations", registration.event_id)
    return certificate.pdf_response(registration)
