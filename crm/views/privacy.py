"""My consents, my data and erasure requests."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm import area, permissions, privacy, services
from crm.forms import ErasureForm
from crm.models import Consent, ConsentPurpose, ErasureRequest, Person
from crm.my_data import readable_data


def _person_or_404(user):
    person = permissions.person_for_user(user)
    if person is None:
        raise Http404("No person record")
    return person


def _consent_for_user(user, pk) -> Consent:
    person = _person_or_404(user)
    try:
        return person.consents.get(pk=int(pk))
    except (Consent.DoesNotExist, ValueError):
        raise Http404("No such consent") from None


@login_required
def consents(request):
    person = permissions.person_for_user(request.user)
    history = list(person.consents.all()) if person else []
    in_force = {c.purpose: c for c in history if c.in_force}
    purposes = [
        (value, label, in_force.get(value)) for value, label in ConsentPurpose.choices
    ]
    context = {"person": person, "purposes": purposes, "history": history}
    return render(request, "area/consents.html", context)


@require_POST
@login_required
def consent_give(request, purpose):
    person = _person_or_404(request.user)
    if purpose not in ConsentPurpose.values:
        raise Http404("No such consent")
    area.consent_give_online(person=person, purpose=purpose)
    messages.success(request, _("Thank you: your consent has been recorded."))
    return redirect("crm:area_consents")


@login_required
def consent_withdraw(request, pk):
    consent = _consent_for_user(request.user, pk)
    if not consent.in_force:
        messages.info(request, _("This consent had already been withdrawn."))
        return redirect("crm:area_consents")
    if request.method != "POST":
        return render(request, "area/consent_withdraw.html", {"consent": consent})
    consent, erasure = area.consent_withdraw_online(consent=consent, by=request.user)
    if erasure:
        messages.warning(
            request,
            _(
                "Your consent has been withdrawn. A coordinator will review the "
                "erasure of your personal data."
            ),
        )
    else:
        messages.success(request, _("Your consent has been withdrawn."))
    return redirect("crm:area_consents")


@login_required
def my_data(request):
    person = permissions.person_for_user(request.user)
    pending = (
        ErasureRequest.objects.pending().filter(person=person).first()
        if person
        else None
    )
    context = {"person": person, "pending_erasure": pending}
    return render(request, "area/my_data.html", context)


def _collect(request, fmt):
    members = list(permissions.members_for_user(request.user))
    data = privacy.personal_data(request.user, members)
    services.export_log(
        user=request.user,
        what="my_data",
        format=fmt,
        count=privacy.count_records(data),
        filters={"members": [m.pk for m in members]},
        members=members,
        people=Person.objects.filter(user=request.user),
    )
    return data


@login_required
def my_data_json(request):
    data = _collect(request, "json")
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="i-miei-dati-{stamp}.json"'
    return response


@login_required
def my_data_page(request):
    """The same data as the JSON, as a letter to the family: in words."""
    _collect(request, "html")  # logged like the download
    members = list(permissions.members_for_user(request.user))
    data = readable_data(request.user, members)
    return render(request, "area/my_data_page.html", {"data": data})


@login_required
def erasure(request):
    person = _person_or_404(request.user)
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.erasure_request(
                person=person, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "Your request has been recorded. A coordinator will review it "
                    "and write to you."
                ),
            )
            return redirect("crm:area_my_data")
    return render(request, "area/erasure.html", {"form": form, "person": person})
