"""Adhesions: created by coordinators, read-only once signed, withdrawn with
their document kept; the back-office list and the member area list."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.models import DataExportLog, Topic
from pact import services
from pact.models import Adhesion, AdhesionStatus, SignedAdhesionError
from pact.selectors import public_adherents
from tests.factories import FamilyFactory
from tests.pact.adhesion_fixtures import awaiting, read_document, signed_in_person

# --- creating and preparing ------------------------------------------------


def test_a_member_adheres_once_to_a_version(network, open_version):
    services.adhesion_create(
        version=open_version, member=network.org_x, by=network.coordinator
    )
    with pytest.raises(ValidationError, match="ha già un'adesione a questa versione"):
        services.adhesion_create(
            version=open_version, member=network.org_x, by=network.coordinator
        )


def test_only_a_coordinator_creates_an_adhesion(network, open_version):
    with pytest.raises(ValidationError):
        services.adhesion_create(
            version=open_version, member=network.org_x, by=network.legal_rep_x
        )


def test_members_adhere_only_to_the_version_open_for_signature(network, open_version):
    draft = services.pact_version_create(pact=open_version.pact)
    with pytest.raises(ValidationError, match="alla versione aperta alla firma"):
        services.adhesion_create(
            version=draft, member=network.org_x, by=network.coordinator
        )


def test_the_network_role_assignment_records_who_and_when(network, open_version):
    adhesion = services.adhesion_create(
        version=open_version, member=network.org_x, by=network.coordinator
    )
    role = open_version.network_roles.get(code="sostenitore")
    services.adhesion_assign_role(
        adhesion=adhesion, network_role=role, by=network.coordinator
    )
    adhesion.refresh_from_db()
    assert adhesion.network_role == role
    assert adhesion.role_assigned_by == network.coordinator
    assert adhesion.role_assigned_at is not None
    assert adhesion.history.filter(network_role=role).exists()


def test_a_role_of_another_version_is_refused(network, open_version):
    from tests.pact.adhesion_fixtures import make_open_version

    other = make_open_version(title="Altro patto", slug="altro")
    with pytest.raises(ValidationError):
        services.adhesion_create(
            version=open_version,
            member=network.org_x,
            by=network.coordinator,
            network_role=other.network_roles.first(),
        )


def test_the_signature_is_requested_only_once_a_role_is_assigned(network, open_version):
    adhesion = services.adhesion_create(
        version=open_version, member=network.org_x, by=network.coordinator
    )
    with pytest.raises(ValidationError, match="Assegna prima il ruolo nella rete"):
        services.adhesion_request_signature(adhesion=adhesion, by=network.coordinator)


# --- read-only once signed ---------------------------------------------------


def test_a_signed_adhesion_refuses_changes_through_the_services(network, signed_x):
    with pytest.raises(SignedAdhesionError):
        services.adhesion_update(
            adhesion=signed_x, by=network.coordinator, commitments="Altro."
        )
    with pytest.raises(SignedAdhesionError):
        services.adhesion_assign_role(
            adhesion=signed_x,
            network_role=signed_x.version.network_roles.last(),
            by=network.coordinator,
        )
    with pytest.raises(SignedAdhesionError):
        services.adhesion_delete(adhesion=signed_x, by=network.coordinator)


def test_a_signed_adhesion_refuses_changes_through_the_orm(signed_x):
    from django.db import transaction

    def refused(change):
        with pytest.raises(SignedAdhesionError), transaction.atomic():
            change()

    def rewrite():
        signed_x.commitments = "Riscritto."
        signed_x.save()

    def unsign():
        signed_x.status = AdhesionStatus.AWAITING_SIGNATURE
        signed_x.save()

    same = Adhesion.objects.filter(pk=signed_x.pk)
    refused(rewrite)
    signed_x.refresh_from_db()
    refused(lambda: same.update(document_sha256="0" * 64))
    refused(lambda: same.update(status=AdhesionStatus.DRAFT))
    refused(signed_x.delete)
    refused(Adhesion.objects.all().delete)
    refused(lambda: signed_x.commitment_topics.add(Topic.objects.first()))
    refused(unsign)
    stored = Adhesion.objects.get(pk=signed_x.pk)
    assert stored.status == AdhesionStatus.SIGNED
    assert stored.commitments != "Riscritto."


def test_the_database_refuses_a_signed_adhesion_without_its_document(
    network, open_version
):
    from django.db import IntegrityError, transaction

    adhesion = awaiting(open_version, network.org_y, network.coordinator)
    with pytest.raises(IntegrityError), transaction.atomic():
        Adhesion.objects.filter(pk=adhesion.pk).update(status=AdhesionStatus.SIGNED)


def test_the_admin_does_not_edit_or_delete_a_signed_adhesion(
    coordinator_client, signed_x
):
    edit = reverse("pact_adhesions:edit", args=[signed_x.pk])
    response = coordinator_client.post(edit, {"commitments": "Riscritto."})
    assert response.status_code == 302
    assert response.url == reverse("pact_adhesions:inspect", args=[signed_x.pk])
    delete = reverse("pact_adhesions:delete", args=[signed_x.pk])
    coordinator_client.post(delete)
    signed_x.refresh_from_db()
    assert signed_x.commitments != "Riscritto."


def test_the_admin_form_edits_an_adhesion_until_it_is_signed(
    coordinator_client, network, adhesion_x
):
    role = adhesion_x.version.network_roles.get(code="sostenitore")
    response = coordinator_client.post(
        reverse("pact_adhesions:edit", args=[adhesion_x.pk]),
        {"network_role": role.pk, "commitments": "Nuovi impegni."},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    adhesion_x.refresh_from_db()
    assert adhesion_x.commitments == "Nuovi impegni."
    assert adhesion_x.network_role == role
    assert adhesion_x.role_assigned_by == network.coordinator


# --- withdrawal ------------------------------------------------------------


def test_withdrawing_keeps_the_signed_pdf_and_records_who_why_and_when(
    network, signed_x
):
    pdf = read_document(signed_x)
    withdrawn = services.adhesion_withdraw(
        adhesion=signed_x, by=network.coordinator, reason="Attività sospese."
    )
    assert withdrawn.status == AdhesionStatus.WITHDRAWN
    assert withdrawn.withdrawn_by == network.coordinator
    assert withdrawn.withdrawal_reason == "Attività sospese."
    assert read_document(withdrawn) == pdf
    assert services.signed_document_by_sha256(withdrawn.document_sha256).in_force is (
        False
    )


def test_a_withdrawal_needs_a_reason(network, signed_x):
    with pytest.raises(ValidationError):
        services.adhesion_withdraw(adhesion=signed_x, by=network.coordinator, reason="")


def test_a_withdrawn_adhesion_leaves_the_public_count(network, open_version):
    family = signed_in_person(
        open_version, network.family_a, network.coordinator, network.guardian_a
    )
    assert public_adherents(open_version).family_count == 1
    services.adhesion_withdraw(adhesion=family, by=network.coordinator, reason="Via.")
    assert public_adherents(open_version).family_count == 0


def test_the_public_pact_page_counts_families_and_names_listed_organisations(
    client, network, open_version
):
    network.org_x.listed_publicly = True
    network.org_x.save()
    signed_in_person(
        open_version, network.org_x, network.coordinator, network.legal_rep_x
    )
    signed_in_person(
        open_version, network.family_a, network.coordinator, network.guardian_a
    )
    page = client.get(reverse("pact:pact_detail", args=["patto"])).content.decode()
    assert "Associazione Xilofono" in page
    assert "Famiglia Aranci" not in page


# --- lists -------------------------------------------------------------------


@pytest.fixture
def many_adhesions(network, open_version):
    role = open_version.network_roles.first()
    for index in range(25):
        services.adhesion_create(
            version=open_version,
            member=FamilyFactory(name=f"Famiglia {index:02d}"),
            by=network.coordinator,
            network_role=role,
        )
    awaiting(open_version, network.org_x, network.coordinator)
    signed_in_person(
        open_version, network.family_a, network.coordinator, network.guardian_a
    )


def test_the_admin_list_filters_by_status_kind_and_version(
    coordinator_client, many_adhesions, open_version
):
    url = reverse("pact_adhesions:index")
    page = coordinator_client.get(url, {"status": "signed"}).content.decode()
    assert "Famiglia Aranci" in page and "Associazione Xilofono" not in page
    page = coordinator_client.get(url, {"kind": "third_sector"}).content.decode()
    assert "Associazione Xilofono" in page and "Famiglia Aranci" not in page
    page = coordinator_client.get(url, {"version": open_version.pk}).content.decode()
    assert "Famiglia 07" in page


def test_the_admin_list_runs_a_fixed_number_of_queries(
    coordinator_client, many_adhesions, django_assert_max_num_queries
):
    url = reverse("pact_adhesions:index")
    coordinator_client.get(url)
    with django_assert_max_num_queries(30):
        response = coordinator_client.get(url)
    assert response.status_code == 200


def test_the_member_area_list_runs_a_fixed_number_of_queries(
    client, network, open_version, django_assert_max_num_queries
):
    from crm.models import Role
    from crm.permissions import role_assign

    role = open_version.network_roles.first()
    for index in range(10):
        family = FamilyFactory(name=f"Famiglia {index:02d}")
        role_assign(user=network.guardian_a, role=Role.GUARDIAN, member=family, by=None)
        adhesion = services.adhesion_create(
            version=open_version, member=family, by=None, network_role=role
        )
        services.adhesion_request_signature(adhesion=adhesion, by=None, notify=False)
    client.force_login(network.guardian_a)
    url = reverse("pact:adhesion_list")
    with django_assert_max_num_queries(20):
        page = client.get(url).content.decode()
    assert page.count(reverse("pact:adhesion_detail", args=[adhesion.pk])) >= 1


def test_the_member_area_lists_only_adhesions_of_members_one_acts_for(
    client, network, open_version
):
    awaiting(open_version, network.family_a, network.coordinator)
    awaiting(open_version, network.family_b, network.coordinator)
    client.force_login(network.guardian_a)
    page = client.get(reverse("pact:adhesion_list")).content.decode()
    assert "Famiglia Aranci" in page and "Famiglia Bianchi" not in page


def test_drafts_stay_out_of_the_member_area(client, network, open_version):
    draft = services.adhesion_create(
        version=open_version, member=network.family_a, by=network.coordinator
    )
    client.force_login(network.guardian_a)
    response = client.get(reverse("pact:adhesion_detail", args=[draft.pk]))
    assert response.status_code == 404


def test_downloading_the_signed_pdf_is_logged(client, network, signed_x):
    client.force_login(network.contact_x)
    response = client.get(reverse("pact:adhesion_pdf", args=[signed_x.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == read_document(signed_x)
    log = DataExportLog.objects.get()
    assert log.user == network.contact_x and log.format == "pdf"


# --- the back office ---------------------------------------------------------


def test_a_coordinator_creates_an_adhesion_in_the_admin(
    coordinator_client, network, open_version
):
    role = open_version.network_roles.first()
    response = coordinator_client.post(
        reverse("pact_adhesions:add"),
        {
            "version": open_version.pk,
            "member": network.org_y.pk,
            "network_role": role.pk,
            "commitments": "Orari flessibili per i dipendenti.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    adhesion = Adhesion.objects.get(member=network.org_y)
    assert adhesion.created_by == network.coordinator
    assert adhesion.role_assigned_by == network.coordinator


def test_the_admin_says_clearly_when_a_member_already_adheres(
    coordinator_client, network, adhesion_x
):
    response = coordinator_client.post(
        reverse("pact_adhesions:add"),
        {"version": adhesion_x.version_id, "member": network.org_x.pk},
    )
    assert response.status_code == 200
    assert Adhesion.objects.filter(member=network.org_x).count() == 1


def test_a_coordinator_records_a_paper_signature_in_the_admin(
    coordinator_client, network, adhesion_x
):
    from tests.pact.adhesion_fixtures import scan

    response = coordinator_client.post(
        reverse("pact_adhesion_paper", args=[adhesion_x.pk]),
        {
            "signatory": network.legal_rep_x.person.pk,
            "signed_at": "2026-01-15T10:30",
            "scan_file": scan(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    adhesion_x.refresh_from_db()
    assert adhesion_x.status == AdhesionStatus.SIGNED
    assert adhesion_x.signed_at.year == 2026
    inspect = coordinator_client.get(
        reverse("pact_adhesions:inspect", args=[adhesion_x.pk])
    )
    assert adhesion_x.short_code in inspect.content.decode()
    pdf = coordinator_client.get(reverse("pact_adhesion_pdf", args=[adhesion_x.pk]))
    assert pdf.status_code == 200


def test_a_coordinator_withdraws_in_the_admin(coordinator_client, signed_x):
    response = coordinator_client.post(
        reverse("pact_adhesion_withdraw", args=[signed_x.pk]),
        {"reason": "Richiesta del soggetto."},
    )
    assert response.status_code == 302
    signed_x.refresh_from_db()
    assert signed_x.status == AdhesionStatus.WITHDRAWN


def test_people_without_the_coordinator_role_cannot_use_the_adhesion_admin(
    client, network, signed_x
):
    from tests.conftest import pass_mfa

    pass_mfa(client, network.liaison)
    for url in (
        reverse("pact_adhesions:index"),
        reverse("pact_adhesions:inspect", args=[signed_x.pk]),
        reverse("pact_adhesion_pdf", args=[signed_x.pk]),
        reverse("pact_adhesion_withdraw", args=[signed_x.pk]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
    assert not DataExportLog.objects.exists()


def test_the_admin_offers_the_text_to_sign_and_the_original_file(
    coordinator_client, network, adhesion_x
):
    from pact.documents.verify import embedded_json
    from tests.pact.adhesion_fixtures import PNG, scan

    to_sign = coordinator_client.get(
        reverse("pact_adhesion_to_sign", args=[adhesion_x.pk])
    )
    assert to_sign.status_code == 200
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    root = PdfFileReader(BytesIO(to_sign.content), strict=False).root
    assert embedded_json(root)["adhesion"] == adhesion_x.reference
    services.adhesion_sign_in_person(
        adhesion=adhesion_x,
        scan_file=scan(),
        signatory=network.legal_rep_x.person,
        signed_at=adhesion_x.created_at,
        by=network.coordinator,
    )
    original = coordinator_client.get(
        reverse("pact_adhesion_source", args=[adhesion_x.pk])
    )
    assert b"".join(original.streaming_content) == PNG
    assert DataExportLog.objects.filter(format="png").exists()
