"""The member area: my registrations."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from cms import selectors, tokens


@login_required
def my_registrations(request):
    person = selectors.person_of_user(request.user)
    registrations = list(selectors.registrations_of_person(person)) if person else []
    for registration in registrations:
        registration.manage_url = tokens.manage_url(registration)
    return render(
        request,
        "cms/my_registrations.html",
        {"person": person, "registrations": registrations},
    )
