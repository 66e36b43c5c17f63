from django.urls import path

from cms.views import area, public

app_name = "cms"
urlpatterns = [
    path("cerca/", public.search, name="search"),
    path("calendario.ics", public.programme_ics, name="programme_ics"),
    path("area-riservata/iscrizioni/", area.my_registrations, name="my_registrations"),
    path("eventi/<int:event_id>/evento.ics", public.event_ics, name="event_ics"),
    path(
        "eventi/<int:event_id>/iscrizione-rapida/",
        public.register_one_click,
        name="register_one_click",
    ),
    # Before the personal link's pattern, which would take these for tokens.
    path(
        "iscrizioni/ricevuta/",
        public.registration_received,
        name="registration_received",
    ),
    path(
        "iscrizioni/conferma/<str:token>/",
        public.registration_confirm,
        name="registration_confirm",
    ),
    path(
        "iscrizioni/<str:token>/",
        public.registration_manage,
        name="registration_manage",
    ),
    path(
        "iscrizioni/<str:token>/attestato.pdf",
        public.registration_certificate,
        name="registration_certificate",
    ),
]
