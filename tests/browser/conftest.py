"""Headless Chromium (Debian's package, scripts/install_browser.sh) driven by Selenium.

The driver is /usr/bin/chromedriver, given explicitly: Selenium Manager never downloads anything
(SE_OFFLINE=true). Screenshots go to results/browser/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ["SE_OFFLINE"] = "true"  # before selenium is imported: no Selenium Manager downloads

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

ROOT = Path(__file__).resolve().parent.parent.parent
RESULTS = ROOT / "results" / "browser"
CHROMEDRIVER = Path(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real headless browser (tests/browser)")


def new_driver(width: int = 1280, height: int = 900, *, mobile: bool = False) -> WebDriver:
    if not CHROMEDRIVER.exists():
        pytest.skip(f"{CHROMEDRIVER} missing: run scripts/install_browser.sh (make test does)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-extensions",
        "--no-first-run",
        "--lang=en-US",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    if mobile:  # a desktop window cannot be narrower than 500 px: emulate the phone's screen instead
        options.add_experimental_option(
            "mobileEmulation",
            {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2, "touch": True}},
        )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    driver = new_driver()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def phone() -> Iterator[WebDriver]:
    """A phone-sized window: 360 CSS pixels wide."""
    driver = new_driver(360, 740, mobile=True)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def shot() -> Callable[[WebDriver, str], Path]:
    RESULTS.mkdir(parents=True, exist_ok=True)

    def save(driver: WebDriver, name: str) -> Path:
        path = RESULTS / f"{name}.png"
        driver.save_screenshot(str(path))
        return path

    return save
