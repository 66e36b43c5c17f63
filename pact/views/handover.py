"""Member area of the Lucca Family net liaison: the handovers delivered to
them, their contents, the download and the acknowledgement of receipt.

A batch exists for a liaison only once delivered to them (guardian object
permission); anything else is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from guardian.shortcuts import get_objects_for_user

from pact.models import HandoverBatch
from pact.services import handover


def batches_for_liaison(user):
    """The delivered batches a liaison may see (never through global perms)."""
    if not (user.is_authenticated and user.is_active):
        return HandoverBatch.objects.none()
    return get_objects_for_user(
        user,
        "pact.view_handoverbatch",
        HandoverBatch.objects.delivered(),
        with_superuser=False,
        accept_global_perms=False,
    )


def batch_for_liaison(user, pk) -> HandoverBatch:
    try:
        return batches_for_liaison(user).for_list().get(pk=int(pk))
    except (HandoverBatch.DoesNotExist, ValueError, TypeError):
        raise Http404("No such handover") from None


@login_required
def handover_list(request):
    batches = batches_for_liaison(request.user).for_list()
    if (
        not batches.exists()
        and not handover.liaisons().filter(pk=request.user.pk).exists()
    ):
        raise Http404("Not a liaison")
    return render(request, "pact/handover/area_list.html", {"batches": batches})


@login_required
def handover_detail(request, pk):
    batch = batch_for_liaison(request.user, pk)
    adhesions = batch.adhesions.select_related(
        "member__municipality", "network_role"
    ).order_by("chain_position", "pk")
    return render(
        request,
        "pact/handover/area_detail.html",
        {"batch": batch, "adhesions": adhesions},
    )


@login_required
def handover_download(request, pk):
    batch = batch_for_liaison(request.user, pk)
    handover.handover_batch_downloaded(batch=batch, by=request.user)
    return FileResponse(
        batch.file.open("rb"),
        as_attachment=True,
        filename=batch.file_name,
        content_type="application/zip",
    )


@login_required
@require_POST
def handover_acknowledge(request, pk):
    batch = batch_for_liaison(request.user, pk)
    try:
        handover.handover_batch_acknowledge(
            batch=batch, by=request.user, note=request.POST.get("note", "")[:2000]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Thank you: receipt acknowledged."))
    return redirect("pact:handover_detail", pk=batch.pk)
