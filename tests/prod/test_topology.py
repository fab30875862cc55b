"""What only the production-like topology (scripts/prod.sh) has to get right: two Rasa servers sharing
conversations, locks and socket.io rooms, and supervisord bringing a dead process back.

Runs in make test's production stage (E2E_TOPOLOGY=prod), after the whole end-to-end suite has run
against the same topology. The crash test comes last: it kills processes.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import httpx
import pytest

from tests.e2e.test_channels import WebsiteGuest
from tests.e2e.test_ordering import Guest, checkout_at_the_counter, order_with_size
from tests.prod_stack import RASA_SERVERS, ProdStack, e2e_topology, wait_until_answers
from tests.stack import RASA_AUTH_TOKEN, new_sender, texts

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        e2e_topology() != "prod", reason="the production stage of make test (E2E_TOPOLOGY=prod)"
    ),
]


def say_to(url: str, sender: str, text: str) -> httpx.Response:
    response = httpx.post(
        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120
    )
    response.raise_for_status()
    return response


def test_a_conversation_served_by_both_rasa_servers_keeps_its_turns_in_order_and_its_cart(stack: ProdStack):
    sender = new_sender()
    turns = ["hi", "one tomato soup please", "regular", "add a garlic bread", "what's in my cart?"]
    served, replies = [], []
    for text in turns:
        response = say_to(stack.rasa_url, sender, text)  # through nginx, which spreads turns
        served.append(response.headers["X-Served-By"])
        replies.append(texts(response.json()))
    assert len(set(served)) == RASA_SERVERS, served
    assert stack.user_texts(sender) == turns
    assert "Tomato Soup" in replies[-1] and "Garlic Bread" in replies[-1], replies[-1]


def test_two_messages_of_one_conversation_sent_to_both_servers_at_once_take_turns(stack: ProdStack):
    sender = new_sender()
    say_to(stack.rasa_url, sender, "hi")
    for _round in range(3):
        barrier = threading.Barrier(RASA_SERVERS)
        failures: list[BaseException] = []

        def send(server: int, text: str) -> None:
            barrier.wait()
            try:
                say_to(stack.rasa_server_url(server), sender, text)
            except BaseException as error:
                failures.append(error)

        threads = [
            threading.Thread(target=send, args=(0, "show me the desserts")),
            threading.Thread(target=send, args=(1, "what's in my cart?")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert not failures, failures

    events = stack.tracker(sender)["events"]
    kinds = [(e["event"], e.get("name")) for e in events if e["event"] in ("user", "action")]
    # every guest message is answered to the end (action_listen) before the next one is read
    users = [i for i, kind in enumerate(kinds) if kind[0] == "user"]
    assert len(users) == 1 + 2 * 3
    for this, following in zip(users, users[1:] + [len(kinds)], strict=False):
        between = kinds[this + 1 : following]
        assert between and between[-1] == ("action", "action_listen"), kinds[this:following]
        assert ("action", "action_listen") not in between[:-1], kinds[this:following]


def test_an_order_update_reaches_a_socket_held_by_the_other_rasa_server(stack: ProdStack):
    guest = WebsiteGuest(
        stack, new_sender(), rasa_url=stack.rasa_server_url(0)
    )  # the socket lives on server 0
    guest.say("one tomato soup please")
    guest.say("regular")
    for text in ["checkout", "pickup", "asap", "I'll pay at the counter"]:
        guest.say(text)
    placed = texts(guest.say("yes"))
    assert "is placed" in placed, placed
    number = placed.split("#", 1)[1].split()[0].strip(".,")
    with stack.backend() as backend:
        status = backend.get(
            f"/api/orders/by-number/{number}/", params={"conversation_id": guest.session}
        ).json()["status"]
    # the backend's push arrives at server 1, which does not hold the socket
    pushed = httpx.post(
        f"{stack.rasa_server_url(1)}/conversations/{guest.session}/trigger_intent",
        params={"output_channel": "latest", "token": RASA_AUTH_TOKEN},
        json={"name": "EXTERNAL_order_status", "entities": {"order_number": number, "order_status": status}},
        timeout=60,
    )
    assert pushed.status_code == 200, pushed.text
    assert any(f"#{number}" in (message.get("text") or "") for message in guest.receive())


def wait_for_new_pid(stack: ProdStack, program: str, old: int, timeout: float = 300) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = stack.pid(program)
        if pid and pid != old:
            return pid
        time.sleep(0.5)
    raise AssertionError(f"{program} was not restarted")


def come_back(url: str) -> None:
    assert wait_until_answers(url, 300, accept=lambda status: status == 200), f"{url} did not come back"


def test_killed_rasa_servers_and_action_server_come_back_and_the_conversation_keeps_its_cart(
    stack: ProdStack,
):
    guest = Guest(stack)
    order_with_size(guest, "one tomato soup please", "regular")
    backend_pid, actions_pid = stack.pid("backend"), stack.pid("actions")
    rasa = {f"rasa:rasa-{n}": stack.pid(f"rasa:rasa-{n}") for n in range(RASA_SERVERS)}

    for pid in [*rasa.values(), actions_pid]:  # mid-conversation, as a crash would
        os.kill(pid, signal.SIGKILL)
    for number, (program, pid) in enumerate(rasa.items()):
        wait_for_new_pid(stack, program, pid)
        come_back(f"{stack.rasa_server_url(number)}/status?token={RASA_AUTH_TOKEN}")
    wait_for_new_pid(stack, "actions", actions_pid)
    come_back(f"{stack.actions_url}/health")

    assert (stack.pid("backend"), stack.pid("actions") != actions_pid) == (backend_pid, True)
    cart = guest.say("what's in my cart?")
    assert "Tomato Soup" in cart, cart
    summary = checkout_at_the_counter(guest)
    assert "Tomato Soup" in summary
    assert "is placed" in guest.say("yes")
    assert [line["item"]["name"] for line in guest.order()["lines"]] == ["Tomato Soup"]
