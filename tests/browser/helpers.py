"""Helpers shared by the browser tests: waiting, reading the transcript, typing."""

from __future__ import annotations

from collections.abc import Callable

from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait


def wait_for(
    driver: WebDriver, condition: Callable[[WebDriver], object], timeout: float = 20, message: str = ""
):
    try:
        # the staff page redraws its cards every second: an element read just as it is replaced is
        # stale, and the condition is simply asked again at the next poll
        return WebDriverWait(
            driver,
            timeout,
            poll_frequency=0.1,
            ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
        ).until(condition)
    except TimeoutException:
        raise AssertionError(
            f"timed out waiting for {message or condition}; the chat shows:\n" + "\n".join(transcript(driver))
        ) from None


def _bubbles(driver: WebDriver, selector: str) -> list[str]:
    texts = driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(function (b) {"
        "  var c = b.cloneNode(true); c.querySelectorAll('.rc-sr').forEach(function (s) { s.remove(); });"
        "  return c.textContent; });",
        selector,
    )
    return [text.strip() for text in texts]


def bot_texts(driver: WebDriver) -> list[str]:
    return _bubbles(driver, ".rc-msg.rc-bot:not(.rc-pending) .rc-bubble")


def user_texts(driver: WebDriver) -> list[str]:
    return _bubbles(driver, ".rc-msg.rc-user .rc-bubble")


def transcript(driver: WebDriver) -> list[str]:
    return (
        driver.execute_script(
            "return Array.from(document.querySelectorAll('.rc-msg')).map(function (m) {"
            "  return (m.classList.contains('rc-user') ? 'guest> ' : 'bot> ') + m.textContent; });"
        )
        or []
    )


def type_message(driver: WebDriver, text: str) -> None:
    field = driver.find_element(By.CSS_SELECTOR, ".rc-input")
    field.clear()
    field.send_keys(text + "\n")  # Enter sends


def console_errors(driver: WebDriver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
