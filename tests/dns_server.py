"""A small authoritative DNS server on loopback for the custom-domain tests.

Real DNS over UDP, built with dnspython's message API: the code under test resolves through
dnspython's stub resolver pointed here (settings.DOMAIN_DNS_NAMESERVERS), exactly as it would
ask a real nameserver. Records live in ``zone``: {(name, type): [rdata text, ...]}. Unknown
names answer NXDOMAIN; known names without the asked type answer NOERROR with no records.
Names in ``broken`` answer SERVFAIL; names in ``silent`` never answer (a timeout).
"""

import socket
import threading
from contextlib import contextmanager

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


class LoopbackDns:
    def __init__(self):
        self.zone: dict[tuple[str, str], list[str]] = {}
        self.broken: set[str] = set()
        self.silent: set[str] = set()
        self.queries: list[tuple[str, str]] = []
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self._running = True
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def address(self) -> str:
        host, port = self._socket.getsockname()
        return f"{host}:{port}"

    def add(self, name: str, rdtype: str, *values: str) -> None:
        self.zone.setdefault((name.lower(), rdtype), []).extend(values)

    def clear(self) -> None:
        self.zone.clear()
        self.broken.clear()
        self.silent.clear()
        self.queries.clear()

    def _names(self) -> set[str]:
        return {name for name, _ in self.zone}

    def _answer(self, query: dns.message.Message) -> dns.message.Message | None:
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA | dns.flags.RA
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        self.queries.append((name, rdtype))
        if name in self.silent:
            return None
        if name in self.broken:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response
        if name not in self._names():
            response.set_rcode(dns.rcode.NXDOMAIN)
            return response
        values = self.zone.get((name, rdtype), [])
        if values:
            response.answer.append(
                dns.rrset.from_text_list(question.name, 300, dns.rdataclass.IN, rdtype, values)
            )
        return response

    def _serve(self):
        while self._running:
            try:
                wire, peer = self._socket.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                response = self._answer(dns.message.from_wire(wire))
            except Exception:  # a malformed query: drop it, as a server would
                continue
            if response is not None:
                self._socket.sendto(response.to_wire(), peer)

    def start(self) -> "LoopbackDns":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._running = False
        self._thread.join(timeout=2)
        self._socket.close()


@contextmanager
def loopback_dns():
    server = LoopbackDns().start()
    try:
        yield server
    finally:
        server.stop()
