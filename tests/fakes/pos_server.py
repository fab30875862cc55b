"""A point-of-sale on a local port that answers the Square CreateOrder requests the backend's HTTP
POS adapter sends: accepts (200 with an order id) or rejects (422 with a Square-style error); and the
UpdateOrder requests (PUT .../<id>) that withdraw a cancelled order, kept apart in `withdrawals`."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class PosRequest:
    headers: dict[str, str]
    body: str
    path: str = ""

    @property
    def order(self) -> dict[str, Any]:
        return json.loads(self.body)["order"]


@dataclass
class FakePos:
    reject_reason: str | None = None  # set to make the POS refuse every order with this reason
    requests: list[PosRequest] = field(default_factory=list)
    withdrawals: list[PosRequest] = field(default_factory=list)

    def __enter__(self) -> FakePos:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
                fake.requests.append(PosRequest({k.lower(): v for k, v in self.headers.items()}, body))
                if fake.reject_reason:
                    status, answer = (
                        422,
                        {
                            "errors": [
                                {
                                    "category": "INVALID_REQUEST_ERROR",
                                    "code": "BAD_REQUEST",
                                    "detail": fake.reject_reason,
                                }
                            ]
                        },
                    )
                else:
                    status, answer = 200, {"order": {"id": f"sq_{uuid.uuid4().hex[:12]}", "state": "OPEN"}}
                self.answer(status, answer)

            def do_PUT(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
                fake.withdrawals.append(
                    PosRequest({k.lower(): v for k, v in self.headers.items()}, body, self.path)
                )
                self.answer(200, {"order": {"id": self.path.rsplit("/", 1)[-1], "state": "CANCELED"}})

            def answer(self, status: int, answer: dict[str, Any]) -> None:
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v2/orders"

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
