"""URLs of the liaison's handover pages in the member area (namespace ``pact``)."""

from django.urls import path

from . import handover

HANDOVER = "area-riservata/consegne/"

urlpatterns = [
    path(HANDOVER, handover.handover_list, name="handover_list"),
    path(HANDOVER + "<int:pk>/", handover.handover_detail, name="handover_detail"),
    path(
        HANDOVER + "<int:pk>/scarica/",
        handover.handover_download,
        name="handover_download",
    ),
    path(
        HANDOVER + "<int:pk>/ricevuta/",
        handover.handover_acknowledge,
        name="handover_acknowledge",
    ),
]
