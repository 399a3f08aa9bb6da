"""Does a custom domain's DNS point at the platform and prove the agency controls it?

Real DNS resolution through dnspython. Which nameservers are asked comes from
settings.DOMAIN_DNS_NAMESERVERS (the system's resolver when empty), so tests run the same
code against a DNS server of their own on loopback.
"""

from dataclasses import dataclass

from django.conf import settings

VERIFY_LABEL = "_portal-verify"
PROPAGATION = "DNS changes can take up to an hour to show; we check again every 10 minutes."


@dataclass(frozen=True)
class DnsRecord:
    type: str
    host: str
    value: str


def expected_records(name: str, token: str) -> list[DnsRecord]:
    """The records an agency creates for ``name``: where it points, and the proof."""
    return [
        DnsRecord("CNAME", name, settings.CUSTOM_DOMAIN_CNAME_TARGET),
        DnsRecord("TXT", f"{VERIFY_LABEL}.{name}", txt_value(token)),
    ]


def txt_value(token: str) -> str:
    return f"portal-verify={token}"


class DnsProblem(Exception):
    """A check's failure, in words for the agency."""


# dnspython is imported where used: it adds ~13 MB to every web process that imports it.


def _nameserver(spec: str) -> "dns.nameserver.Do53Nameserver":  # noqa: F821
    import dns.nameserver

    # "192.0.2.1", "192.0.2.1:5353", "[2001:db8::1]:53" or a bare IPv6 address.
    if spec.startswith("["):
        host, _, port = spec[1:].partition("]:")
        return dns.nameserver.Do53Nameserver(host.rstrip("]"), int(port or 53))
    if spec.count(":") == 1:
        host, port = spec.split(":")
        return dns.nameserver.Do53Nameserver(host, int(port))
    return dns.nameserver.Do53Nameserver(spec, 53)


def resolver() -> "dns.resolver.Resolver":  # noqa: F821
    import dns.resolver

    configured = settings.DOMAIN_DNS_NAMESERVERS
    resolver = dns.resolver.Resolver(configure=not configured)
    if configured:
        resolver.nameservers = [_nameserver(spec) for spec in configured]
    resolver.lifetime = settings.DOMAIN_DNS_TIMEOUT_SECONDS
    return resolver


def _answers(resolver, name: str, rdtype: str) -> list | None:
    """The records of ``rdtype`` at ``name``; None when the name does not exist at all."""
    import dns.exception
    import dns.resolver

    try:
        return list(resolver.resolve(name, rdtype))
    except dns.resolver.NXDOMAIN:
        return None
    except dns.resolver.NoAnswer:
        return []
    except dns.resolver.LifetimeTimeout:
        raise DnsProblem(
            f"The DNS servers for {name} didn't answer in time. We'll try again shortly."
        ) from None
    except dns.resolver.NoNameservers:
        raise DnsProblem(
            f"The DNS servers for {name} refused to answer (SERVFAIL). Check the domain's "
            "DNS settings at your provider."
        ) from None
    except dns.exception.DNSException as error:
        raise DnsProblem(f"Looking up {name} failed: {error}") from None


def _addresses(resolver, name: str) -> set[str]:
    found = set()
    for rdtype in ("A", "AAAA"):
        found |= {record.address for record in _answers(resolver, name, rdtype) or []}
    return found


def _check_proof(resolver, name: str, token: str) -> None:
    host, wanted = f"{VERIFY_LABEL}.{name}", txt_value(token)
    records = _answers(resolver, host, "TXT")
    if not records:
        raise DnsProblem(
            f"There is no TXT record at {host} yet. Add it with the value {wanted}. {PROPAGATION}"
        )
    values = [b"".join(record.strings).decode(errors="replace") for record in records]
    if wanted not in values:
        found = ", ".join(f"“{value}”" for value in values)
        raise DnsProblem(
            f"The TXT record at {host} holds {found}, not {wanted}. Copy the value exactly."
        )


def _check_pointer(resolver, name: str) -> None:
    target = settings.CUSTOM_DOMAIN_CNAME_TARGET
    cnames = _answers(resolver, name, "CNAME")
    if cnames is None:
        raise DnsProblem(
            f"{name} doesn't exist in DNS yet. Add a CNAME record for it pointing to {target}. "
            f"{PROPAGATION}"
        )
    if cnames:
        pointed = cnames[0].target.to_text(omit_final_dot=True).lower()
        if pointed != target:
            raise DnsProblem(
                f"{name} is a CNAME for {pointed}, not {target}. Change the record to point "
                f"to {target}."
            )
        return
    # No CNAME: a root domain may use an ALIAS/ANAME record, which answers with our addresses.
    own, ours = _addresses(resolver, name), _addresses(resolver, target)
    if not own or not own <= ours:
        raise DnsProblem(
            f"{name} has no CNAME record pointing to {target}. Add one (for a root domain such "
            f"as acme.com, an ALIAS or ANAME record to {target})."
        )


def check_domain_dns(name: str, token: str) -> None:
    """Raise DnsProblem saying what is missing, unless both records are in place."""
    dns_resolver = resolver()
    _check_proof(dns_resolver, name, token)
    _check_pointer(dns_resolver, name)
