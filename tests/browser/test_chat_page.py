"""A guest orders on the backend's /chat/ page in a real browser, against the live stack (backend,
action server, Rasa over socket.io): buttons clicked, a question answered, the page reloaded mid-way,
the order checked in the backend. Screenshots of the key steps go to results/browser/.
"""

from __future__ import annotations

import re
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from tests.browser.helpers import bot_texts, console_errors, type_message, user_texts, wait_for
from tests.fakes import host_brain
from tests.fakes.groq_server import FakeGroq, SlowStream
from tests.stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


class ChatPage:
    """The widget on a page of the running backend, driven as a guest would."""

    def __init__(self, driver: WebDriver, url: str | None = None) -> None:
        """Opens `url`, or takes the page the driver shows; waits until the chat is connected."""
        self.driver = driver
        if url:
            driver.get(url)
        self.wait_connected()

    def wait_connected(self) -> None:
        wait_for(
            self.driver,
            lambda d: d.execute_script(
                "var c = window.RestaurantChat && RestaurantChat.instances[0]; return !!(c && c.ready);"
            ),
            30,
            "the chat to connect to Rasa",
        )

    def replies(self, text: str | None = None) -> list[WebElement]:
        """The enabled quick-reply buttons (optionally only those whose title starts with `text`)."""
        buttons = self.driver.find_elements(By.CSS_SELECTOR, ".rc-replies button")
        return [b for b in buttons if b.is_enabled() and (text is None or b.text.startswith(text))]

    def say(
        self, text: str | None = None, *, expect: str, click: str | None = None, timeout: float = 40
    ) -> str:
        """Type `text` (or click the quick reply starting with `click`) and wait for a bot reply matching
        `expect`; a "Did you mean ...?" check on the way is answered with its Yes button."""
        before = len(bot_texts(self.driver))
        if click is not None:
            self.replies(click)[-1].click()
        else:
            type_message(self.driver, text or "")
        deadline = time.monotonic() + timeout
        while True:
            new = "\n".join(bot_texts(self.driver)[before:])
            if re.search(expect, new):
                break
            if new.rstrip().endswith("?") and "Did you mean" in new.splitlines()[-1] and self.replies("Yes"):
                self.replies("Yes")[-1].click()
                before = len(bot_texts(self.driver))
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no reply matching {expect!r} to {text or click!r}; the chat shows:\n{new}"
                )
            time.sleep(0.1)
        time.sleep(0.4)  # a turn may bring several messages: let the rest arrive
        return "\n".join(bot_texts(self.driver)[before:])


def js_errors(driver: WebDriver) -> list[str]:
    """Console errors other than network ones (e.g. an answer stream the action server closed)."""
    return [
        e for e in console_errors(driver) if "Failed to load resource" not in e and "EventSource" not in e
    ]


def test_full_order_on_the_chat_page_with_buttons_question_reload_and_checkout(stack: Stack, browser, shot):
    chat = ChatPage(browser, f"{stack.backend_url}/chat/")
    started = time.monotonic()
    assert "welcome" in chat.say("hi", expect="(?i)welcome").lower()

    chat.say("two margherita pizzas please", expect="Which size would you like for the Margherita Pizza")
    assert chat.replies("large"), "the size question offers buttons"
    shot(browser, "chat-1-size-buttons")
    added = chat.say(click="large", expect=r"Added 2 × Margherita Pizza \(large\)")
    assert user_texts(browser)[-1].startswith("large")  # the button's title is the guest's bubble
    assert not [
        b
        for b in browser.find_elements(By.CSS_SELECTOR, ".rc-replies button")
        if b.is_enabled() and b.text.startswith("large")
    ], "the used buttons are disabled"
    assert "€" in added

    answer = chat.say("does the margherita contain gluten?", expect="(?i)gluten")
    assert "Margherita" in answer
    assert not browser.find_elements(By.CSS_SELECTOR, ".rc-pending")  # any streamed draft gave way
    shot(browser, "chat-2-allergen-answer")

    # reload mid-conversation: the transcript is still there and the same conversation goes on
    guest_before, bot_before = user_texts(browser), bot_texts(browser)
    browser.refresh()
    chat.wait_connected()
    assert user_texts(browser) == guest_before and bot_texts(browser) == bot_before
    cart = chat.say("what's in my cart?", expect="Margherita Pizza")
    assert "2 × Margherita Pizza" in cart or "2 x Margherita Pizza" in cart, cart
    shot(browser, "chat-3-after-reload")

    assert "pickup or delivery" in chat.say("checkout", expect="pickup or delivery")
    chat.say("pickup", expect="(?i)when")
    chat.say("asap", expect="(?i)pay")
    summary = chat.say("I'll pay at the counter", expect=r"Shall I place this order for €[\d.,]+")
    total = re.search(r"Shall I place this order for €([\d.,]+)", summary).group(1)
    assert chat.replies("Yes") and chat.replies("No")
    shot(browser, "chat-4-summary")
    placed = chat.say(click="Yes", expect=r"Order #\d+ is placed")
    number = re.search(r"Order #(\d+) is placed", placed).group(1)
    shot(browser, "chat-5-placed")

    order_id = int(
        stack.orm(f"from apps.ordering.models import Order; print(Order.objects.get(number={number!r}).pk)")
    )
    with stack.backend() as backend:
        order = backend.get(f"/api/orders/{order_id}/").json()
    assert {line["item"]["name"]: line["quantity"] for line in order["lines"]} == {"Margherita Pizza": 2}
    assert [o["name"] for o in order["lines"][0]["options"]] == ["large"]
    assert order["fulfilment"] == "pickup" and order["payment"]["method"] == "pay_at_counter"
    assert Decimal(order["total"]) == Decimal(total.replace(",", ""))
    assert js_errors(browser) == []
    assert time.monotonic() - started < 90


