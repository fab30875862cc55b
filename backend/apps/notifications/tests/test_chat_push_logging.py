"""The token of Rasa's HTTP API goes in the URL (`?token=`): it must never reach the logs."""

from __future__ import annotations

import logging

import pytest

from apps.ordering.models import Order
from apps.ordering.orders import set_status
from tests.conftest import new_cart, place

pytestmark = pytest.mark.django_db


def test_rasa_auth_token_never_appears_in_the_logs(
    rasa, api, demo, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        body = place(
            api, new_cart(api, (demo["diavola-pizza"], 1, []))["id"], conversation_id="conv-log"
        ).json()
    with caplog.at_level(logging.DEBUG), django_capture_on_commit_callbacks(execute=True):
        set_status(body["id"], "confirmed", actor="staff", enforce_window=False)

    assert Order.objects.get(pk=body["id"]).status == "confirmed"
    assert rasa.requests and "token=rasa-test-token" in rasa.requests[0]["path"]  # Rasa still gets it
    # httpx logs the request line with its full URL: the push is in the log, the token is not
    pushed = [r for r in caplog.records if r.name == "httpx" and "trigger_intent" in r.getMessage()]
    assert pushed, caplog.text
    assert "token=***" in pushed[0].getMessage()
    assert "rasa-test-token" not in caplog.text
    assert all("rasa-test-token" not in r.getMessage() for r in caplog.records)
