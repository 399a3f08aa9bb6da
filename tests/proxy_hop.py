"""A reverse proxy on loopback for the client-address tests, and a visitor that goes through it.

The proxy forwards every request to the app and appends the address it was connected from to
X-Forwarded-For, as nginx's ``$proxy_add_x_forwarded_for`` does. (Caddy, as shipped, replaces
the header with that address instead; appending is the harder case, where what a client sent
reaches the app.) Visitors connect from an address of their own in 127.0.0.0/8, so the address
the proxy saw differs from the proxy's own (127.0.0.1).
"""

import threading
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

# Per connection, never forwarded; the handler sets its own Server and Date.
NOT_FORWARDED = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "server",
    "date",
}


class _Forward(BaseHTTPRequestHandler):
    def _forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {
            name: value
            for name, value in self.headers.items()
            if name.lower() not in NOT_FORWARDED | {"x-forwarded-for"}
        }
        chain = [*self.headers.get_all("X-Forwarded-For", []), self.client_address[0]]
        headers["X-Forwarded-For"] = ", ".join(chain)
        upstream = HTTPConnection(*self.server.upstream, timeout=30)
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            content = response.read()
        finally:
            upstream.close()
        self.send_response(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in NOT_FORWARDED:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = _forward

    def log_message(self, format, *args):
        pass


class ProxyHop:
    """``with ProxyHop(("127.0.0.1", app_port)) as proxy:`` serves on ``proxy.port``."""

    def __init__(self, upstream: tuple[str, int]):
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Forward)
        self._server.upstream = upstream
        self.port = self._server.server_address[1]

    def __enter__(self):
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()


class Visitor:
    """A browser at ``source`` (a loopback address) on ``host``, through the proxy on ``port``;
    it sends ``forwarded_for`` as its own X-Forwarded-For when given."""

    def __init__(self, port: int, host: str, source: str, forwarded_for: str | None = None):
        self.port, self.host, self.source, self.forwarded_for = port, host, source, forwarded_for
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> int:
        headers = {
            "Host": self.host,
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(self.source, 0)
        )
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie", []):
            self.cookies.update(
                {name: morsel.value for name, morsel in SimpleCookie(header).items()}
            )
        return response.status

    def sign_in(self, email: str, password: str) -> int:
        """The sign-in form's answer: 302 signed in, 200 refused, 429 locked out."""
        if "csrftoken" not in self.cookies:
            self.request("GET", "/auth/login/")
        form = {
            "csrfmiddlewaretoken": self.cookies["csrftoken"],
            "username": email,
            "password": password,
        }
        return self.request("POST", "/auth/login/", form)
