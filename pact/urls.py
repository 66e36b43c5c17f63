from django.urls import path

from pact.views import facilitation, public

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
    path("patto/", public.pact_index, name="pact_index"),
    path("patto/<slug:slug>/", public.pact_detail, name="pact_detail"),
    path("patto/<slug:slug>/pdf/", public.pact_pdf, name="pact_pdf"),
]
