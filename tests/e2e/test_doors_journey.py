"""Journey: one way in. A coordinator who opens Wagtail's login page is handed
over to the site's login, then to the second factor, and reaches the back
office only after the code of the authenticator app."""

import re

from tests.e2e.conftest import DEMO_PASSWORD, off_loop, totp_code

COORDINATOR = "coordinatrice@luccainfamiglia.example"


def test_the_admin_login_leads_through_the_second_factor(browser, demo):
    page = browser.new_page()

    page.goto("/admin/login/")
    page.wait_for_url(re.compile(r"/account/login/\?next=%2Fadmin%2F$"))
    main = page.locator("main")
    assert main.get_by_role("heading", name="Accedi").is_visible()
    assert main.get_by_role("link", name=re.compile("password")).count() == 1
    assert "Wagtail" not in main.inner_text()
    browser.shot(page, "login")
    browser.axe(page, "login")

    page.fill("input[name=login]", COORDINATOR)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/account/2fa/authenticate/$"))
    assert page.get_by_role("heading", name="Autenticazione a due fattori").is_visible()
    browser.shot(page, "second-factor")
    browser.axe(page, "second factor")

    # The password alone opens nothing: the back office sends back to the
    # login, which is still waiting for the code.
    page.goto("/admin/")
    assert re.search(r"/account/(login|2fa/authenticate)/", page.url), page.url
    assert "/admin/" not in page.url.split("?")[0]
    page.goto("/account/2fa/authenticate/")

    page.locator("input[name=code]").fill(off_loop(totp_code, COORDINATOR))
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/admin/$"))
    assert page.get_by_role("heading", level=1).first.is_visible()
    browser.shot(page, "admin-home")


def test_the_login_pages_on_a_phone(browser, demo):
    page = browser.new_page(phone=True)
    page.goto("/admin/login/")
    page.wait_for_url(re.compile(r"/account/login/"))
    browser.shot(page, "login-phone")
    page.fill("input[name=login]", COORDINATOR)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/account/2fa/authenticate/$"))
    browser.shot(page, "second-factor-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
