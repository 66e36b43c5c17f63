from django.urls import path

from crm.views import accounts, area, privacy

app_name = "crm"

AREA = "area-riservata/"
MEMBER = AREA + "soggetti/<int:pk>/"

urlpatterns = [
    path(AREA, area.home, name="area_home"),
    path(AREA + "cambia/", area.switch, name="area_switch"),
    path(AREA + "profilo/", area.profile, name="area_profile"),
    path(MEMBER, area.member_detail, name="area_member"),
    path(MEMBER + "modifica/", area.member_edit, name="area_member_edit"),
    path(MEMBER + "figli/", area.children, name="area_children"),
    path(
        MEMBER + "figli/<int:child_pk>/elimina/",
        area.child_remove,
        name="area_child_remove",
    ),
    path(MEMBER + "persone/", area.people, name="area_people"),
    path(MEMBER + "persone/invita/", area.invite, name="area_invite"),
    path(
        MEMBER + "persone/<int:person_pk>/rimuovi/",
        area.person_remove,
        name="area_person_remove",
    ),
    path(AREA + "consensi/", privacy.consents, name="area_consents"),
    path(
        AREA + "consensi/<str:purpose>/dai/",
        privacy.consent_give,
        name="area_consent_give",
    ),
    path(
        AREA + "consensi/<int:pk>/revoca/",
        privacy.consent_withdraw,
        name="area_consent_withdraw",
    ),
    path(AREA + "i-miei-dati/", privacy.my_data, name="area_my_data"),
    path(
        AREA + "i-miei-dati/dati.json", privacy.my_data_json, name="area_my_data_json"
    ),
    path(
        AREA + "i-miei-dati/riepilogo/", privacy.my_data_page, name="area_my_data_page"
    ),
    path(AREA + "i-miei-dati/cancellazione/", privacy.erasure, name="area_erasure"),
    path("invito/<str:token>/", accounts.invitation_accept, name="invitation_accept"),
]
