"""Coordinators in the back office: registrations, exports, check-in, certificates."""

import csv
import io

import openpyxl
import pytest
from django.core import mail
from django.urls import reverse

from cms import tokens
from cms.models import Registration, RegistrationStatus
from crm.models import DataExportLog, Municipality
from tests.conftest import log_in
from tests.factories import PersonFactory


def _register(event, *, status="confirmed", **fields):
    return Registration.objects.create(
        event=event, person=PersonFactory(), status=status, **fields
    )


@pytest.fixture
def crowd(event):
    lucca = Municipality.objects.get(name="Lucca")
    capannori = Municipality.objects.get(name="Capannori")
    return [
        _register(event, municipality=lucca, childcare_children=1, childcare_ages=[3]),
        _register(
            event,
            municipality=capannori,
            registrant_kind="business",
            organisation_name='=HYPERLINK("x")',
        ),
        _register(event, status="waiting", municipality=lucca),
    ]


def test_coordinators_see_events_with_counts_against_capacity(
    coordinator_client, make_event, django_assert_max_num_queries
):
    for n in range(8):
        event = make_event(capacity=10)
        for _ in range(n % 3):
            _register(event)

    with django_assert_max_num_queries(20):
        response = coordinator_client.get(reverse("cms_admin:events"))

    assert response.status_code == 200
    assert "2 / 10" in response.content.decode()


def test_the_registration_list_runs_a_fixed_number_of_queries(
    coordinator_client, event, crowd, django_assert_max_num_queries
):
    url = reverse("cms_admin:event_registrations", args=[event.pk])
    coordinator_client.get(url)
    with django_assert_max_num_queries(25) as few:
        coordinator_client.get(url)
    for _ in range(20):
        _register(event, status="waiting")

    with django_assert_max_num_queries(len(few)):
        response = coordinator_client.get(url)

    assert len(response.context["registrations"]) == 23


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=waiting", 1),
        ("kind=business", 1),
        ("childcare=yes", 1),
        ("childcare=no", 2),
        ("status=confirmed&childcare=no", 1),
    ],
)
def test_registrations_are_filtered(coordinator_client, event, crowd, query, expected):
    url = reverse("cms_admin:event_registrations", args=[event.pk])

    response = coordinator_client.get(f"{url}?{query}")

    assert len(response.context["registrations"]) == expected


def test_filtering_by_municipality(coordinator_client, event, crowd):
    capannori = Municipality.objects.get(name="Capannori")
    url = reverse("cms_admin:event_registrations", args=[event.pk])

    response = coordinator_client.get(url, {"municipality": capannori.pk})

    assert [r.pk for r in response.context["registrations"]] == [crowd[1].pk]


def test_people_without_the_permission_are_sent_away(
    client, cms_editor, outsider, event
):
    url = reverse("cms_admin:event_registrations", args=[event.pk])
    for user in (cms_editor, outsider):
        log_in(client, user)
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.split("?")[0] in ("/admin/", "/admin/login/")
    client.logout()
    assert client.get(url).url.startswith("/admin/login/")


def test_export_as_xlsx_is_logged(coordinator_client, coordinator, event, crowd):
    url = reverse("cms_admin:event_registrations_export", args=[event.pk, "xlsx"])

    response = coordinator_client.get(url + "?status=confirmed")

    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.values)
    assert rows[0][0] == "Iscrizione" and len(rows) == 3
    assert rows[2][8] == '\'=HYPERLINK("x")'
    log = DataExportLog.objects.get()
    assert (log.user, log.format, log.record_count) == (coordinator, "xlsx", 2)
    assert log.filters["status"] == "confirmed"


def test_export_as_italian_csv_has_bom_and_semicolons(coordinator_client, event, crowd):
    url = reverse("cms_admin:event_registrations_export", args=[event.pk, "csv"])

    response = coordinator_client.get(url)

    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 4
    assert DataExportLog.objects.get().format == "csv"


def test_an_unknown_export_format_is_a_404(coordinator_client, event):
    url = reverse("cms_admin:event_registrations_export", args=[event.pk, "pdf"])
    assert coordinator_client.get(url).status_code == 404


def _act(client, registration, action, capture):
    with capture(execute=True):
        return client.post(
            reverse("cms_admin:registration_action", args=[registration.pk]),
            {"action": action},
        )


