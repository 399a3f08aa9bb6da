"""Words, time and money: the one money formatter, the date filters, each agency's and each
person's time zone and locale (pages, API, the middleware that applies them) and emails in
the recipient's."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from shared_apps.core.dates import LocalDateField
from shared_apps.core.formatting import format_day, format_deadline, format_money
from shared_apps.core.regional import locale_supported
from shared_apps.signup.forms import SignupForm
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.invoices.actions import invoice_move
from tests.conftest import signed_in_client
from tests.routes_invoices import make_invoice
from tests.test_invoices_api import as_  # noqa: F401 (a fixture)

pytest_plugins = ["tests.notifications_fixtures"]

NBSP, NNBSP = "\xa0", "\u202f"


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


# The formatter


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "shown"),
    [
        ("1234.5", "EUR", "en-GB", "€1,234.50"),
        ("1234.5", "EUR", "de-DE", f"1.234,50{NBSP}€"),
        ("1234.5", "EUR", "fr-FR", f"1{NNBSP}234,50{NBSP}€"),
        ("1234.5", "EUR", "en-DE", f"1.234,50{NBSP}€"),  # English as written in Germany
        ("1235", "JPY", "en-GB", "JP¥1,235"),  # no minor unit
        ("1235.000", "JPY", "en-US", "¥1,235"),  # stored with three places: none shown
        ("1.235", "BHD", "en-GB", "BHD1.235"),  # three
        ("7056.000", "EUR", "en-GB", "€7,056.00"),  # not "EUR 7056.000"
        ("0.125", "EUR", "en-GB", "€0.125"),  # a unit price finer than a cent keeps its digits
        ("-5", "USD", "en-US", "-$5.00"),
    ],
)
def test_money_is_written_by_locale_and_currency(amount, currency, locale, shown):
    assert format_money(Decimal(amount), currency, locale.replace("-", "_")) == shown


def test_the_template_filters_follow_the_active_locale_and_zone():
    template = Template(
        "{% load formatting %}{{ amount|money:'EUR' }}|{{ moment|day }}|{{ moment|day_long }}|"
        "{{ moment|clock }}|{{ moment|moment }}|{{ moment|deadline }}|{{ missing|money:'EUR' }}"
    )
    context = Context(
        {"amount": Decimal("7056.000"), "moment": datetime(2026, 12, 10, 16, 0, tzinfo=UTC)}
    )
    with translation.override("en-GB"), timezone.override(ZoneInfo("Europe/Paris")):
        british = template.render(context)
    with translation.override("en-US"), timezone.override(ZoneInfo("America/New_York")):
        american = template.render(context)
    assert british == (
        "€7,056.00|10 Dec 2026|Thursday 10 December|17:00|10 Dec 2026, 17:00|"
        "Thursday 10 December, 17:00 CET|"
    )
    assert american.split("|") == [
        "€7,056.00",
        "Dec 10, 2026",
        "Thu, December 10",
        f"11:00{NNBSP}AM",
        f"Dec 10, 2026, 11:00{NNBSP}AM",
        f"Thu, December 10, 11:00{NNBSP}AM EST",
        "",
    ]


def test_a_date_is_the_same_day_in_every_zone_a_moment_is_not():
    late = datetime(2026, 12, 10, 23, 30, tzinfo=UTC)
    with translation.override("en-GB"), timezone.override(ZoneInfo("Asia/Tokyo")):
        assert format_day(date(2026, 12, 10)) == "10 Dec 2026"
        assert format_day(late) == "11 Dec 2026"
        assert format_deadline(late) == "Friday 11 December, 08:30 JST"


@pytest.mark.parametrize(
    ("locale", "placeholder", "shown"),
    [
        ("en-GB", "dd/mm/yyyy", "31/03/2031"),
        ("en-US", "mm/dd/yyyy", "03/31/2031"),
        ("en-CA", "yyyy-mm-dd", "2031-03-31"),
    ],
)
def test_date_fields_read_and_write_the_locales_order(locale, placeholder, shown):
    field = LocalDateField(required=False)
    with translation.override(locale):
        html = field.widget.render("due", date(2031, 3, 31))
        assert f'value="{shown}"' in html and f'placeholder="{placeholder}"' in html
        assert 'type="text"' in html and 'inputmode="numeric"' in html
        assert field.clean(shown) == date(2031, 3, 31)
        assert field.clean("2031-03-31") == date(2031, 3, 31)  # as links and scripts send
        assert field.clean("") is None


def test_a_date_in_another_order_is_refused_with_the_order_to_use():
    field = LocalDateField()
    with translation.override("en-GB"), pytest.raises(ValidationError) as refused:
        field.clean("03/31/2031")
    assert refused.value.messages == ["Enter the date as dd/mm/yyyy, for example 31/12/2026."]


def test_a_browsers_language_becomes_the_nearest_supported_locale():
    assert locale_supported("en-GB") == "en-GB"
    assert locale_supported("de-DE") == "en-DE"
    assert locale_supported("fr") == ""
    assert locale_supported("ja-JP") == ""


def test_signup_keeps_only_a_zone_and_locale_on_the_lists(db):
    fields = {
        "agency_name": "Zonal",
        "subdomain": "zonal",
        "owner_name": "Zed",
        "owner_email": "zed@zonal.example",
        "password": "a long and unusual passphrase 42",
    }
    good = SignupForm(fields | {"time_zone": "Europe/Berlin", "locale": "de-DE"})
    bad = SignupForm(fields | {"time_zone": "Mars/Olympus", "locale": "tlh"})
    assert good.is_valid() and bad.is_valid(), (good.errors, bad.errors)
    assert (good.cleaned_data["time_zone"], good.cleaned_data["locale"]) == (
        "Europe/Berlin",
        "en-DE",
    )
    assert (bad.cleaned_data["time_zone"], bad.cleaned_data["locale"]) == ("", "")


# Who sees what: the person's, else the agency's, else UTC


def _set(obj, **fields):
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.save(update_fields=list(fields))


def _page(world, persona, path="/settings/regional/"):
    response = signed_in_client(world.personas[persona]).get(path)
    assert response.status_code == 200
    html = response.content.decode()
    return re.search(r'<html lang="([^"]+)"', html).group(1), html


def test_the_viewer_sees_their_own_zone_and_locale_else_the_agencys(world):
    owner = world.personas["owner"].user
    lang, html = _page(world, "owner")
    assert lang == "en-gb" and " UTC</dd>" in html  # an agency as created

    _set(world.acme, time_zone="Asia/Tokyo", locale="en-US")
    lang, html = _page(world, "owner")
    assert lang == "en-us" and " JST</dd>" in html

    with tenant_context(world.acme):
        _set(owner, time_zone="America/New_York", locale="en-DE")
    lang, html = _page(world, "owner")
    assert lang == "en-de" and " EST</dd>" in html and f"1.234,50{NBSP}€" in html
    lang, html = _page(world, "admin")  # everyone else still has the agency's
    assert lang == "en-us" and " JST</dd>" in html


def test_the_dashboard_shows_money_and_times_in_the_viewers_locale_and_zone(world):
    make_invoice(world, moves=["send"])
    _set(world.acme, locale="en-DE")
    _, html = _page(world, "finance", "/")
    assert f"1.199,99{NBSP}€" in html and "EUR 1" not in html


# Setting them: pages and API


def test_a_person_sets_their_own_on_my_account_and_bad_values_are_form_errors(world):
    client = signed_in_client(world.personas["viewer"])
    refused = client.post("/account/", {"time_zone": "Mars/Olympus", "locale": "xx-YY"})
    assert refused.status_code == 400
    assert refused.content.decode().count('class="error"') >= 2

    saved = client.post("/account/", {"time_zone": "Europe/Paris", "locale": "en-IE"})
    assert saved.status_code == 302
    with tenant_context(world.acme):
        viewer = User.objects.get(pk=world.personas["viewer"].user.pk)
        assert (viewer.time_zone, viewer.locale) == ("Europe/Paris", "en-IE")
        assert ActivityEntry.objects.filter(action="account.regional_updated").count() == 1
    # Blank follows the agency again.
    assert client.post("/account/", {"time_zone": "", "locale": ""}).status_code == 302
    with tenant_context(world.acme):
        viewer.refresh_from_db()
        assert (viewer.time_zone, viewer.locale) == ("", "")


def test_the_agencys_defaults_on_the_regional_settings_page(world):
    client = signed_in_client(world.personas["admin"])
    refused = client.post("/settings/regional/", {"time_zone": "", "locale": "en-GB"})
    assert refused.status_code == 400 and "This field is required." in refused.content.decode()
    saved = client.post("/settings/regional/", {"time_zone": "Europe/Lisbon", "locale": "en-GB"})
    assert saved.status_code == 302
    world.acme.refresh_from_db()
    assert (world.acme.time_zone, world.acme.locale) == ("Europe/Lisbon", "en-GB")
    with tenant_context(world.acme):
        entry = ActivityEntry.objects.get(action="regional.updated")
        assert entry.changes == {"time_zone": ["UTC", "Europe/Lisbon"]}


def test_the_api_takes_only_zones_and_locales_on_the_lists(world, as_):  # noqa: F811
    me = as_("finance")
    refused = me.patch("me", {"time_zone": "Mars/Olympus", "locale": "en-XX"})
    assert refused.status_code == 400
    assert set(refused.json()) == {"time_zone", "locale"}

    body = me.patch("me", {"locale": "en-AU"}).json()
    assert (body["time_zone"], body["locale"]) == ("", "en-AU")
    assert (body["time_zone_in_use"], body["locale_in_use"]) == ("UTC", "en-AU")

    admin = as_("admin")
    assert admin.patch("regional", {"time_zone": "Nowhere"}).status_code == 400
    body = admin.patch("regional", {"time_zone": "Australia/Sydney"}).json()
    assert body == {"time_zone": "Australia/Sydney", "locale": "en-GB"}
    assert me.get("me").json()["time_zone_in_use"] == "Australia/Sydney"
    world.acme.refresh_from_db()
    assert world.acme.time_zone == "Australia/Sydney"


# Emails: in the recipient's


def test_an_invoice_email_is_written_in_its_recipients_locale(world, acme, mailoutbox):
    finance = world.personas["finance"].user
    with tenant_context(world.acme):
        _set(finance, locale="en-DE")
    invoice = make_invoice(world)
    with acme():
        invoice_move(invoice=invoice, move="send", actor=world.personas["owner"].user)
    [email] = mailoutbox
    assert email.to == [finance.email]
    assert "1.199,99 €" in email.subject  # one line: the space made plain
    assert f"Amount: 1.199,99{NBSP}€" in email.body
