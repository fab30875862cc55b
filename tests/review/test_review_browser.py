"""A reviewer in headless Chromium: logs in, filters to low-confidence conversations, opens one, corrects
an intent and an entity, saves it as a test, validates a group in the NLU inbox and exports. Then
`rasa test core` accepts the saved test and `rasa data validate` passes with the exported examples.

The backend runs on a free port against a copy of the fixture tracker store (written by Rasa's own
SQLTrackerStore); every output goes to a temp dir, and the tracker file is unchanged at the end.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.stack import free_port, terminate, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "backend" / "apps" / "review" / "tests" / "fixtures" / "tracker.db"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
PYTHON = str(ROOT / ".venv" / "bin" / "python")

pytestmark = pytest.mark.browser

CREATE_REVIEWER = """
from django.contrib.auth.models import Permission, User
u = User.objects.create_user("rita", password="rita-pw-2026", is_staff=True)
u.user_permissions.add(Permission.objects.get(codename="reviewer"))
"""


@pytest.fixture
def backend(tmp_path):
    shutil.copy(FIXTURE, tmp_path / "tracker.db")
    shutil.copytree(ROOT / "data", tmp_path / "data")
    env = dict(
        os.environ,
        SQLITE_PATH=str(tmp_path / "backend.sqlite3"),
        TRACKER_DATABASE_URL=f"sqlite:///{tmp_path / 'tracker.db'}",
        REVIEW_TESTS_DIR=str(tmp_path / "conversations"),
        REVIEW_NLU_DIR=str(tmp_path / "data" / "nlu"),
        REVIEW_NLU_EXPORT_FILE=str(tmp_path / "data" / "nlu" / "reviewed.yml"),
        REVIEW_LLM_EVAL_FILE=str(tmp_path / "llm_eval.jsonl"),
        LOG_LEVEL="WARNING",
    )
    cwd = ROOT / "backend"
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=cwd, env=env, check=True)
    subprocess.run([PYTHON, "manage.py", "shell", "-c", CREATE_REVIEWER], cwd=cwd, env=env, check=True)
    port = free_port()
    log = tmp_path / "server.log"
    proc = subprocess.Popen(
        [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=cwd,
        env=env,
        stdout=open(log, "w"),  # noqa: SIM115 (the server writes to it until stopped)
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/admin/login/", proc, "backend", 60, log)
        yield f"http://127.0.0.1:{port}", tmp_path
    finally:
        terminate(proc, timeout=10)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_reviewer_loop_in_the_browser(backend):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from tests.browser.conftest import new_driver
    from tests.browser.helpers import wait_for

    url, tmp = backend
    before = sha(tmp / "tracker.db")
    driver = new_driver()
    try:
        driver.get(f"{url}/review/")
        assert "/admin/login/" in driver.current_url
        driver.find_element(By.ID, "id_username").send_keys("rita")
        driver.find_element(By.ID, "id_password").send_keys("rita-pw-2026", Keys.ENTER)
        wait_for(driver, lambda d: d.find_elements(By.ID, "conversations"), 20, "the inbox")

        box = driver.find_element(By.ID, "conf_below")
        box.clear()
        box.send_keys("0.5")
        driver.find_element(By.ID, "apply").click()
        wait_for(driver, lambda d: "conf_below=0.5" in d.current_url, 10, "the filtered inbox")
        links = {a.text: a for a in driver.find_elements(By.CSS_SELECTOR, "a.open")}
        assert set(links) == {"guest-lowconf", "guest-llm"}
        assert "anna.smith" not in driver.page_source
        links["guest-llm"].click()
        wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "form.correct"), 10, "the conversation")
        assert "LLM-written" in driver.page_source

        turn = driver.find_elements(By.CSS_SELECTOR, ".turn.user")[0]
        intent = turn.find_element(By.CSS_SELECTOR, ".intent-field")
        intent.clear()
        intent.send_keys("ask_item_details")
        driver.execute_script(
            """
            var el = arguments[0].querySelector('.text'), node = el.firstChild, text = node.textContent;
            var i = text.indexOf('eggs'), r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 4);
            var s = window.getSelection(); s.removeAllRanges(); s.addRange(r);""",
            turn,
        )
        turn.find_element(By.CSS_SELECTOR, ".entity-name").send_keys("allergen")
        driver.execute_script("arguments[0].click()", turn.find_element(By.CSS_SELECTOR, ".add-entity"))
        turn.find_element(By.CSS_SELECTOR, ".save-correction").click()
        wait_for(driver, lambda d: "corrected, was ask_faq" in d.page_source, 10, "the correction")

        driver.find_element(By.ID, "save-test").click()
        wait_for(driver, lambda d: d.find_elements(By.ID, "saved"), 10, "the saved test")
        saved = tmp / "conversations" / "test_review_guest-llm.yml"
        story = yaml.safe_load(saved.read_text())["stories"][0]["steps"]
        assert story[0]["intent"] == "ask_item_details"
        assert "[eggs](allergen)" in story[0]["user"] and "[tiramisu](dish)" in story[0]["user"]

        driver.get(f"{url}/review/nlu/")
        group = next(g for g in driver.find_elements(By.CSS_SELECTOR, ".group") if "add a coke" in g.text)
        group.find_element(By.CSS_SELECTOR, ".pick-group").click()
        driver.find_element(By.TAG_NAME, "body").send_keys("v")  # the validate shortcut
        wait_for(
            driver, lambda d: "add a coke" not in d.page_source, 20, "the validated group to leave the inbox"
        )
        driver.find_element(By.ID, "export").click()
        wait_for(driver, lambda d: d.find_elements(By.ID, "export-result"), 20, "the export")
        assert "1 NLU example(s) added" in driver.find_element(By.ID, "export-result").text
    finally:
        driver.quit()

    reviewed = (tmp / "data" / "nlu" / "reviewed.yml").read_text()
    assert "- add a [coke](dish)" in reviewed
    assert sha(tmp / "tracker.db") == before  # the review never wrote to the tracker store

    if RASA.exists():
        run = subprocess.run(
            [
                str(RASA),
                "data",
                "validate",
                "--data",
                str(tmp / "data"),
                "--domain",
                "domain.yml",
                "--config",
                "config.yml",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        if list((ROOT / "models").glob("*.tar.gz")):
            run = subprocess.run(
                [
                    str(RASA),
                    "test",
                    "core",
                    "--stories",
                    str(saved),
                    "--model",
                    "models",
                    "--out",
                    str(tmp / "results"),
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
