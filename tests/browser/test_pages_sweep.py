"""The main pages, team and client side, through ``check_page`` at 390 and 1280 px."""

from django.conf import settings

from tests.browser.pages import check_page


def test_public_pages(page, live_url):
    page.goto(live_url(settings.PLATFORM_DOMAIN, "/"))
    check_page(page, "landing")
    page.goto(live_url(settings.PLATFORM_DOMAIN, "/signup/"))
    check_page(page, "signup")
    page.goto(live_url("acme.localhost", "/auth/login/"))
    check_page(page, "sign-in")
