"""Journey 4: a coordinator exports the signed pacts and builds a handover batch;
the Lucca Family net liaison downloads it, checks it and acknowledges receipt."""

import csv
import hashlib
import io
import re
import zipfile
from io import StringIO

import openpyxl
from django.core.management import call_command

from pact.models import (
    Adhesion,
    AdhesionStatus,
    ExportJob,
    HandoverBatch,
    HandoverStatus,
)
from pact.models.handover import ExportStatus
from tests.e2e.conftest import totp_code

COORDINATOR = "coordinatrice@luccainfamiglia.example"
LIAISON = "referente@luccafamilynet.example"


def _second_factor(browser, page, email, name):
    """The allauth step after the password: the code of the authenticator app."""
    page.wait_for_url("**/account/2fa/authenticate/**")
    browser.shot(page, f"{name} second factor")
    page.get_by_label("Codice").fill(totp_code(email))
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_load_state()


def _download(page, tmp_path, trigger):
    with page.expect_download() as info:
        trigger.click()
    download = info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    return target


def test_coordinator_exports_and_hands_over_liaison_acknowledges(
    browser, demo, mailoutbox, tmp_path
):
    signed = Adhesion.objects.signed()
    assert signed.count() >= 3, "the demo has signed adhesions"
    to_hand_over = set(
        Adhesion.objects.filter(status=AdhesionStatus.SIGNED).values_list(
            "pk", flat=True
        )
    )

    # --- The coordinator: password, then the second factor -------------------
    page = browser.new_page()
    browser.login(page, COORDINATOR, next_url="/admin/pact/exports/")
    _second_factor(browser, page, COORDINATOR, "coordinator")
    page.wait_for_url("**/admin/pact/exports/")
    assert "patti firmati nel registro" in page.locator("main").inner_text()
    browser.shot(page, "exports")

    # --- Export every signed pact --------------------------------------------
    page.get_by_role("button", name="Prepara l'esportazione").click()
    page.wait_for_url(re.compile(r"/admin/pact/exports/\d+/$"))
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.DONE
    ready = page.get_by_role("link", name="Scarica lo ZIP")
    ready.wait_for()
    assert page.locator("[data-status]").inner_text() == "Pronta"
    browser.shot(page, "export ready")
    export_zip = _download(page, tmp_path, ready)

    with zipfile.ZipFile(export_zip) as zf:
        names = set(zf.namelist())
        pdfs = {n for n in names if n.startswith("pdf/")}
        assert pdfs == {f"pdf/adesione-{a.uuid}.pdf" for a in signed}
        assert names == pdfs | {"registry.xlsx", "registry.csv"}
        for adhesion in signed:
            data = zf.read(f"pdf/adesione-{adhesion.uuid}.pdf")
            assert data.startswith(b"%PDF-")
            assert hashlib.sha256(data).hexdigest() == adhesion.document_sha256
        workbook = openpyxl.load_workbook(io.BytesIO(zf.read("registry.xlsx")))
        rows = list(workbook.active.iter_rows(values_only=True))
        csv_rows = list(
            csv.reader(
                io.StringIO(zf.read("registry.csv").decode("utf-8-sig")),
                delimiter=";",
            )
        )
    header, *records = rows
    assert "Codice di verifica" in header
    code_column = header.index("Codice di verifica")
    assert sorted(r[code_column] for r in records) == sorted(
        a.short_code for a in signed
    )
    assert csv_rows[0] == [str(h) for h in header]
    assert len(csv_rows) == 1 + signed.count()
    job.refresh_from_db()
    assert job.total == signed.count()

    # --- Build the handover batch and deliver it ----------------------------
    page.goto("/admin/pact/handover/")
    browser.shot(page, "handover index")
    page.get_by_role("link", name="Prepara una consegna").first.click()
    page.wait_for_url("**/admin/pact/handover/build/**")
    browser.shot(page, "handover build")
    page.get_by_role("button", name="Prepara la consegna").click()
    page.wait_for_url(re.compile(r"/admin/pact/handover/\d+/$"))
    batch = HandoverBatch.objects.get()
    assert set(batch.adhesions.values_list("pk", flat=True)) == to_hand_over
    assert page.get_by_text(
        f"Consegna {batch.number} preparata con {len(to_hand_over)} adesioni."
    ).is_visible()
    browser.shot(page, "handover built")

    page.get_by_role("button", name="Consegna a Lucca Family net").click()
    page.wait_for_load_state()
    assert page.get_by_text("Consegna effettuata:").first.is_visible()
    browser.shot(page, "handover delivered")
    batch.refresh_from_db()
    assert batch.status == HandoverStatus.DELIVERED
    (notice,) = [m for m in mailoutbox if LIAISON in m.to]
    detail_path = f"/area-riservata/consegne/{batch.pk}/"
    assert browser.base_url + detail_path in notice.body
    assert batch.file_sha256 in notice.body

    # --- The liaison: finds it in the member area ---------------------------
    liaison = browser.new_page()
    browser.login(liaison, LIAISON)
    _second_factor(browser, liaison, LIAISON, "liaison")
    # The liaison lands where their work is: the handovers.
    liaison.wait_for_url("**/area-riservata/consegne/")
    liaison.goto("/area-riservata/")
    browser.shot(liaison, "liaison area")
    browser.axe(liaison, "liaison area home")

    liaison.get_by_role("link", name="Consegne a Lucca Family net").first.click()
    liaison.wait_for_url("**/area-riservata/consegne/")
    row = liaison.get_by_role("row").filter(has_text=f"Consegna {batch.number}")
    assert "In attesa della tua conferma di ricezione" in row.inner_text()
    browser.shot(liaison, "liaison handovers")
    browser.axe(liaison, "liaison handovers")

    row.get_by_role("link", name=f"Consegna {batch.number}").click()
    liaison.wait_for_url("**" + detail_path)
    browser.shot(liaison, "liaison handover")
    browser.axe(liaison, "liaison handover")

    bundle = _download(
        liaison,
        tmp_path,
        liaison.get_by_role("link", name=re.compile(r"Scarica la consegna \(ZIP")),
    )
    assert hashlib.sha256(bundle.read_bytes()).hexdigest() == batch.file_sha256
    out = StringIO()
    call_command("verify_bundle", str(bundle), stdout=out)
    report = out.getvalue()
    assert "VALID" in report
    assert f"Adhesions:  {len(to_hand_over)}" in report

    liaison.get_by_label("Nota (facoltativa)").fill("Ricevuta e verificata.")
    liaison.get_by_role(
        "button", name="Confermo che Lucca Family net ha ricevuto questa consegna"
    ).click()
    liaison.wait_for_url("**" + detail_path)
    assert liaison.get_by_text("Grazie: ricezione confermata.").is_visible()
    browser.shot(liaison, "liaison acknowledged")
    browser.axe(liaison, "liaison handover acknowledged")

    batch.refresh_from_db()
    assert batch.status == HandoverStatus.ACKNOWLEDGED
    assert batch.acknowledged_by.email == LIAISON
    assert batch.acknowledgement_note == "Ricevuta e verificata."
    assert set(
        Adhesion.objects.filter(pk__in=to_hand_over).values_list("status", flat=True)
    ) == {AdhesionStatus.HANDED_OVER}
