"""Errors reach Sentry only when SENTRY_DSN is set, and without the guest's personal data."""

from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import sentry_sdk

from actions.server import init_error_reporting


def test_without_a_dsn_nothing_is_set_up():
    assert init_error_reporting("") is False


def test_with_a_dsn_errors_are_sent_without_personal_data():
    received: list[bytes] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert init_error_reporting(f"http://public@127.0.0.1:{server.server_port}/1") is True
        guest_message = "my email is " + "@".join(["guest", "example.com"])  # a local in the failing frame
        try:
            raise RuntimeError(f"backend exploded after {len(guest_message)} characters")
        except RuntimeError:
            sentry_sdk.capture_exception()
        sentry_sdk.flush(timeout=5)
    finally:
        sentry_sdk.get_client().close()
        server.shutdown()
    body = b"".join(gzip.decompress(part) if part[:2] == b"\x1f\x8b" else part for part in received)
    assert b"backend exploded" in body
    assert b"guest@example.com" not in body
