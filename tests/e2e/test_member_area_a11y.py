"""Accessibility of the member area: a family guardian and a legal
representative log in and every page reachable from the area's navigation is
photographed and checked with axe-core (serious or critical issues fail)."""

from urllib.parse import urlsplit

import pytest
from django.urls import resolve

from crm import services
from crm.models import AffiliationRole, Member
from tests.e2e.checks import assert_no_horizontal_scroll, assert_plain_italian

# Where the member area's links lead that are pages, not files or actions.
AREA_PREFIXES = ("/area-riservata/", "/account/email/", "/account/password/")
NOT_PAGES = (".json", ".pdf", "/pdf/", "/cambia/", "/logout/")
MAX_PAGES = 40

# Every kind of page the brief of the member area promises, by URL name.
EXPECTED = {
    "giulia.bianchi@example.org": {
        "crm:area_home",
        "crm:area_profile",
        "crm:area_member",
        "crm:area_member_edit",
        "crm:area_children",
        "crm:area_consents",
        "crm:area_consent_withdraw",
        "crm:area_my_data",
        "crm:area_my_data_page",
        "crm:area_erasure",
        "cms:my_registrations",
        "pact:adhesion_list",
        "pact:adhesion_detail",
        "account_email",
        "account_change_password",
    },
    "lucia.baroni@example.org": {
        "crm:area_home",
        "crm:area_profile",
        "crm:area_member",
        "crm:area_member_edit",
        "crm:area_people",
        "crm:area_invite",
        "crm:area_person_remove",
        "crm:area_consents",
        "crm:area_my_data",
        "crm:area_my_data_page",
        "crm:area_erasure",
        "cms:my_registrations",
        "pact:adhesion_list",
        "pact:adhesion_detail",
    },
}


def _is_area_page(path: str) -> bool:
    return path.startswith(AREA_PREFIXES) and not any(
        part in path for part in NOT_PAGES
    )


def _links(page) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "a[href]:not([download])", "links => links.map(a => a.href)"
    )
    base = urlsplit(page.url)
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc == base.netloc and _is_area_page(parts.path):
            paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


def _url_name(path: str) -> str:
    match = resolve(urlsplit(path).path)
    return (
        f"{match.namespace}:{match.url_name}" if match.namespace else (match.url_name)
    )


@pytest.mark.parametrize("email", sorted(EXPECTED))
def test_every_page_of_the_member_area_is_accessible(browser, demo, email):
    if email == "lucia.baroni@example.org":
        # A colleague on the association, so that the page that removes one exists.
        colleague, _created = services.person_upsert(
            email="piero.masini@example.org", first_name="Piero", last_name="Masini"
        )
        services.affiliation_add(
            person=colleague,
            member=Member.objects.get(name="Associazione Genitori Insieme APS"),
            role=AffiliationRole.CONTACT,
        )
    page = browser.new_page()
    browser.login(page, email)
    page.wait_for_url("**/area-riservata/")

    queue, seen, failures, names = ["/area-riservata/"], set(), [], set()
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(path)
        assert response.status == 200, f"{path} answered {response.status}"
        name = _url_name(path)
        names.add(name)
        label = f"{name} {path}"
        browser.shot(page, label)
        try:
            browser.axe(page, label)
            # Italian labels and human values, no page wider than the window.
            assert_plain_italian(page, label)
            assert_no_horizontal_scroll(page, label)
        except AssertionError as failure:
            failures.append(str(failure))
        queue += [link for link in _links(page) if link not in seen]

    if "crm:area_people" in names:
        # The invitation form sent incomplete answers back with its messages.
        page.goto(next(p for p in seen if _url_name(p) == "crm:area_people"))
        page.get_by_label("Email").fill("nuovo.collega@example.org")
        page.get_by_role("button", name="Invia l'invito").click()
        page.wait_for_url("**/persone/invita/")
        assert page.get_by_role("alert").is_visible()
        names.add(_url_name(urlsplit(page.url).path))
        browser.shot(page, "invitation form with errors")
        try:
            browser.axe(page, "invitation form with errors")
        except AssertionError as failure:
            failures.append(str(failure))

    assert not failures, "\n".join(failures)
    assert EXPECTED[email] <= names, sorted(EXPECTED[email] - names)
