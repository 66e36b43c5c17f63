"""The back office's "Programme" menu: registrations, check-in, venues, speakers."""

from django.urls import include, path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.models import Registration, Speaker, Venue
from cms.permissions import can_view_registrations, registration_policy
from cms.views import admin as views

register_permission_policy(Registration, registration_policy)


class VenueViewSet(SnippetViewSet):
    model = Venue
    icon = "site"
    add_to_admin_menu = False
    list_display = ["name", "full_address"]
    search_fields = ["name", "address", "city"]


class SpeakerViewSet(SnippetViewSet):
    model = Speaker
    icon = "user"
    add_to_admin_menu = False
    list_display = ["name", "role", "organisation"]
    search_fields = ["name", "organisation"]


register_snippet(VenueViewSet)
register_snippet(SpeakerViewSet)


class RegistrationsMenuItem(MenuItem):
    def is_shown(self, request):
        return can_view_registrations(request.user)


class ModelMenuItem(MenuItem):
    def __init__(self, *args, model, **kwargs):
        super().__init__(*args, **kwargs)
        self.model = model

    def is_shown(self, request):
        opts = self.model._meta
        return any(
            request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")
            for action in ("view", "add", "change")
        )


class ProgrammeMenu(SubmenuMenuItem):
    def is_shown(self, request):
        return bool(self.menu.menu_items_for_request(request))


@hooks.register("register_admin_menu_item")
def programme_menu():
    menu = Menu(
        items=[
            RegistrationsMenuItem(
                _("Registrations and check-in"),
                reverse_lazy("cms_admin:events"),
                icon_name="list-ul",
                order=100,
            ),
            ModelMenuItem(
                _("Venues"),
                reverse_lazy("wagtailsnippets_cms_venue:list"),
                icon_name="site",
                order=200,
                model=Venue,
            ),
            ModelMenuItem(
                _("Speakers"),
                reverse_lazy("wagtailsnippets_cms_speaker:list"),
                icon_name="user",
                order=300,
                model=Speaker,
            ),
        ]
    )
    return ProgrammeMenu(_("Programme"), menu, icon_name="date", order=250)


admin_urlpatterns = [
    path("eventi/", views.events_index, name="events"),
    path("eventi/<int:pk>/", views.event_registrations, name="event_registrations"),
    path(
        "eventi/<int:pk>/export.<str:fmt>",
        views.event_registrations_export,
        name="event_registrations_export",
    ),
    path("eventi/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("check-in/<str:token>/", views.check_in_token, name="check_in_token"),
    path("iscrizioni/<int:pk>/", views.registration_find, name="registration"),
    path(
        "iscrizioni/<int:pk>/azione/",
        views.registration_action,
        name="registration_action",
    ),
    path(
        "iscrizioni/<int:pk>/attestato.pdf",
        views.registration_certificate,
        name="registration_certificate",
    ),
]


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path(
            "programma/",
            include((admin_urlpatterns, "cms_admin"), namespace="cms_admin"),
        )
    ]
