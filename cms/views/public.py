"""Public views: event page and registration, personal link, calendars, search."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.models import Page

from cms import certificate, ical, qr, ratelimit, selectors, services, tokens
from cms.forms import RegistrationForm
from cms.models import EventPage, RegistrationStatus
from crm.middleware import private_response
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
    fields = form.service_kwargs()
    try:
        services.registration_submit(event=event, **fields)
    except ValidationError as error:
        form.add_error(None, error)
        return _event_response(request, event, form)
    # The same answer whether the email was known or not: what was typed, and
    # an email to that address (the registration's link, or the link that
    # confirms it). The browser never learns what the CRM holds.
    request.session[_RECEIVED_KEY] = {
        "event": event.pk,
        "email": fields["email"],
        "data": services.typed_data(fields),
    }
    messages.success(request, _("Thank you! We have sent you an email."))
    return redirect("cms:registration_received")


_RECEIVED_KEY = "cms_registration_received"


def registration_received(request):
    """After the form: what was typed, and where to look next."""
    received = request.session.get(_RECEIVED_KEY)
    event = (
        EventPage.objects.live().filter(pk=received.get("event")).first()
        if isinstance(received, dict)
        else None
    )
    if event is None:
        return redirect("/")
    context = {
        "event": event,
        "email": received["email"],
        "typed": selectors.typed_summary(received["data"], email=received["email"]),
    }
    return private_response(render(request, "cms/registration_received.html", context))


def registration_confirm(request, token):
    """The link sent to a known address: a GET shows what was typed, a POST
    (the button) registers it. Mail scanners that open links change nothing."""
    pending = tokens.pending_for_token(token)
    if request.method == "POST":
        try:
            registration, created = services.registration_confirm(pending=pending)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(pending.event.url or "/")
        if created:
            messages.success(request, _("Thank you: your registration is confirmed."))
        else:
            messages.info(request, _("You were already registered: here it is."))
        return redirect(tokens.manage_url(registration))
    context = {
        "event": pending.event,
        "pending": pending,
        "typed": selectors.typed_summary(pending.data, email=pending.email),
        "expired": pending.expires_at <= timezone.now() and not pending.registration_id,
    }
    return private_response(render(request, "cms/registration_confirm.html", context))


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
    return private_response(render(request, "cms/registration_manage.html", context))


def registration_certificate(request, token):
    registration = tokens.registration_for_token(token, purpose=tokens.MANAGE)
    if registration.attended_at is None:
        raise Http404("no attendance recorded")
    return private_response(certificate.pdf_response(registration))


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
