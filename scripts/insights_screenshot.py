"""Saves docs/images/insights.png: the owner's page (/insights/) in headless Chromium.

    .venv/bin/python -m scripts.insights_screenshot [out.png]

Runs the backend on a free port against a temporary database and a copy of the insights test fixture
tracker store (written by Rasa's SQLTrackerStore), with a few chat orders on the fixture's days.
Nothing in the repository except the PNG is written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BACKEND = ROOT / "backend"
FIXTURE = BACKEND / "apps" / "insights" / "tests" / "fixtures" / "tracker.db"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
RANGE = "from=2025-11-12&to=2025-11-25"

SEED = """
import datetime as dt
from decimal import Decimal
from django.contrib.auth.models import Permission, User
from django.utils import timezone
from apps.ordering.models import Cart, Order
u = User.objects.create_user("olga", password="olga-pw-2026", is_staff=True)
u.user_permissions.add(Permission.objects.get(codename="view_insights"))
for n, (conv, total, when) in enumerate([("ins-full", "24.50", "2025-11-24T17:00"), ("ins-reco", "5.50", "2025-11-24T18:00"),
                                         ("ins-day2", "11.00", "2025-11-25T10:00")]):
    cart = Cart.objects.create(conversation_id=conv, channel="rest", status="ordered")
    o = Order.objects.create(idempotency_key=f"shot-{n}", request_fingerprint="f", cart=cart, fulfilment="pickup",
                             subtotal=Decimal(total), total=Decimal(total), conversation_id=conv,
                             cancellable_until=timezone.now())
    Order.objects.filter(pk=o.pk).update(created_at=dt.datetime.fromisoformat(when).replace(tzinfo=dt.timezone.utc))
"""


def main(out: Path) -> None:
    from selenium.webdriver.common.by import By

    from tests.browser.conftest import new_driver
    from tests.stack import free_port, terminate, wait_until_up

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        shutil.copy(FIXTURE, tmp_path / "tracker.db")
        env = dict(
            os.environ,
            SQLITE_PATH=str(tmp_path / "backend.sqlite3"),
            DJANGO_DEBUG="1",
            TRACKER_DATABASE_URL=f"sqlite:///{tmp_path / 'tracker.db'}",
            LOG_LEVEL="WARNING",
        )
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=BACKEND, env=env, check=True)
        subprocess.run([PYTHON, "manage.py", "shell", "-c", SEED], cwd=BACKEND, env=env, check=True)
        port = free_port()
        log = tmp_path / "server.log"
        server = subprocess.Popen(
            [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=BACKEND,
            env=env,
            stdout=open(log, "w"),  # noqa: SIM115 (the server writes to it until stopped)
            stderr=subprocess.STDOUT,
        )
        driver = None
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/admin/login/", server, "backend", 60, log)
            driver = new_driver(1280, 2150)
            driver.get(f"{base}/admin/login/?next=/insights/%3F{RANGE.replace('&', '%26')}")
            driver.find_element(By.NAME, "username").send_keys("olga")
            driver.find_element(By.NAME, "password").send_keys("olga-pw-2026")
            driver.find_element(By.CSS_SELECTOR, "[type=submit]").click()
            driver.get(f"{base}/insights/?{RANGE}")
            time.sleep(1.0)  # let Chart.js draw (animations are off)
            if not driver.execute_script("return typeof Chart !== 'undefined'"):
                raise SystemExit("Chart.js did not load")
            out.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(out))
            print(f"saved {out}")
        finally:
            if driver:
                driver.quit()
            terminate(server, timeout=10)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog=" ".join(__doc__.split("\n\n")[2:]).replace("\n", " ")
    )
    parser.add_argument(
        "out",
        nargs="?",
        type=Path,
        default=ROOT / "docs" / "images" / "insights.png",
        help="where the PNG goes (default: docs/images/insights.png)",
    )
    main(parser.parse_args().out)
