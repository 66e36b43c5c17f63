"""The facilitator's phone page: only their tables, fast entry, nothing lost."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pact import selectors, services
from pact.access import contribution_for_user, table_for_user, visible_tables
from pact.forms import ContributionForm, SynthesisForm


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
def my_tables(request):
    tables = (
        visible_tables(request.user)
        .select_related("workshop__event")
        .with_counts()
        .order_by("workshop", "sort_order", "pk")
    )
    return render(request, "pact/facilitation_tables.html", {"tables": tables})


def _table_page(request, table, form, status=200):
    context = {
        "table": table,
        "form": form,
        "contributions": selectors.table_contributions(table).order_by(
            "-created_at", "-pk"
        ),
    }
    return render(request, "pact/facilitation_table.html", context, status=status)


def _saved_json(request, table, contribution):
    item = render_to_string(
        "pact/includes/contribution_item.html",
        {"contribution": contribution, "table": table},
        request=request,
    )
    next_form = ContributionForm(table=table)
    return JsonResponse(
        {
            "ok": True,
            "message": _("Saved."),
            "html": item,
            "next_token": str(next_form.initial["client_token"]),
        }
    )


@login_required
def table_detail(request, pk):
    table = table_for_user(request.user, pk)
    if request.method != "POST":
        return _table_page(request, table, ContributionForm(table=table))
    form = ContributionForm(request.POST, table=table)
    if form.is_valid():
        try:
            contribution, _created = services.contribution_record(
                table=table,
                by=request.user,
                client_token=form.cleaned_data["client_token"],
                **form.service_kwargs(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if _wants_json(request):
                return _saved_json(request, table, contribution)
            messages.success(request, _("Contribution saved."))
            return redirect("pact:facilitation_table", pk=table.pk)
    if _wants_json(request):
        return JsonResponse({"ok": False, "errors": form.errors}, status=400)
    return _table_page(request, table, form, status=400)


@login_required
def contribution_edit(request, pk):
    contribution = contribution_for_user(request.user, pk)
    table = contribution.table
    form = ContributionForm(
        request.POST or None,
        table=table,
        instance=contribution,
        initial={"topics": contribution.topics.all()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contribution_update(
                contribution=contribution, **form.service_kwargs()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Contribution updated."))
            return redirect("pact:facilitation_table", pk=table.pk)
    return render(
        request,
        "pact/facilitation_contribution_edit.html",
        {"form": form, "contribution": contribution, "table": table},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def contribution_delete(request, pk):
    contribution = contribution_for_user(request.user, pk)
    try:
        services.contribution_delete(contribution=contribution)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Contribution deleted."))
    return redirect("pact:facilitation_table", pk=contribution.table_id)


@login_required
def table_synthesis(request, pk):
    table = table_for_user(request.user, pk)
    form = SynthesisForm(request.POST or None, initial={"synthesis": table.synthesis})
    if request.method == "POST" and form.is_valid():
        try:
            services.table_synthesis_save(
                table=table, synthesis=form.cleaned_data["synthesis"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Synthesis saved."))
            return redirect("pact:facilitation_table", pk=table.pk)
    return render(
        request,
        "pact/facilitation_synthesis.html",
        {"form": form, "table": table},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def table_close(request, pk):
    table = table_for_user(request.user, pk)
    services.table_close(table=table, by=request.user)
    messages.success(request, _("The table is closed."))
    return redirect("pact:facilitation_table", pk=table.pk)
