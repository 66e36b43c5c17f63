from django.urls import path

from pact.views import adhesions, facilitation, public, verification
from pact.views.handover_urls import urlpatterns as handover_urlpatterns

AREA = "area-riservata/patti/"

app_name = "pact"
urlpatterns = [
    path("facilitazione/", facilitation.my_tables, name="facilitation_tables"),
    path(
        "facilitazione/tavoli/<int:pk>/",
        facilitation.table_detail,
        name="facilitation_table",
    ),
    path(
        "facilitazione/tavoli/<int:pk>/sintesi/",
        facilitation.table_synthesis,
        name="facilitation_synthesis",
    ),
    path(
        "facilitazione/tavoli/<int:pk>/chiudi/",
        facilitation.table_close,
        name="facilitation_close",
    ),
    path(
        "facilitazione/contributi/<int:pk>/",
        facilitation.contribution_edit,
        name="facilitation_contribution",
    ),
    path(
        "facilitazione/contributi/<int:pk>/elimina/",
        facilitation.contribution_delete,
        name="facilitation_contribution_delete",
    ),
    path(AREA, adhesions.adhesion_list, name="adhesion_list"),
    path(AREA + "<int:pk>/", adhesions.adhesion_detail, name="adhesion_detail"),
    path(
        AREA + "<int:pk>/codice/",
        adhesions.adhesion_send_code,
        name="adhesion_send_code",
    ),
    path(AREA + "<int:pk>/firma/", adhesions.adhesion_sign, name="adhesion_sign"),
    path(AREA + "<int:pk>/pdf/", adhesions.adhesion_pdf, name="adhesion_pdf"),
    path(
        AREA + "<int:pk>/da-firmare.pdf",
        adhesions.adhesion_text_to_sign,
        name="adhesion_text_to_sign",
    ),
    path(
        AREA + "<int:pk>/firma-digitale/",
        adhesions.adhesion_sign_digital,
        name="adhesion_sign_digital",
    ),
    path("verifica/", verification.verify, name="verify"),
    path("verifica/<str:code>/", verification.verify_code, name="verify_code"),
    path("patto/", public.pact_index, name="pact_index"),
    path("patto/<slug:slug>/", public.pact_detail, name="pact_detail"),
    path("patto/<slug:slug>/pdf/", public.pact_pdf, name="pact_pdf"),
]
urlpatterns += handover_urlpatterns
