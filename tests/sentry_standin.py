"""A stand-in Sentry on loopback: point SENTRY_DSN at ``dsn`` and the real sentry-sdk in the
app's processes sends it what it would send Sentry.

It accepts the envelope endpoint (``POST /api/<project>/envelope/``), undoes the SDK's
compression (gzip, or brotli when installed) and keeps every envelope, raw and parsed into
its items; ``events()`` are the error events among them.
"""

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PUBLIC_KEY = "0123456789abcdef0123456789abcdef"
PROJECT = "7"


def _decompressed(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        import brotli

        return brotli.decompress(body)
    return body


def envelope_items(raw: bytes) -> list[tuple[dict, bytes]]:
    """An envelope's items, (item header, payload): a JSON header line, then either
    ``length`` bytes or one line (https://develop.sentry.dev/sdk/data-model/envelopes/)."""
    _, _, rest = raw.partition(b"\n")
    items = []
    while rest.strip():
        header_line, _, rest = rest.partition(b"\n")
        header = json.loads(header_line)
        if "length" in header:
            payload, rest = rest[: header["length"]], rest[header["length"] + 1 :]
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append((header, payload))
    return items


class SentryStandIn(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.envelopes: list[bytes] = []
        self.lock = threading.Lock()

    @property
    def dsn(self) -> str:
        return f"http://{PUBLIC_KEY}@127.0.0.1:{self.server_address[1]}/{PROJECT}"

    def events(self) -> list[dict]:
        with self.lock:
            envelopes = list(self.envelopes)
        return [
            json.loads(payload)
            for raw in envelopes
            for header, payload in envelope_items(raw)
            if header.get("type") == "event"
        ]

    def start(self) -> "SentryStandIn":
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        if self.path.rstrip("/") != f"/api/{PROJECT}/envelope":
            self.send_error(404)
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        raw = _decompressed(body, self.headers.get("Content-Encoding", ""))
        with self.server.lock:
            self.server.envelopes.append(raw)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format, *args):  # the test's output stays the test's
        pass