def test_coordinators_move_people_between_the_list_and_the_waiting_list(
    coordinator_client, make_event, django_capture_on_commit_callbacks
):
    event = make_event(capacity=1)
    confirmed = _register(event)
    waiting = _register(event, status="waiting")

    _act(
        coordinator_client, waiting, "to_confirmed", django_capture_on_commit_callbacks
    )
    waiting.refresh_from_db()
    assert waiting.status == "waiting"  # no room: refused with a message

    _act(
        coordinator_client, confirmed, "to_waiting", django_capture_on_commit_callbacks
    )
    _act(
        coordinator_client, waiting, "to_confirmed", django_capture_on_commit_callbacks
    )

    confirmed.refresh_from_db()
    waiting.refresh_from_db()
    assert (confirmed.status, waiting.status) == ("waiting", "confirmed")
    assert len(mail.outbox) == 2


def test_rejecting_a_confirmed_person_frees_the_place_for_the_waiting_list(
    coordinator_client, make_event, django_capture_on_commit_callbacks
):
    event = make_event(capacity=1)
    confirmed = _register(event)
    waiting = _register(event, status="waiting")

    _act(coordinator_client, confirmed, "reject", django_capture_on_commit_callbacks)

    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    subjects = sorted(m.subject for m in mail.outbox)
    assert any("could not be accepted" in s for s in subjects)
    assert any("A place has come free" in s for s in subjects)


def test_an_unknown_action_is_refused_with_a_message(coordinator_client, event):
    registration = _register(event)
    response = coordinator_client.post(
        reverse("cms_admin:registration_action", args=[registration.pk]),
        {"action": "delete-everything", "next": "https://evil.example/"},
    )

    assert response.status_code == 302
    assert "evil.example" not in response.url


def test_check_in_at_the_door_by_name(coordinator_client, event):
    person = PersonFactory(first_name="Teresa", last_name="Leone")
    registration = Registration.objects.create(event=event, person=person)
    _register(event)
    url = reverse("cms_admin:check_in", args=[event.pk])

    found = coordinator_client.get(url, {"q": "leone"})
    assert list(found.context["registrations"]) == [registration]

    coordinator_client.post(
        reverse("cms_admin:registration_action", args=[registration.pk]),
        {"action": "check_in", "next": url},
    )

    registration.refresh_from_db()
    assert registration.attended_at is not None


def test_the_qr_code_url_opens_the_check_in_of_that_registration(
    coordinator_client, event
):
    registration = _register(event)
    url = tokens.check_in_url(registration)

    page = coordinator_client.get(url)
    assert registration.person.full_name in page.content.decode()
    registration.refresh_from_db()
    assert registration.attended_at is None  # opening is not checking in

    coordinator_client.post(
        reverse("cms_admin:registration_action", args=[registration.pk]),
        {"action": "check_in", "next": url},
    )
    registration.refresh_from_db()
    assert registration.attended_at is not None
    assert coordinator_client.get(url[:-4] + "xyz/").status_code == 404


def test_only_confirmed_people_are_checked_in(coordinator_client, event):
    registration = _register(event, status="waiting")

    coordinator_client.post(
        reverse("cms_admin:registration_action", args=[registration.pk]),
        {"action": "check_in"},
    )

    registration.refresh_from_db()
    assert registration.attended_at is None


def test_attendees_download_a_certificate_with_their_name(client, event):
    import pypdfium2

    from cms.services import registration_check_in

    registration = _register(event)
    url = reverse(
        "cms:registration_certificate",
        args=[tokens.make_token(registration, purpose=tokens.MANAGE)],
    )
    assert client.get(url).status_code == 404  # not attended yet

    registration_check_in(registration=registration)
    response = client.get(url)

    assert response["Content-Type"] == "application/pdf"
    pdf = pypdfium2.PdfDocument(response.content)
    text = pdf[0].get_textpage().get_text_range()
    assert registration.person.full_name in text
    assert event.title in text
    assert "Certificate of attendance" in text


def test_coordinators_download_certificates_of_attendees_only(
    coordinator_client, event
):
    from cms.services import registration_check_in

    attended = registration_check_in(registration=_register(event))
    absent = _register(event)

    ok = coordinator_client.get(
        reverse("cms_admin:registration_certificate", args=[attended.pk])
    )
    refused = coordinator_client.get(
        reverse("cms_admin:registration_certificate", args=[absent.pk])
    )

    assert ok.content.startswith(b"%PDF")
    assert refused.status_code == 302


def test_the_programme_menu_shows_in_the_admin(coordinator_client):
    response = coordinator_client.get("/admin/")

    assert reverse("cms_admin:events") in response.content.decode()


def test_waiting_people_are_promoted_when_capacity_frees_up_in_order(make_event):
    from cms.services import registration_cancel

    event = make_event(capacity=2)
    first, second = _register(event), _register(event)
    waiting = [_register(event, status="waiting") for _ in range(3)]

    registration_cancel(registration=first)
    registration_cancel(registration=second)

    statuses = [Registration.objects.get(pk=r.pk).status for r in waiting]
    assert statuses == [
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITING,
    ]