def test_phone_width_chat_page_and_one_tag_embed(stack: Stack, phone, shot):
    chat = ChatPage(phone, f"{stack.backend_url}/chat/")
    assert phone.execute_script("return document.documentElement.clientWidth") == 360
    chat.say("hi", expect="(?i)welcome")
    chat.say("show me the desserts", expect="(?i)dessert")
    wait_for(phone, lambda d: d.find_elements(By.CSS_SELECTOR, ".rc-card"), 10, "menu cards")
    card = phone.find_element(By.CSS_SELECTOR, ".rc-card")
    image = card.find_element(By.TAG_NAME, "img")
    assert image.get_attribute("alt") and card.find_element(
        By.CSS_SELECTOR, ".rc-card-subtitle"
    ).text.startswith("€")
    assert phone.execute_script("return document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    shot(phone, "chat-phone-360")

    # the one-tag embed on a restaurant's page: launcher, panel, socket.io client loaded by the widget itself
    phone.get(f"{stack.backend_url}/chat/embed/")
    launcher = wait_for(
        phone, lambda d: d.find_elements(By.CSS_SELECTOR, ".rc-launcher"), 10, "the launcher"
    )[0]
    launcher.click()
    ChatPage(phone)  # connected
    assert user_texts(phone) == ["hi", "show me the desserts"]  # same site, same conversation as on /chat/
    before = len(bot_texts(phone))
    dish = phone.find_element(By.CSS_SELECTOR, ".rc-card .rc-card-title").text
    phone.find_element(By.CSS_SELECTOR, ".rc-card .rc-card-button").click()  # the card's Add button
    wait_for(
        phone,
        lambda d: re.search(rf"Added 1 × {re.escape(dish)}|Which size", "\n".join(bot_texts(d)[before:])),
        40,
        f"{dish} to be added",
    )
    assert user_texts(phone)[-1] == f"Add {dish}"
    shot(phone, "chat-phone-360-embed")
    assert js_errors(phone) == []


def test_a_site_not_in_chat_allowed_origins_gets_no_chat(stack: Stack, browser):
    """The one tag on another site: the widget loads from the backend, Rasa refuses the connection."""
    page = (
        f"<!doctype html><html lang='en'><head><title>Other site</title><link rel='icon' href='data:,'></head>"
        f"<body><script src='{stack.backend_url}/static/chat/widget.js' data-socket-url='{stack.rasa_url}'"
        f" data-open='true' defer></script></body></html>"
    ).encode()

    class Site(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        browser.get(f"http://127.0.0.1:{server.server_address[1]}/")
        wait_for(
            browser,
            lambda d: "isn't available on this site" in d.find_element(By.CSS_SELECTOR, ".rc-status").text,
            20,
            "the refusal to show",
        )
        assert browser.find_element(By.CSS_SELECTOR, ".rc-panel").is_displayed()  # styles and client loaded
    finally:
        server.shutdown()
        server.server_close()


# Questions the document answerer (LLM) handles; worded apart from tests/e2e so no cached answer is reused.
FAQ_QUESTIONS = [
    "do you do catering for an office party?",
    "can I book a private event for my team?",
    "how do refunds work for a website order?",
    "do you host birthday parties on sundays?",
]


def llm_question(stack: Stack) -> str:
    for text in FAQ_QUESTIONS:
        parsed = stack.rasa_api("POST", "/model/parse", json={"text": text}).json()
        topics = {e["value"] for e in parsed.get("entities", []) if e["entity"] == "faq_topic"}
        if parsed["intent"]["name"] == "ask_faq" and not topics & {
            "hours",
            "location",
            "contact",
            "parking",
            "delivery",
            "minimum_order",
        }:
            return text
    pytest.fail("no question in FAQ_QUESTIONS goes to the document answerer any more; add one")


def test_an_llm_answer_streams_into_the_chat_page_then_the_checked_answer_replaces_it(
    stack: Stack, fake_groq: FakeGroq, browser, shot
):
    question = llm_question(stack)
    fake_groq.reset()
    fake_groq.responder = host_brain.respond
    fake_groq.enqueue(
        SlowStream(
            "Our catering team cooks for groups of ten or more. Please book two weeks ahead "
            "[Catering]. We bring plates, cutlery and a friendly smile.",
            delay_per_chunk=0.12,
        )
    )
    try:
        ChatPage(browser, f"{stack.backend_url}/chat/")
        before = len(bot_texts(browser))
        type_message(browser, question)
        drafts: list[str] = []

        def streaming_or_answered(driver: WebDriver) -> bool:
            draft = driver.execute_script(
                "var b = document.querySelector('.rc-pending .rc-bubble');return b ? b.textContent : '';"
            )
            if draft:
                drafts.append(draft)
            if drafts and len(drafts) == 1:
                shot(driver, "chat-streaming")
            return any("Our catering team" in text for text in bot_texts(driver)[before:])

        wait_for(browser, streaming_or_answered, 40, "the answer")
        assert drafts and drafts[0].startswith("Our catering team cooks for groups of ten or more."), drafts
        assert len(set(drafts)) >= 2, drafts  # it grew while the answer was written
        assert not browser.find_elements(By.CSS_SELECTOR, ".rc-pending")  # the draft gave way to the answer
        time.sleep(0.5)
        assert not browser.find_elements(By.CSS_SELECTOR, ".rc-pending")  # and no late chunk brought it back
        assert js_errors(browser) == []
    finally:
        fake_groq.reset()
        fake_groq.responder = host_brain.respond
