"""The third-party widget rasa-webchat 1.0.1 (npm; its bundle carries socket.io-client 3, which speaks
Engine.IO 4 like Rasa 3.6's python-socketio 5) on /chat/webchat/, against the live stack."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.helpers import wait_for
from tests.stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def bot_replies(driver) -> list[str]:
    # read in one go: React re-renders the list while messages arrive
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.rw-response')).map(function (e) { return e.textContent; })"
    )


def test_rasa_webchat_completes_a_short_conversation(stack: Stack, browser, shot):
    browser.get(f"{stack.backend_url}/chat/webchat/")
    field = wait_for(
        browser,
        lambda d: [e for e in d.find_elements(By.CSS_SELECTOR, ".rw-new-message") if e.is_enabled()],
        30,
        "rasa-webchat's input",
    )[0]
    wait_for(
        browser,
        lambda d: d.execute_script(
            "var s = localStorage.getItem('chat_session'); return s && JSON.parse(s).session_id;"
        ),
        30,
        "rasa-webchat's session to be confirmed",
    )

    # the embedded widget opens the conversation itself (initPayload /greet), then the guest greets too
    wait_for(browser, lambda d: any("welcome" in r.lower() for r in bot_replies(d)), 30, "the greeting")
    field.send_keys("hi", Keys.ENTER)
    wait_for(
        browser, lambda d: sum("welcome" in r.lower() for r in bot_replies(d)) == 2, 30, "the second greeting"
    )
    assert not any("I can help with" in r for r in bot_replies(browser))  # no empty message was sent

    before = len(bot_replies(browser))
    browser.find_element(By.CSS_SELECTOR, ".rw-new-message").send_keys("show me the desserts", Keys.ENTER)
    wait_for(
        browser, lambda d: any("dessert" in r.lower() for r in bot_replies(d)[before:]), 30, "the desserts"
    )
    replies = "\n".join(bot_replies(browser)[before:])
    with stack.backend() as backend:
        desserts = [
            i["name"]
            for i in backend.get("/api/menu/items/", params={"category": "desserts"}).json()["results"]
        ]
    assert desserts and any(name in replies for name in desserts), replies
    shot(browser, "webchat-desserts")
