"""A signed-in guest orders in the website chat; staff move the order on the kitchen page; the
status change appears in the guest's open chat without the guest asking (Rasa's trigger_intent)."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.conftest import new_driver
from tests.browser.helpers import bot_texts, wait_for
from tests.browser.test_chat_page import ChatPage, js_errors
from tests.stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
PASSWORD = "a-long-test-password-42"


def create_user(stack: Stack, username: str, *, staff: bool = False) -> str:
    """A website account (staff for the kitchen); returns the guest's opaque customer id."""
    return stack.orm(
        "from django.contrib.auth import get_user_model; from apps.customers.models import customer_for_user; "
        f"u = get_user_model().objects.create_user({username!r}, '{username}@example.org', {PASSWORD!r}, "
        f"is_staff={staff}); print(customer_for_user(u).public_id)"
    ).strip()


def log_in(driver: WebDriver, stack: Stack, username: str, next_path: str) -> None:
    driver.get(f"{stack.backend_url}/accounts/login/?next={next_path}")
    driver.find_element(By.ID, "id_username").send_keys(username)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_for(
        driver,
        lambda d: d.current_url.rstrip("/").endswith(next_path.rstrip("/")),
        20,
        f"landing on {next_path}",
    )


def move_order(kitchen: WebDriver, number: str, status: str) -> None:
    selector = f'article[data-order-number="{number}"] [data-next-status="{status}"]'
    wait_for(
        kitchen, lambda d: d.find_elements(By.CSS_SELECTOR, selector), 20, f"the {status} button of #{number}"
    )
    kitchen.find_element(By.CSS_SELECTOR, selector).click()
    wait_for(
        kitchen, lambda d: not d.find_elements(By.CSS_SELECTOR, selector), 20, f"#{number} to leave its step"
    )


def test_staff_mark_an_order_ready_and_the_guest_sees_it_in_the_open_chat(stack: Stack, browser, shot):
    customer = create_user(stack, "grace")
    create_user(stack, "chef", staff=True)
    log_in(browser, stack, "grace", "/chat/")
    chat = ChatPage(browser)
    assert browser.find_elements(By.PARTIAL_LINK_TEXT, "Log out"), "the chat shows the guest is signed in"
    chat.say("one tomato soup please", expect="(?i)size|Added")
    if "Added" not in "\n".join(bot_texts(browser)):
        chat.say("regular", expect="Added 1 × Tomato Soup")
    chat.say("checkout", expect="pickup or delivery")
    chat.say("pickup", expect="(?i)when")
    chat.say("asap", expect="(?i)pay")
    chat.say("I'll pay at the counter", expect=r"Shall I place this order")
    placed = chat.say(click="Yes", expect=r"Order #\d+ is placed")
    number = re.search(r"Order #(\d+) is placed", placed).group(1)
    linked = stack.orm(
        f"from apps.ordering.models import Order; print(Order.objects.get(number='{number}').customer.public_id)"
    )
    assert linked.strip() == customer

    kitchen = new_driver()
    try:
        log_in(kitchen, stack, "chef", "/kitchen/")
        wait_for(
            kitchen,
            lambda d: d.find_elements(By.CSS_SELECTOR, f'article[data-order-number="{number}"]'),
            20,
            f"order #{number} on the kitchen page",
        )
        assert (
            "Tomato Soup"
            in kitchen.find_element(By.CSS_SELECTOR, f'article[data-order-number="{number}"]').text
        )
        shot(kitchen, "kitchen-1-new-order")
        for status in ("confirmed", "preparing", "ready"):
            move_order(kitchen, number, status)
        shot(kitchen, "kitchen-2-ready")
    finally:
        kitchen.quit()

    wait_for(
        browser,
        lambda d: any(f"Your order #{number} is ready for pickup" in text for text in bot_texts(d)),
        30,
        "the pushed status message",
    )
    shot(browser, "chat-6-status-pushed")
    assert js_errors(browser) == []
