"""The member area: my families and organisations, their details and people."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm import area, areas, permissions
from crm.forms import ChildForm, InviteForm, MemberDetailsForm, PersonDetailsForm
from crm.models import Affiliation, Invitation


def _error(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
def home(request):
    members = permissions.members_for_user(request.user).select_related("municipality")
    person = permissions.person_for_user(request.user)
    return render(
        request,
        "area/home.html",
        {"members": members, "person": person},
    )


@login_required
def landing(request):
    """Where a login leads: the area that is the person's work."""
    return redirect(areas.landing_url(request.user))


@login_required
def switch(request):
    """The member switcher: a plain GET form, so it works without JavaScript."""
    member = permissions.member_for_user(request.user, request.GET.get("member"))
    return redirect("crm:area_member", pk=member.pk)


@login_required
def profile(request):
    person = permissions.person_for_user(request.user)
    if person is None:
        return render(request, "area/profile.html", {"person": None})
    form = PersonDetailsForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            area.person_update(
                person=person,
                by=request.user,
                **{f: form.cleaned_data[f] for f in area.PERSON_EDITABLE},
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("Your details have been saved."))
            return redirect("crm:area_profile")
    return render(request, "area/profile.html", {"form": form, "person": person})


@login_required
def member_detail(request, pk):
    member = permissions.member_for_user(request.user, pk)
    people = (
        Affiliation.objects.filter(end_date__isnull=True)
        .filter(member=member)
        .select_related("person")
        .order_by("role", "person__last_name")
    )
    context = {
        "member": member,
        "people": people,
        "children": member.children.all() if member.is_family else None,
        "needs": member.needs.all(),
        "offers": member.offers.all(),
        "represents": permissions.represents(request.user, member),
    }
    return render(request, "area/member_detail.html", context)


@login_required
def member_edit(request, pk):
    member = permissions.member_for_user(request.user, pk, write=True)
    form = MemberDetailsForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        fields = {f: form.cleaned_data[f] for f in area.member_editable_fields(member)}
        try:
            area.member_update(
                member=member,
                by=request.user,
                needs=form.cleaned_data["needs"],
                offers=form.cleaned_data["offers"],
                **fields,
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The details have been saved."))
            return redirect("crm:area_member", pk=member.pk)
    return render(request, "area/member_edit.html", {"member": member, "form": form})


@login_required
def children(request, pk):
    member = permissions.member_for_user(request.user, pk, write=True)
    if not member.is_family:
        return redirect("crm:area_member", pk=member.pk)
    form = ChildForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            area.child_add(family=member, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The child has been added."))
            return redirect("crm:area_children", pk=member.pk)
    context = {"member": member, "form": form, "children": member.children.all()}
    return render(request, "area/children.html", context)


@require_POST
@login_required
def child_remove(request, pk, child_pk):
    member = permissions.member_for_user(request.user, pk, write=True)
    child = get_object_or_404(member.children, pk=child_pk)
    area.child_remove(child=child, by=request.user)
    messages.success(request, _("The child has been removed."))
    return redirect("crm:area_children", pk=member.pk)


@login_required
def people(request, pk):
    member = permissions.member_for_user(request.user, pk)
    represents = permissions.represents(request.user, member)
    context = {
        "member": member,
        "people": Affiliation.objects.filter(end_date__isnull=True)
        .filter(member=member)
        .select_related("person")
        .order_by("role", "person__last_name"),
        "represents": represents,
        "invitations": Invitation.objects.pending().filter(member=member)
        if represents
        else [],
        "form": InviteForm() if represents else None,
    }
    return render(request, "area/people.html", context)


@login_required
def invite(request, pk):
    member = permissions.member_for_representative(request.user, pk)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            permissions.invitation_create(
                member=member, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("crm:area_people", pk=member.pk)
    return render(request, "area/invite.html", {"member": member, "form": form})


@login_required
def person_remove(request, pk, person_pk):
    member = permissions.member_for_representative(request.user, pk)
    affiliation = (
        Affiliation.objects.filter(end_date__isnull=True)
        .filter(member=member, person_id=person_pk)
        .select_related("person")
        .first()
    )
    if affiliation is None:
        raise Http404("No such person")
    if request.method == "POST":
        try:
            permissions.member_person_remove(
                member=member, person=affiliation.person, by=request.user
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(
                request,
                _("%(name)s no longer acts for %(member)s.")
                % {"name": affiliation.person.full_name, "member": member.name},
            )
        return redirect("crm:area_people", pk=member.pk)
    context = {"member": member, "person": affiliation.person}
    return render(request, "area/person_remove.html", context)
