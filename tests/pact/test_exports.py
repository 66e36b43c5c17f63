"""Coordinators export signed pacts as one ZIP, in the background, logged."""

import csv
import datetime as dt
import hashlib
import io
import zipfile

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from crm.models import DataExportLog, MemberKind
from pact.models import AdhesionStatus, ExportJob, ExportStatus
from pact.services import exports
from tests.conftest import pass_mfa
from tests.factories import FamilyFactory, OrganisationFactory, municipality

from .handover_data import SIGNED_AT, open_version, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(db):
    """Five signed adhesions: families and organisations, two municipalities,
    one withdrawn, one already handed over, signed on different days."""
    version = open_version()
    lucca, capannori = municipality("Lucca"), municipality("Capannori")
    members = [
        FamilyFactory(name="Famiglia Aranci", municipality=lucca),
        FamilyFactory(name="Famiglia Bianchi", municipality=capannori),
        OrganisationFactory(name="Coop Girasole", municipality=lucca),
        OrganisationFactory(
            name="Bottega Verdi", kind=MemberKind.BUSINESS, municipality=capannori
        ),
        OrganisationFactory(name="Associazione Noce", municipality=capannori),
    ]
    adhesions = [
        sign(version, m, number=i, signed_at=SIGNED_AT + dt.timedelta(days=i))
        for i, m in enumerate(members, start=1)
    ]
    adhesions[3].status = AdhesionStatus.WITHDRAWN
    adhesions[3].withdrawn_at = SIGNED_AT + dt.timedelta(days=20)
    adhesions[3].save()
    adhesions[4].status = AdhesionStatus.HANDED_OVER
    adhesions[4].save()
    return adhesions


def _zip(content: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(content))


