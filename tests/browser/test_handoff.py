"""Live staff takeover in two browsers: the guest's chat widget and the staff page (/support/).

The guest orders a dish and asks for a person; staff see the request and claim it; they exchange two
messages each while the assistant says nothing; staff add a side dish and hand back; the guest checks
out with "yes" and the backend's order holds both dishes.
"""

from __future__ import annotations

import re
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.conftest import new_driver
from tests.browser.helpers import bot_texts, type_message, wait_for
from tests.browser.test_chat_page import ChatPage, js_errors
from tests.e2e.test_handoff import PASSWORD, create_staff, handoff_of
from tests.stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def staff_texts(driver: WebDriver) -> list[str]:
    """The person's messages as the guest's widget shows them (marked apart from the assistant's)."""
    return [
        text.strip()
        for text in driver.execute_script(
            "return Array.from(document.querySelectorAll('.rc-msg.rc-staff .rc-bubble')).map(function (b) {"
            "  var c = b.cloneNode(true); c.querySelectorAll('.rc-sr').forEach(function (s) { s.remove(); });"
            "  return c.textContent; });"
        )
    ]


def log_in_staff(driver: WebDriver, stack: Stack, username: str) -> None:
    driver.get(f"{stack.backend_url}/accounts/login/?next=/support/")
    driver.find_element(By.ID, "id_username").send_keys(username)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_for(driver, lambda d: d.current_url.rstrip("/").endswith("/support"), 20, "the staff page")


def card_of(staff: WebDriver, handoff_id: int):
    return staff.find_element(By.CSS_SELECTOR, f'article[data-handoff-id="{handoff_id}"]')


def test_a_person_takes_over_in_the_widget_adds_a_side_and_hands_back(stack: Stack, browser, shot):
    chat = ChatPage(browser, f"{stack.backend_url}/chat/")
    if "Added" not in chat.say("one tomato soup please", expect="(?i)size|Added"):
        chat.say("regular", expect="Added 1 × Tomato Soup")
    chat.say("i want to talk to a real person", expect="asked a member of our team")
    session = browser.execute_script("return RestaurantChat.instances[0].sessionId;")
    handoff_id = handoff_of(stack, session)
    create_staff(stack, "anna.widget", "Anna")

    staff = new_driver()
    try:
        log_in_staff(staff, stack, "anna.widget")
        wait_for(
            staff,
            lambda d: d.find_elements(By.CSS_SELECTOR, f'article[data-handoff-id="{handoff_id}"]'),
            5,
            "the request on the staff page",
        )
        request = card_of(staff, handoff_id).text
        assert "i want to talk to a real person" in request and "1× Tomato Soup" in request, request
        shot(staff, "handoff-1-waiting")
        card_of(staff, handoff_id).find_element(By.CSS_SELECTOR, "button[data-action=claim]").click()
        wait_for(
            browser, lambda d: any("Anna" in text for text in staff_texts(d)), 2, "Anna joining in the chat"
        )

        for guest_words, staff_words in [
            ("can you make it without coriander for my kid?", "Of course, no coriander."),
            ("great, and which door do I use?", "The side door on Harbour Lane."),
        ]:
            before = len(bot_texts(browser))
            type_message(browser, guest_words)
            wait_for(
                staff,
                lambda d: guest_words in card_of(d, handoff_id).find_element(By.CSS_SELECTOR, ".log").text,
                2,
                "the guest's words on the staff page",
            )
            field = card_of(staff, handoff_id).find_element(
                By.CSS_SELECTOR, "form[data-action=messages] input"
            )
            field.send_keys(staff_words + "\n")
            wait_for(browser, lambda d: staff_words in staff_texts(d), 2, "the staff message in the widget")
            time.sleep(0.5)
            assert bot_texts(browser)[before:] == [staff_words]  # nothing from the assistant while paused
        shot(browser, "handoff-2-guest-talks-to-anna")

        form = card_of(staff, handoff_id).find_element(By.CSS_SELECTOR, "form[data-action=cart]")
        form.find_element(By.NAME, "dish").send_keys("Garlic Bread")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_for(
            browser,
            lambda d: any("1 × Garlic Bread" in text for text in staff_texts(d)),
            5,
            "the cart change",
        )
        # and one more soup: the quantity form lists the cart's dishes
        wait_for(
            staff,
            lambda d: (
                "Garlic Bread"
                in card_of(d, handoff_id).find_element(By.CSS_SELECTOR, "form[data-action=line] select").text
            ),
            5,
            "the new dish in the quantity form",
        )
        form = card_of(staff, handoff_id).find_element(By.CSS_SELECTOR, "form[data-action=line]")
        next(
            option
            for option in form.find_elements(By.TAG_NAME, "option")
            if option.text.endswith("Tomato Soup")
        ).click()
        quantity = form.find_element(By.NAME, "quantity")
        quantity.clear()
        quantity.send_keys("2")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_for(
            browser,
            lambda d: any("Tomato Soup to 2" in text for text in staff_texts(d)),
            5,
            "the quantity change",
        )
        shot(staff, "handoff-3-staff-page")
        card_of(staff, handoff_id).find_element(By.CSS_SELECTOR, "button[data-action=hand-back]").click()
        wait_for(
            staff,
            lambda d: not d.find_elements(By.CSS_SELECTOR, f'article[data-handoff-id="{handoff_id}"]'),
            5,
            "the handed-back request to leave the page",
        )
        assert js_errors(staff) == []
    finally:
        staff.quit()

    chat.say("checkout", expect="pickup or delivery")
    chat.say("pickup", expect="(?i)when")
    chat.say("asap", expect="(?i)pay")
    summary = chat.say("I'll pay at the counter", expect=r"Shall I place this order")
    assert "Garlic Bread" in summary and "Tomato Soup" in summary, summary
    placed = chat.say("yes", expect=r"Order #\d+ is placed")
    number = re.search(r"Order #(\d+) is placed", placed).group(1)
    dishes = stack.orm(
        f"from apps.ordering.models import Order; o = Order.objects.get(number='{number}'); "
        "print(sorted((line.item_name, line.quantity) for line in o.lines.all()))"
    ).strip()
    assert dishes == "[('Garlic Bread', 1), ('Tomato Soup', 2)]"
    assert js_errors(browser) == []
