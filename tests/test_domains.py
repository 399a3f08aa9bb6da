"""Custom domains: what may be added, DNS verification against a real DNS server on loopback,
routing only once verified, the primary domain's redirects, and the TLS proxy's question."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from tenant_apps.custom_domains.actions import (
    domain_add,
    domain_check_run,
    domain_make_primary,
    domain_primary_reset,
    domain_remove,
    domain_validate_new,
)
from tenant_apps.custom_domains.dns_check import VERIFY_LABEL, txt_value
from tenant_apps.custom_domains.tasks import domain_check, domains_recheck
from tenants import host_cache
from tenants.models import CustomDomain, Domain, DomainStatus
from tenants.validators import clean_custom_domain, validate_subdomain
from tests.conftest import host_client, signed_in_client
from tests.dns_server import loopback_dns
from tests.people_support import activity
from tests.routes_branding import pending_domain

ACME = "acme.localhost"
NAME = "portal.acme-client.test"
TARGET = "domains.localhost"  # CUSTOM_DOMAIN_CNAME_TARGET under PLATFORM_DOMAIN=localhost
SECRET = "proxy-shared-secret-for-tests"


@pytest.fixture(scope="module")
def dns_server():
    with loopback_dns() as server:
        yield server


@pytest.fixture
def dns(dns_server, settings):
    """The loopback DNS server, empty, as the resolver the domain checks use."""
    dns_server.clear()
    settings.DOMAIN_DNS_NAMESERVERS = [dns_server.address]
    settings.DOMAIN_DNS_TIMEOUT_SECONDS = 1
    return dns_server


@pytest.fixture
def eager_tasks(django_capture_on_commit_callbacks):
    """Tasks run in-process when sent, and on-commit work when the block ends."""
    app = domain_check.app
    app.conf.task_always_eager = True
    try:
        yield lambda: django_capture_on_commit_callbacks(execute=True)
    finally:
        app.conf.task_always_eager = False


def publish(dns, domain: CustomDomain, *, cname=TARGET):
    dns.add(f"{VERIFY_LABEL}.{domain.name}", "TXT", f'"{txt_value(domain.token)}"')
    if cname:
        dns.add(domain.name, "CNAME", f"{cname}.")


def check(world, domain: CustomDomain) -> CustomDomain:
    with tenant_context(world.acme):
        return domain_check_run(domain_id=domain.pk)


def verified(world, dns, name=NAME, agency=None) -> CustomDomain:
    domain = pending_domain(world, agency=agency, name=name)
    publish(dns, domain)
    with tenant_context(agency or world.acme):
        domain = domain_check_run(domain_id=domain.pk)
    assert domain.status == DomainStatus.VERIFIED, domain.failure
    return domain


def owner_client(world, host=ACME):
    return signed_in_client(world.personas["owner"], host=host)


# Which names may be added


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("portal.acme.com", "portal.acme.com"),
        ("  Portal.ACME.com. ", "portal.acme.com"),
        ("https://portal.acme.com/", "portal.acme.com"),
        ("acme.co.uk", "acme.co.uk"),
        ("kundenportal.bücher.de", "kundenportal.xn--bcher-kva.de"),
    ],
)
def test_names_are_normalised(raw, clean):
    assert clean_custom_domain(raw) == clean


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("192.0.2.10", "IP addresses can't be used"),
        ("2001:db8::1", "IP addresses can't be used"),
        ("[2001:db8::1]", "IP addresses can't be used"),
        ("localhost", "belongs to the platform"),
        ("acme.localhost", "belongs to the platform"),
        ("portal.globex.localhost", "belongs to the platform"),
        ("domains.localhost", "belongs to the platform"),
        ("portal", "Enter a domain name like portal.acme.com"),
        ("portal..acme.com", "Enter a domain name like portal.acme.com"),
        ("-portal.acme.com", "Enter a domain name like portal.acme.com"),
        ("portal_x.acme.com", "Enter a domain name like portal.acme.com"),
        ("portal.acme.123", "Enter a domain name like portal.acme.com"),
        ("a" * 64 + ".acme.com", "Enter a domain name like portal.acme.com"),
        ("portal.acme.com/login", "without a path"),
        ("portal acme.com", "without a path or spaces"),
        ("portal.acme.com:8443", "Leave out the port"),
        ("*.acme.com", "Wildcard domains aren't supported"),
        ("", "Enter a domain name"),
    ],
)
def test_refused_names_say_why(raw, message):
    with pytest.raises(ValidationError) as caught:
        clean_custom_domain(raw)
    assert message in caught.value.messages[0]


def test_a_domain_another_agency_verified_is_refused(world, dns):
    verified(world, dns, agency=world.globex)
    with pytest.raises(ValidationError) as caught:
        domain_validate_new(agency=world.acme, name=NAME)
    assert "already connected to another portal" in caught.value.message_dict["name"][0]


def test_a_domain_another_agency_only_claimed_may_still_be_added(world):
    pending_domain(world, agency=world.globex)
    assert domain_validate_new(agency=world.acme, name=NAME) == NAME


def test_adding_the_same_domain_twice_is_refused(world):
    pending_domain(world)
    with pytest.raises(ValidationError) as caught:
        domain_validate_new(agency=world.acme, name=NAME.upper())
    assert caught.value.message_dict["name"] == [f"You've already added {NAME}."]


def test_the_cname_target_cannot_be_taken_as_a_subdomain():
    with pytest.raises(ValidationError, match="reserved"):
        validate_subdomain("domains")


# Verification by DNS


def test_a_domain_with_both_records_is_verified_and_routes(world, dns):
    domain = pending_domain(world)
    assert host_client(NAME).get("/auth/login/").status_code == 404  # pending: never routes
    publish(dns, domain)
    domain = check(world, domain)
    assert domain.status == DomainStatus.VERIFIED and domain.failure == ""
    routing = Domain.objects.get(domain=NAME)
    assert routing.tenant_id == world.acme.pk and not routing.is_primary
    response = host_client(NAME).get("/auth/login/")
    assert response.status_code == 200 and b"Sign in to Acme" in response.content
    [entry] = activity(world, "domain.verified")
    assert entry.changes == {"domain": NAME}
    # Real lookups reached the server: the proof, then the pointer.
    assert (f"{VERIFY_LABEL}.{NAME}", "TXT") in dns.queries and (NAME, "CNAME") in dns.queries


def test_checking_again_changes_nothing(world, dns):
    domain = verified(world, dns)
    dns.clear()  # even with the records gone
    assert check(world, domain).status == DomainStatus.VERIFIED
    assert Domain.objects.filter(domain=NAME).count() == 1
    assert len(activity(world, "domain.verified")) == 1


def failure_of(world, dns, domain) -> str:
    domain = check(world, domain)
    assert domain.status == DomainStatus.FAILED and domain.checked_at
    assert not Domain.objects.filter(domain=domain.name).exists()
    assert host_client(domain.name).get("/auth/login/").status_code == 404
    return domain.failure


def test_a_missing_txt_record_is_named(world, dns):
    domain = pending_domain(world)
    failure = failure_of(world, dns, domain)
    assert f"There is no TXT record at _portal-verify.{NAME} yet" in failure
    assert txt_value(domain.token) in failure


def test_a_wrong_txt_value_is_shown(world, dns):
    domain = pending_domain(world)
    dns.add(f"{VERIFY_LABEL}.{NAME}", "TXT", '"portal-verify=old-token"')
    dns.add(NAME, "CNAME", f"{TARGET}.")
    failure = failure_of(world, dns, domain)
    assert "holds “portal-verify=old-token”" in failure and "Copy the value exactly" in failure


def test_a_name_missing_from_dns_is_named(world, dns):
    domain = pending_domain(world)
    publish(dns, domain, cname=None)
    assert f"{NAME} doesn't exist in DNS yet" in failure_of(world, dns, domain)


def test_a_cname_pointing_elsewhere_is_named(world, dns):
    domain = pending_domain(world)
    publish(dns, domain, cname="old-host.example.net")
    failure = failure_of(world, dns, domain)
    assert f"{NAME} is a CNAME for old-host.example.net, not {TARGET}" in failure


def test_a_root_domain_may_point_with_alias_records(world, dns):
    domain = pending_domain(world, name="acme-client.test")
    publish(dns, domain, cname=None)
    dns.add(TARGET, "A", "192.0.2.80", "192.0.2.81")
    dns.add("acme-client.test", "A", "192.0.2.80")  # an ALIAS answers with our address
    assert check(world, domain).status == DomainStatus.VERIFIED


def test_a_root_domain_pointing_at_other_addresses_is_refused(world, dns):
    domain = pending_domain(world, name="acme-client.test")
    publish(dns, domain, cname=None)
    dns.add(TARGET, "A", "192.0.2.80")
    dns.add("acme-client.test", "A", "198.51.100.7")
    assert "has no CNAME record pointing to" in failure_of(world, dns, domain)


def test_a_failing_dns_server_is_reported(world, dns):
    domain = pending_domain(world)
    dns.broken.add(f"{VERIFY_LABEL}.{NAME}")
    assert "refused to answer (SERVFAIL)" in failure_of(world, dns, domain)


def test_a_silent_dns_server_times_out(world, dns):
    domain = pending_domain(world)
    dns.silent.add(f"{VERIFY_LABEL}.{NAME}")
    assert "didn't answer in time" in failure_of(world, dns, domain)


def test_a_failed_domain_is_verified_once_the_records_appear(world, dns):
    domain = pending_domain(world)
    failure_of(world, dns, domain)
    publish(dns, domain)
    assert check(world, domain).status == DomainStatus.VERIFIED


def test_a_domain_another_agency_verified_meanwhile_fails_with_a_reason(world, dns):
    ours = pending_domain(world)
    theirs = verified(world, dns, agency=world.globex)
    dns.clear()
    publish(dns, ours)
    ours = check(world, ours)
    assert ours.status == DomainStatus.FAILED
    assert "already connected to another portal" in ours.failure
    assert Domain.objects.get(domain=NAME).tenant_id == theirs.agency_id


def test_a_check_runs_only_on_the_queueing_agencys_domains(world, dns):
    theirs = pending_domain(world, agency=world.globex)
    publish(dns, theirs)
    with tenant_context(world.acme):
        assert domain_check_run(domain_id=theirs.pk) is None
    theirs.refresh_from_db()
    assert theirs.status == DomainStatus.PENDING


def test_adding_a_domain_queues_a_check_that_verifies_it(world, dns, eager_tasks):
    dns.add(NAME, "CNAME", f"{TARGET}.")
    # The block's end stands for the commit of domain_add's transaction: the check runs then.
    with tenant_context(world.acme), eager_tasks():
        domain = domain_add(agency=world.acme, name=NAME, actor=world.personas["owner"].user)
        publish(dns, domain, cname=None)
        assert domain.is_checking
    domain.refresh_from_db()
    assert domain.status == DomainStatus.VERIFIED
    assert activity(world, "domain.added")[0].changes == {"domain": NAME}


def test_the_sweep_rechecks_waiting_domains_in_their_agencys_schema(world, dns, eager_tasks):
    ours, theirs = pending_domain(world), pending_domain(world, agency=world.globex)
    publish(dns, ours)
    domains_recheck.delay()
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.status == DomainStatus.VERIFIED
    assert theirs.status == DomainStatus.FAILED  # its records are missing; checked all the same


# The primary domain and redirects


def test_the_primary_domain_takes_the_other_hosts_by_redirect(world, dns):
    domain = verified(world, dns)
    client = host_client(ACME)
    assert client.get("/auth/login/").status_code == 200  # warms the host cache
    with tenant_context(world.acme):
        domain_make_primary(domain=domain, actor=world.personas["owner"].user)
    response = client.get("/requests/?status=new&page=2")
    assert response.status_code == 308
    assert response["Location"] == f"http://{NAME}:8000/requests/?status=new&page=2"
    assert response["Cache-Control"] == "no-cache"
    assert client.post("/auth/login/", {"email": "x"}).status_code == 308  # method kept
    assert host_client(NAME).get("/auth/login/").status_code == 200
    # The API answers on every host: clients drop credentials across a redirect.
    assert client.get("/api/v1/me").status_code == 401
    assert [e.changes for e in activity(world, "domain.made_primary")] == [{"primary": NAME}]


def test_other_own_domains_redirect_to_the_primary_one(world, dns):
    main, other = verified(world, dns), verified(world, dns, name="clients.acme-client.test")
    assert host_client(other.name).get("/auth/login/").status_code == 200
    with tenant_context(world.acme):
        domain_make_primary(domain=main, actor=world.personas["owner"].user)
    response = host_client(other.name).get("/auth/login/")
    assert response.status_code == 308 and response["Location"].startswith(f"http://{NAME}:")


def test_switching_back_ends_the_redirect_at_once(world, dns):
    domain = verified(world, dns)
    owner = world.personas["owner"].user
    with tenant_context(world.acme):
        domain_make_primary(domain=domain, actor=owner)
    assert host_client(ACME).get("/").status_code == 308
    with tenant_context(world.acme):
        domain_primary_reset(agency=world.acme, actor=owner)
    # Both answer again: a verified domain serves the portal while the subdomain is primary.
    assert host_client(ACME).get("/auth/login/").status_code == 200
    assert host_client(NAME).get("/auth/login/").status_code == 200


def test_an_unverified_domain_cannot_be_primary(world):
    domain = pending_domain(world)
    with tenant_context(world.acme), pytest.raises(ValidationError, match="isn't verified"):
        domain_make_primary(domain=domain, actor=world.personas["owner"].user)


def test_removing_the_primary_domain_restores_the_subdomain(world, dns):
    domain = verified(world, dns)
    with tenant_context(world.acme):
        domain_make_primary(domain=domain, actor=world.personas["owner"].user)
    host_client(NAME).get("/auth/login/")  # cached as acme's primary host
    with tenant_context(world.acme):
        domain_remove(domain=domain, actor=world.personas["owner"].user)
    assert host_client(NAME).get("/auth/login/").status_code == 404
    assert host_client(ACME).get("/auth/login/").status_code == 200
    assert Domain.objects.get(domain=ACME).is_primary
    assert not CustomDomain.objects.filter(name=NAME).exists()


def test_a_warm_request_on_a_custom_domain_runs_no_routing_query(world, dns):
    verified(world, dns)
    host_cache.clear()
    client = host_client(NAME)
    client.get("/auth/login/")
    with CaptureQueriesContext(connection) as warm:
        client.get("/auth/login/")
    assert not [q for q in warm.captured_queries if "tenants_domain" in q["sql"]]


# The TLS proxy's question


def ask(domain: str, secret: str | None = SECRET, host="localhost"):
    headers = {"HTTP_X_PORTAL_INTERNAL_SECRET": secret} if secret is not None else {}
    return host_client(host).get("/internal/domain-allowed", {"domain": domain}, **headers)


@pytest.fixture
def proxy_secret(settings):
    settings.DOMAIN_ALLOWED_SECRET = SECRET


def test_the_proxy_may_have_certificates_for_routed_names_only(world, dns, proxy_secret):
    verified(world, dns)
    pending_domain(world, name="pending.acme-client.test")
    for allowed in [NAME, f"{NAME.upper()}.", ACME, "globex.localhost", "localhost"]:
        response = ask(allowed)
        assert (response.status_code, response.content) == (200, b"allowed\n"), allowed
    for refused in ["pending.acme-client.test", "nobody.localhost", "example.com", ""]:
        assert ask(refused).status_code == 404, refused


def test_a_deactivated_agency_gets_no_certificates(world, dns, proxy_secret):
    verified(world, dns)
    world.acme.is_active = False
    world.acme.save()
    assert ask(NAME).status_code == 404 and ask(ACME).status_code == 404


def test_the_question_needs_the_shared_secret(world, settings, proxy_secret):
    assert ask(ACME, secret=None).status_code == 404
    assert ask(ACME, secret="guess").status_code == 404
    assert ask(ACME, host=ACME).status_code == 404  # not a route on agencies' hosts
    settings.DOMAIN_ALLOWED_SECRET = ""
    assert ask(ACME, secret="").status_code == 404  # unset: closed to everyone


def test_the_question_is_answered_over_plain_http_in_production(world, settings, proxy_secret):
    settings.SECURE_SSL_REDIRECT = True
    assert ask(ACME).status_code == 200
    assert host_client("localhost").get("/").status_code == 301  # the rest still redirects


# The pages


def test_the_domains_page_shows_the_dns_records_to_create(world):
    domain = pending_domain(world)
    html = owner_client(world).get("/settings/domains/").content.decode()
    assert f"<code>{NAME}</code>" in html and f"<code>{TARGET}</code>" in html
    assert f"<code>_portal-verify.{NAME}</code>" in html
    assert f"<code>portal-verify={domain.token}</code>" in html
    assert "Check DNS now" in html


def test_adding_a_domain_on_the_page(world):
    client = owner_client(world)
    response = client.post("/settings/domains/", {"name": "https://Portal.Acme-Client.test/"})
    assert response.status_code == 302
    domain = CustomDomain.objects.get(agency=world.acme)
    assert domain.name == NAME and domain.is_checking
    refused = client.post("/settings/domains/", {"name": "10.0.0.1"})
    assert refused.status_code == 400
    assert "IP addresses can&#x27;t be used" in refused.content.decode()


def test_a_checking_domain_polls_until_the_check_reports(world, dns):
    domain = pending_domain(world)
    client = owner_client(world)
    assert client.post(f"/settings/domains/{domain.pk}/check/").status_code == 302
    card = client.get(f"/settings/domains/{domain.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in card and "Checking…" in card
    check(world, domain)
    card = client.get(f"/settings/domains/{domain.pk}/").content.decode()
    assert "hx-trigger" not in card
    assert "Not verified yet" in card and "There is no TXT record" in card


def test_another_agencys_domain_is_not_found(world):
    theirs = pending_domain(world, agency=world.globex)
    client = owner_client(world)
    assert client.get(f"/settings/domains/{theirs.pk}/").status_code == 404
    assert client.post(f"/settings/domains/{theirs.pk}/remove/").status_code == 404
    assert CustomDomain.objects.filter(pk=theirs.pk).exists()


def test_making_a_domain_primary_on_the_page(world, dns):
    domain = verified(world, dns)
    client = owner_client(world)
    assert f"Make {NAME} the main address" in client.get("/settings/domains/").content.decode()
    assert client.post(f"/settings/domains/{domain.pk}/primary/").status_code == 302
    assert Domain.objects.get(domain=NAME).is_primary
    # The owner now works at the new address; the subdomain redirects there.
    page = owner_client(world, host=NAME).get("/settings/domains/").content.decode()
    assert "Main address" in page and f"Make {ACME} the main address again" in page
    assert owner_client(world, host=NAME).post("/settings/domains/primary/").status_code == 302
    assert Domain.objects.get(domain=ACME).is_primary


def test_operators_see_an_agencys_domains_in_the_admin(world):
    pending_domain(world)
    client = signed_in_client(world.personas["operator"], host="localhost")
    page = client.get(f"/admin/tenants/agency/{world.acme.pk}/change/")
    assert page.status_code == 200
    assert NAME in page.content.decode()
