"""The terminal chat `make run` opens, as a person sees it: typed into tmux at 80, 120 and 220
columns against the live stack (real model, action server, backend), the screen read back."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import yaml

from tests.e2e.test_llm import document_question, fresh_fake  # noqa: F401 (a fixture: the fake Groq reset)
from tests.fakes.groq_server import FakeGroq, SlowStream
from tests.stack import APP_PYTHON, ROOT, Stack
from tests.terminal.tmux import Terminal

pytestmark = pytest.mark.e2e


def greetings() -> list[str]:
    """The greeting's texts (both arms of the greeting experiment), words as a screen shows them."""
    responses = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    return [
        " ".join(variant["text"].split())
        for name in ("utter_greet", "utter_greet_short")
        for variant in responses[name]
    ]


def open_chat(stack: Stack, columns: int, **env: str) -> Terminal:
    return Terminal(
        [str(APP_PYTHON), "-m", "terminal_chat", "--url", stack.rasa_url, "--stream-url", stack.actions_url],
        columns=columns,
        cwd=ROOT,
        env=env,
    )


def option_number(text: str, title: str) -> str:
    """The number the screen shows before an option or card, e.g. "[3] Desserts"."""
    found = re.search(r"\[(\d+)\] " + re.escape(title), text)
    assert found, f"no option {title!r} on screen:\n{text}"
    return found.group(1)


def menu_item(stack: Stack, name: str) -> dict:
    with stack.backend() as client:
        items = client.get("/api/menu/items/", params={"page_size": 200}).json()["results"]
    return next(item for item in items if item["name"] == name)


@pytest.mark.parametrize("columns, quit_key", [(80, "C-c"), (120, "C-d"), (220, "C-c")])
def test_a_guest_reads_every_message_picks_by_number_and_types_at_a_button_prompt(
    stack: Stack, columns: int, quit_key: str
):
    chat = open_chat(stack, columns)
    try:
        chat.wait_for("you>", 30)
        chat.send("hi")
        text = chat.wait_for("[3] Opening hours")
        assert any(greeting in text for greeting in greetings())  # the greeting's text, not only its buttons
        assert "[1] Show the menu" in text

        # a question typed at a button prompt is a message, not option 1
        chat.send("what do you have on the menu?")
        text = chat.wait_for(
            lambda screen: "Which would you like to see?" in screen and "] Desserts" in screen
        )
        assert "→ Show the menu" not in text
        chat.send(option_number(text, "Desserts"))
        text = chat.wait_for("Here are our Desserts")
        # one compact card line: name, the backend's price, its diet marks; no raw payloads
        lava = menu_item(stack, "Chocolate Lava Cake")
        price = f"€{Decimal(lava['price']):.2f}"
        card = re.search(r"\[\d+\] Chocolate Lava Cake · " + re.escape(price) + r" · ([^\[]*)", text)
        assert card, text
        assert "/order_item" not in text and "postback" not in text and "Buttons:" not in text
        if columns >= 120:  # wide enough: each card, even the one with most marks, is one line of the screen
            assert any(
                line.strip().startswith("[")
                and "Mango Sticky Rice · €" in line
                and "dairy-free · nut-free" in line
                for line in chat.screen().splitlines()
            ), chat.screen()

        # an order with a size chosen by number
        chat.send("a margherita")
        text = chat.wait_for("Which size would you like for the Margherita Pizza?")
        chat.send(option_number(text.rsplit("Which size", 1)[1], "large"))
        chat.wait_for("Added 1 × Margherita Pizza (large)")

        # at a button prompt again, the guest leaves: no traceback, a clean exit
        chat.send("show me the menu")
        chat.wait_for(lambda text: text.count("Which would you like to see?") == 2)
        chat.key(quit_key)
        assert chat.exit_status() == 0
        assert "Traceback" not in chat.screen() and "Error" not in chat.screen()
        assert chat.screen().rstrip().splitlines()[-2].strip() == "bye"
    finally:
        chat.close()


def test_an_llm_answer_streams_and_the_checked_answer_replaces_it(stack: Stack, fresh_fake: FakeGroq):
    fresh_fake.enqueue(
        SlowStream(
            "Our catering team cooks for groups of ten or more. Please book two weeks ahead "
            "[Catering]. A Margherita Pizza is only €1.00 for caterers.",
            delay_per_chunk=0.4,
        )
    )
    chat = open_chat(stack, 120)
    try:
        chat.wait_for("you>", 30)
        chat.send(document_question(stack))
        # the first sentence is on screen while the answer is still being written (no prompt yet)
        chat.wait_for(
            lambda text: (
                "Our catering team cooks for groups of ten or more." in text
                and not text.rstrip().endswith("you>")
            ),
            60,
        )
        text = chat.wait_for(lambda text: text.count("you>") == 2, 60)
        assert text.count("Our catering team cooks for groups of ten or more.") == 1  # shown once, not twice
        assert "€1.00" not in text  # the invented price never reached the screen
    finally:
        chat.close()


def test_no_color_turns_colours_off(stack: Stack):
    coloured, plain = open_chat(stack, 120), open_chat(stack, 120, NO_COLOR="1")
    try:
        for chat in (coloured, plain):
            chat.wait_for("you>", 30)
            chat.send("hi")
            chat.wait_for("[3] Opening hours")
        sgr_colour = re.compile(r"\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;)[0-9;]*m")
        assert sgr_colour.search(coloured.screen(escapes=True))
        assert not sgr_colour.search(plain.screen(escapes=True))
        assert any(greeting in plain.text() for greeting in greetings())
    finally:
        coloured.close()
        plain.close()


def test_a_staff_members_messages_reach_the_terminal_chat_under_their_name(stack: Stack):
    from tests.e2e.test_handoff import ASK_FOR_A_PERSON, Staff, handoff_of

    chat = open_chat(stack, 100)
    try:
        text = chat.wait_for("you>", 30)
        sender = re.search(r"conversation id: (\S+)", text).group(1)
        chat.send(ASK_FOR_A_PERSON)
        chat.wait_for("asked a member of our team")
        dora = Staff(stack, "dora.terminal", "Dora")  # a user name no other test of the session takes
        assert dora.post(handoff_of(stack, sender), "claim").status_code == 200
        assert (
            dora.post(
                handoff_of(stack, sender), "messages", {"text": "I'm at the back door now."}
            ).status_code
            == 200
        )
        # while the guest types nothing: the messages appear above the open prompt, under Dora's name
        text = chat.wait_for("Dora> I'm at the back door now.", 10)
        assert "Dora>" in text.split("asked a member of our team", 1)[1]
        chat.send("thanks, see you")
        chat.wait_for(lambda screen: screen.count("you>") >= 3, 10)
        assert "Dora> I'm at the back door now." in chat.text()
        assert chat.text().count("I'm at the back door now.") == 1  # each message once, not at every poll
    finally:
        chat.close()
