from django.urls import path

from crm.views import accounts, area, directory, privacy, second_factor

app_name = "crm"

AREA = "area-riservata/"
MEMBER = AREA + "soggetti/<int:pk>/"

SERVICES = "servizi/"
ORG_SERVICE = MEMBER + "servizi/<int:service_pk>/"
DIRECTORY = [
    path(SERVICES, directory.directory_list, name="directory"),
    path(SERVICES + "copertura/", directory.coverage_public, name="directory_coverage"),
    path(SERVICES + "<int:pk>/", directory.service_detail, name="directory_service"),
    path(
        SERVICES + "<int:pk>/informazioni/",
        directory.service_request,
        name="directory_request",
    ),
    path(
        SERVICES + "<int:pk>/avvisami/", directory.service_alert, name="directory_alert"
    ),
    path(
        SERVICES + "avvisi/<str:token>/",
        directory.alert_stop,
        name="directory_alert_stop",
    ),
    path(
        MEMBER + "servizi-per-noi/",
        directory.area_family_services,
        name="area_family_services",
    ),
    path(
        MEMBER + "servizi-per-noi/avvisi/<int:alert_pk>/stop/",
        directory.area_alert_stop,
        name="area_alert_stop",
    ),
    path(MEMBER + "servizi/", directory.area_org_services, name="area_org_services"),
    path(
        MEMBER + "servizi/nuovo/", directory.area_service_add, name="area_service_add"
    ),
    path(ORG_SERVICE, directory.area_service, name="area_service"),
    path(
        ORG_SERVICE + "posti/",
        directory.area_service_places,
        name="area_service_places",
    ),
    path(ORG_SERVICE + "periodi/nuovo/", directory.area_period, name="area_period_add"),
    path(
        ORG_SERVICE + "periodi/<int:period_pk>/",
        directory.area_period,
        name="area_period",
    ),
    path(
        ORG_SERVICE + "periodi/<int:period_pk>/elimina/",
        directory.area_period_delete,
        name="area_period_delete",
    ),
    path(
        ORG_SERVICE + "chiusure/", directory.area_closure_add, name="area_closure_add"
    ),
    path(
        ORG_SERVICE + "chiusure/<int:closure_pk>/elimina/",
        directory.area_closure_delete,
        name="area_closure_delete",
    ),
]

urlpatterns = [
    path(AREA, area.home, name="area_home"),
    path(AREA + "benvenuto/", area.landing, name="landing"),
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
    *DIRECTORY,
    path(
        "account/2fa/totp/replace/",
        second_factor.replace_app,
        name="authenticator_app_replace",
    ),
]
