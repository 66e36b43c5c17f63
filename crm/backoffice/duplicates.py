"""Possible duplicates, and merging two members or two people.

Only users who may both change and delete a kind of record see its
duplicates and merge them; everyone else is refused the Wagtail way.
"""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from crm import selectors
from crm.models import Member, Person
from crm.services import member_merge, person_merge

MERGE_PERMS = {
    "member": ("crm.change_member", "crm.delete_member"),
    "person": ("crm.change_person", "crm.delete_person"),
}


def can_merge(user, kind: str) -> bool:
    return user.has_perms(MERGE_PERMS[kind])


class MergeForm(forms.Form):
    keep = forms.ChoiceField(
        label=gettext_lazy("Record to keep"), widget=forms.RadioSelect
    )

    def __init__(self, *args, first, second, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [
            (str(first.pk), str(first)),
            (str(second.pk), str(second)),
        ]
        self.fields["keep"].initial = str(first.pk)


def duplicates_index(request):
    show = {kind: can_merge(request.user, kind) for kind in MERGE_PERMS}
    if not any(show.values()):
        raise PermissionDenied
    context = {
        "member_groups": selectors.duplicate_members() if show["member"] else None,
        "person_groups": selectors.duplicate_people() if show["person"] else None,
    }
    return TemplateResponse(request, "crm/admin/duplicates.html", context)


class _Merge:
    """A merge of two records of one kind: compare, choose, confirm."""

    kind = ""
    model = None
    service = None
    summary = None
    template = ""
    title = ""

    def __call__(self, request, first_pk, second_pk):
        if not can_merge(request.user, self.kind):
            raise PermissionDenied
        first = get_object_or_404(self.model, pk=first_pk)
        second = get_object_or_404(self.model, pk=second_pk)
        if first.pk == second.pk:
            messages.error(request, _("A record cannot be merged with itself."))
            return redirect("crm_duplicates:index")
        form = MergeForm(request.POST or None, first=first, second=second)
        if request.method == "POST" and form.is_valid():
            keep, other = (
                (first, second)
                if form.cleaned_data["keep"] == str(first.pk)
                else (second, first)
            )
            try:
                kept = self.service(keep=keep, other=other, by=request.user)
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, self.done_message(kept, other))
                return redirect(self.kept_url(kept))
        return TemplateResponse(
            request,
            self.template,
            {
                "title": self.title,
                "form": form,
                "records": [(r, self.summary(r)) for r in (first, second)],
            },
        )

    def done_message(self, kept, other):
        return _("“%(other)s” was merged into “%(kept)s”.") % {
            "other": other,
            "kept": kept,
        }


class MergeMembers(_Merge):
    kind = "member"
    model = Member
    service = staticmethod(member_merge)
    summary = staticmethod(selectors.merge_summary_member)
    template = "crm/admin/merge.html"
    title = gettext_lazy("Merge two members")

    def kept_url(self, kept):
        return reverse("crm_member:inspect", args=[kept.pk])


class MergePeople(_Merge):
    kind = "person"
    model = Person
    service = staticmethod(person_merge)
    summary = staticmethod(selectors.merge_summary_person)
    template = "crm/admin/merge.html"
    title = gettext_lazy("Merge two people")

    def kept_url(self, kept):
        return reverse("crm_person:inspect", args=[kept.pk])


class DuplicatesMenuItem(MenuItem):
    def is_shown(self, request):
        return any(can_merge(request.user, kind) for kind in MERGE_PERMS)


class DuplicatesViewSet(ViewSet):
    menu_label = gettext_lazy("Possible duplicates")
    menu_icon = "resubmit"
    menu_order = 600
    menu_item_class = DuplicatesMenuItem

    def get_urlpatterns(self):
        return [
            path("", duplicates_index, name="index"),
            path(
                "soggetti/<int:first_pk>/<int:second_pk>/",
                MergeMembers(),
                name="merge_members",
            ),
            path(
                "persone/<int:first_pk>/<int:second_pk>/",
                MergePeople(),
                name="merge_people",
            ),
        ]

    @property
    def menu_url(self):
        return reverse(self.get_url_name("index"))
