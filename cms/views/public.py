"""Public views: event page and registration, personal link, calendars, search."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.models import Page

from cms import certificate, ical, qr, ratelimit, selectors, services, tokens
from cms.forms import RegistrationForm
from cms.models import EventPage, RegistrationStatus
from crm.models import ConsentPurpose

logger = logging.getLogger(__name__)


def _event_response(request, event, form, *, status=200):
    context = event.get_context(request)
    context.update(selectors.event_page_context(event, user=request.user))
    context["form"] = form
    template = event.get_template(request)
    return TemplateResponse(request, template, context, status=status)


def event_page(request, event: EventPage):
    """The event page; a POST is a registration."""
    if request.method != "POST":
        return _event_response(request, event, RegistrationForm())
    form = RegistrationForm(request.POST)
    if not ratelimit.allow("register", ratelimit.client_address(request)):
        form.add_error(None, _("Too many attempts from your connection: try later."))
        return _event_response(request, event, form, status=429)
    if form.is_bot:
        logger.info("Honeypot filled on event %s: registration dropped", event.pk)
        messages.success(request, _("Thank you: we have received your request."))
        return redirect(event.url)
    if not form.is_valid():
        return _event_response(request, event, form)
    try:
        registration = services.registration_create(
            event=event, **form.service_kwargs()
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _event_response(request, event, form)
    messages.success(request, _("Thank you! We have sent you an email."))
    return redirect(tokens.manage_url(registration))


def event_ics(request, event_id):
    event = get_object_or_404(EventPage.objects.live().public(), pk=event_id)
    body = ical.calendar_bytes([ical.event_component(event)], name=event.title)
    response = HttpResponse(body, content_type=ical.ICS_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return response


def programme_ics(request):
    """The public programme as a calendar people can subscribe to."""
    events = selectors.public_events()
    components = [ical.event_component(event) for event in events]
    body = ical.calendar_bytes(components, name="Lucca In famiglia")
    return HttpResponse(body, content_type=ical.ICS_CONTENT_TYPE)


def registration_manage(request, token):
    """The person's own registration, reached by a signed link without login."""
    registration = tokens.registration_for_token(token, purpose=tokens.MANAGE)
    if request.method == "POST":
        services.registration_cancel(registration=registration)
        messages.success(request, _("Your registration has been cancelled."))
        return redirect(request.path)
    event = registration.event
    confirmed = registration.status == RegistrationStatus.CONFIRMED
    check_in = ical.absolute(tokens.check_in_url(registration))
    context = {
        "registration": registration,
        "event": event,
        "confirmed": confirmed,
        "online_url": event.online_url if confirmed and event.is_online else "",
        "qr_svg": qr.qr_svg(check_in, title=_("Check-in code")) if confirmed else "",
        "can_cancel": registration.is_active
        and registration.status != RegistrationStatus.REJECTED
        and not event.is_past(),
    }
    return render(request, "cms/registration_manage.html", context)


def registration_certificate(request, token):
    registration = tokens.registration_for_token(token, purpose=tokens.MANAGE)
    if registration.attended_at is None:
        raise Http404("no attendance recorded")
    return certificate.pdf_response(registration)


@login_required
@require_POST
def register_one_click(request, event_id):
    """A logged-in person registers with the data the network already holds."""
    event = get_object_or_404(EventPage.objects.live().public(), pk=event_id)
    person = selectors.person_of_user(request.user)
    if person is None or not person.email:
        messages.error(request, _("Your login is not linked to a person yet."))
        return redirect(event.url)
    consents = [ConsentPurpose.PRIVACY] if request.POST.get("consent_privacy") else []
    if selectors.privacy_consent_current(person):
        consents = [ConsentPurpose.PRIVACY]
    try:
        registration = services.registration_create(
            event=event, consents=consents, **selectors.one_click_data(person)
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(event.url)
    messages.success(
        request,
        _("You are registered (%(status)s).")
        % {"status": registration.get_status_display()},
    )
    return redirect("cms:my_registrations")


def search(request):
    # Spaces tidied; a NUL (which PostgreSQL cannot take) is just a space.
    query = " ".join(request.GET.get("q", "").replace("\x00", " ").split())[:200]
    results = Page.objects.none()
    if query:
        results = Page.objects.live().public().specific().search(query)
    page = Paginator(results, 10).get_page(request.GET.get("page"))
    return render(request, "cms/search.html", {"query": query, "results": page})