def _download(client, job) -> bytes:
    response = client.get(reverse("pact_export_download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return b"".join(response.streaming_content)


def _export(client, **filters) -> ExportJob:
    data = {key: "" for key in ("kind", "municipality", "version", "status")}
    data.update({k: str(v) for k, v in filters.items()})
    response = client.post(reverse("pact_exports"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ExportJob.objects.latest("pk")


def test_a_coordinator_exports_every_signed_pact_as_one_zip(coordinator_client, signed):
    job = _export(coordinator_client)

    assert job.status == ExportStatus.DONE
    assert (job.done, job.total) == (5, 5)
    with _zip(_download(coordinator_client, job)) as zf:
        names = set(zf.namelist())
        assert names == {
            *(f"pdf/adesione-{a.reference}.pdf" for a in signed),
            "registry.csv",
            "registry.xlsx",
        }
        for adhesion in signed:
            data = zf.read(f"pdf/adesione-{adhesion.reference}.pdf")
            assert hashlib.sha256(data).hexdigest() == adhesion.document_sha256
        csv_bytes = zf.read("registry.csv")
        xlsx = openpyxl.load_workbook(io.BytesIO(zf.read("registry.xlsx")))
    assert csv_bytes.startswith(b"\xef\xbb\xbf")  # Italian Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 6
    assert "Famiglia Aranci" in {row[4] for row in rows}
    assert xlsx.active.max_row == 6
    sha_column = [row[-1] for row in rows[1:]]
    assert sorted(sha_column) == sorted(a.document_sha256 for a in signed)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": MemberKind.FAMILY}, {1, 2}),
        ({"status": AdhesionStatus.WITHDRAWN}, {4}),
        ({"status": AdhesionStatus.HANDED_OVER}, {5}),
        ({"signed_from": "2020-11-16"}, {4, 5}),
        ({"signed_to": "2020-11-14"}, {1, 2}),
        ({"signed_from": "2020-11-15", "signed_to": "2020-11-15"}, {3}),
    ],
)
def test_filters_choose_which_signed_pacts_go_into_the_export(
    coordinator_client, signed, filters, expected
):
    job = _export(coordinator_client, **filters)

    with _zip(_download(coordinator_client, job)) as zf:
        pdfs = {n for n in zf.namelist() if n.startswith("pdf/")}
    assert pdfs == {f"pdf/adesione-{signed[i - 1].reference}.pdf" for i in expected}
    assert job.total == len(expected)


def test_the_municipality_and_version_filters_narrow_the_export(
    coordinator_client, signed
):
    capannori = municipality("Capannori")
    job = _export(
        coordinator_client, municipality=capannori.pk, version=signed[0].version_id
    )

    assert job.total == 3
    assert job.filters == {
        "municipality": capannori.pk,
        "version": signed[0].version_id,
    }


def test_an_export_with_nothing_to_export_says_so(
    coordinator, coordinator_client, signed
):
    speak_english(coordinator_client, coordinator)
    response = coordinator_client.post(
        reverse("pact_exports"), {"signed_from": "2030-01-01"}
    )

    assert response.status_code == 200
    assert "No signed pact matches these filters." in response.content.decode()
    assert not ExportJob.objects.exists()


def test_dates_in_the_wrong_order_are_refused_with_a_message(
    coordinator_client, signed
):
    response = coordinator_client.post(
        reverse("pact_exports"),
        {"signed_from": "2020-12-01", "signed_to": "2020-11-01"},
    )

    assert response.status_code == 200
    assert not ExportJob.objects.exists()
    assert "help-critical" in response.content.decode()


def test_every_export_and_download_is_in_the_data_export_log(
    coordinator, coordinator_client, signed
):
    job = _export(coordinator_client, kind=MemberKind.FAMILY)
    _download(coordinator_client, job)

    made, downloaded = DataExportLog.objects.order_by("pk")
    assert (made.user, made.format, made.record_count) == (coordinator, "zip", 2)
    assert made.filters == {"kind": "family"}
    assert downloaded.user == coordinator
    assert f"download of export {job.pk}" in downloaded.what


def test_the_task_reports_its_progress_document_by_document(
    coordinator, signed, monkeypatch
):
    monkeypatch.setattr(exports, "PROGRESS_EVERY_SECONDS", 0)
    seen = []
    original = exports._Progress.__call__

    def spy(self, done):
        original(self, done)
        seen.append(ExportJob.objects.get(pk=self.job_id).done)

    monkeypatch.setattr(exports._Progress, "__call__", spy)
    job = exports.export_job_create(by=coordinator, filters=exports.ExportFilters())

    job = exports.export_job_run(job_id=job.pk)

    assert seen == [1, 2, 3, 4, 5]
    assert job.status == ExportStatus.DONE and job.percent == 100
    assert job.started_at <= job.finished_at


def test_the_progress_page_polls_and_refreshes_itself_without_javascript(
    coordinator, coordinator_client, signed
):
    job = exports.export_job_create(by=coordinator, filters=exports.ExportFilters())
    page = coordinator_client.get(reverse("pact_export_job", args=[job.pk]))
    status = coordinator_client.get(reverse("pact_export_status", args=[job.pk]))

    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="3">' in html
    assert "data-polling" in html and "<progress" in html
    assert status.json() | {"status_label": ""} == {
        "status": "queued",
        "status_label": "",
        "done": 0,
        "total": 5,
        "percent": 0,
        "finished": False,
        "error": "",
    }
    exports.export_job_run(job_id=job.pk)
    html = coordinator_client.get(reverse("pact_export_job", args=[job.pk]))
    assert 'http-equiv="refresh"' not in html.content.decode()
    assert reverse("pact_export_download", args=[job.pk]) in html.content.decode()


def test_a_document_that_changed_in_storage_fails_the_export_with_a_reason(
    coordinator, signed
):
    document = signed[2].document
    with document.storage.open(document.name, "wb") as handle:
        handle.write(b"%PDF-1.7 tampered")
    job = exports.export_job_create(by=coordinator, filters=exports.ExportFilters())

    job = exports.export_job_run(job_id=job.pk)

    assert job.status == ExportStatus.FAILED
    assert signed[2].reference in job.error
    assert not job.file
    assert not DataExportLog.objects.exists()


def test_a_job_runs_once_even_if_its_task_is_delivered_twice(coordinator, signed):
    job = exports.export_job_create(by=coordinator, filters=exports.ExportFilters())
    first = exports.export_job_run(job_id=job.pk)

    again = exports.export_job_run(job_id=job.pk)

    assert again.file.name == first.file.name
    assert DataExportLog.objects.count() == 1


@pytest.mark.parametrize("persona", ["liaison", "guardian_a", "legal_rep_x"])
def test_nobody_but_coordinators_sees_or_downloads_exports(
    client, coordinator, signed, network, persona
):
    job = exports.export_job_run(
        job_id=exports.export_job_create(
            by=coordinator, filters=exports.ExportFilters()
        ).pk
    )
    pass_mfa(client, getattr(network, persona))

    for name, args in (
        ("pact_exports", []),
        ("pact_export_job", [job.pk]),
        ("pact_export_status", [job.pk]),
        ("pact_export_download", [job.pk]),
    ):
        response = client.get(reverse(name, args=args))
        # Staff without the back office are sent to log in; the liaison gets 404.
        assert response.status_code in (302, 404), name
        assert response.status_code == 404 or "/login/" in response.url
    assert client.post(reverse("pact_exports"), {}).status_code in (302, 404)
    assert ExportJob.objects.count() == 1


def test_the_private_files_are_not_under_the_media_folder(coordinator, signed):
    from django.conf import settings

    job = exports.export_job_run(
        job_id=exports.export_job_create(
            by=coordinator, filters=exports.ExportFilters()
        ).pk
    )

    path = job.file.path
    assert not path.startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(ValueError):
        job.file.url  # noqa: B018


def test_the_export_list_costs_a_fixed_number_of_queries(
    coordinator, coordinator_client, signed, django_assert_max_num_queries
):
    for _i in range(15):
        exports.export_job_create(by=coordinator, filters=exports.ExportFilters())

    with django_assert_max_num_queries(30):
        response = coordinator_client.get(reverse("pact_exports"))

    assert response.status_code == 200
    assert response.content.decode().count(reverse("pact_exports")) >= 1


# --- the command ---------------------------------------------------------------


def test_the_command_writes_the_export_and_logs_it(tmp_path, signed):
    target = tmp_path / "patti.zip"
    out = io.StringIO()

    call_command("export_signed_pacts", "-o", str(target), stdout=out)

    assert "5 signed pacts exported" in out.getvalue()
    with zipfile.ZipFile(target) as zf:
        assert len([n for n in zf.namelist() if n.startswith("pdf/")]) == 5
    log = DataExportLog.objects.get()
    assert (log.user, log.record_count) == (None, 5)


def test_the_command_takes_a_start_date(tmp_path, signed):
    target = tmp_path / "patti.zip"

    call_command(
        "export_signed_pacts",
        "-o",
        str(target),
        "--since",
        "2020-11-17",
        stdout=io.StringIO(),
    )

    with zipfile.ZipFile(target) as zf:
        assert zf.namelist()[:1] == [f"pdf/adesione-{signed[4].reference}.pdf"]
    assert DataExportLog.objects.get().filters == {"signed_from": "2020-11-17"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "16/11/2020"], "Not a date"),
        (["--since", "2031-01-01"], "No signed pact matches"),
    ],
)
def test_the_command_fails_with_a_message_and_writes_nothing(
    tmp_path, signed, args, message
):
    target = tmp_path / "patti.zip"

    with translation_en(), pytest.raises(CommandError, match=message):
        call_command("export_signed_pacts", "-o", str(target), *args)

    assert not target.exists()


def test_the_command_refuses_a_missing_folder(tmp_path, signed):
    with pytest.raises(CommandError, match="No such folder"):
        call_command("export_signed_pacts", "-o", str(tmp_path / "nope" / "x.zip"))


def speak_english(client, user):
    """Pages in English (cookie for the site, profile for the admin): the strings
    these tests read are new and not translated yet."""
    from django.conf import settings
    from wagtail.users.models import UserProfile

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()


def translation_en():
    from django.utils import translation

    return translation.override("en")
