"""The review tool's outputs in Rasa's hands: conversations saved as tests pass `rasa test core
--fail-on-prediction-errors` with the repository's trained model, and the exported NLU examples keep
`rasa data validate` passing.

The conversations saved are ones this bot really has: stories of tests/conversations (which make test
checks the same way), stored by Rasa's SQLTrackerStore (tests/review/stories_to_tracker.py), one with
personal data in a message. The hand-written fixture (backend/apps/review/tests/fixtures/tracker.db)
gives the NLU candidates; its conversations are not this bot's dialogue (a cart opened with no order
form, a checkout that places at once), so they are not played through the model. All in a temp dir.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
FIXTURE = ROOT / "backend" / "apps" / "review" / "tests" / "fixtures" / "tracker.db"

# (stories file, story, sender id; "+pii": personal data added to its first message)
REAL = [
    (
        "tests/conversations/test_checkout.yml",
        "pickup checkout with an explicit yes places the order",
        "review-real-checkout+pii",
    ),
    (
        "tests/conversations/test_ordering.yml",
        "two dishes in one message are taken one after the other",
        "review-real-two-dishes",
    ),
    ("tests/conversations/test_cart.yml", "start over, confirmed", "review-real-start-over"),
]

SAVE_TESTS = r"""
from apps.review.tracker import load_conversation
from apps.review.stories import save_test
for sender in ("review-real-checkout", "review-real-two-dishes", "review-real-start-over"):
    print(save_test(sender, load_conversation(sender)))
"""

SCRIPT = r"""
import json
from apps.review.models import NLUDecision, TurnCorrection
from apps.review.tracker import load_conversation
from apps.review.exporting import export_all
from apps.review import nlu
items = load_conversation("guest-lowconf")
user = [i for i in items if i["kind"] == "user"]
TurnCorrection.objects.create(sender_id="guest-lowconf", event_id=user[1]["id"], intent="human_handoff", entities=[])
ids = {c["text"]: c["event_id"] for c in nlu.candidates()}
nlu.decide([ids["two margheritas please, mail me at anna.smith@example.com"], ids["add a coke"]], "validate", "")
nlu.decide([ids["blorp the zingle"]], "out_of_scope", "")
print(json.dumps(export_all()))
"""


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("review")
    shutil.copy(FIXTURE, tmp / "tracker.db")
    data = tmp / "data"
    shutil.copytree(ROOT / "data", data)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp),
        "SQLITE_PATH": str(tmp / "backend.sqlite3"),
        "TRACKER_DATABASE_URL": f"sqlite:///{tmp / 'tracker.db'}",
        "REVIEW_TESTS_DIR": str(tmp / "conversations"),
        "REVIEW_NLU_EXPORT_FILE": str(data / "nlu" / "reviewed.yml"),
        "REVIEW_NLU_DIR": str(data / "nlu"),
        "REVIEW_LLM_EVAL_FILE": str(tmp / "llm_eval.jsonl"),
        "REVIEW_GROUPING": "none",
        "LOG_LEVEL": "WARNING",
    }
    python = str(ROOT / ".venv" / "bin" / "python")
    backend = ROOT / "backend"
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=backend, env=env, check=True)
    done = subprocess.run(
        [python, "manage.py", "shell", "-c", SCRIPT],
        cwd=backend,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    print(done.stdout)
    if RASA_PYTHON.exists():
        real = tmp / "real-tracker.db"
        subprocess.run(
            [
                str(RASA_PYTHON),
                "-m",
                "tests.review.stories_to_tracker",
                str(real),
                *(f"{path}::{story}={sender}" for path, story, sender in REAL),
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        done = subprocess.run(
            [python, "manage.py", "shell", "-c", SAVE_TESTS],
            cwd=backend,
            check=True,
            env={**env, "TRACKER_DATABASE_URL": f"sqlite:///{real}"},
            capture_output=True,
            text=True,
        )
        print(done.stdout)
    return tmp


needs_rasa = pytest.mark.skipif(not RASA.exists(), reason="no .venv-rasa")


@needs_rasa
@pytest.mark.skipif(not list((ROOT / "models").glob("*.tar.gz")), reason="no trained model in models/")
def test_rasa_test_core_accepts_saved_conversations(outputs):
    stories = sorted((outputs / "conversations").glob("test_review_*.yml"))
    assert len(stories) == len(REAL)
    text = (outputs / "conversations" / "test_review_review-real-checkout.yml").read_text()
    assert "checkout please" in text and "anna.smith" not in text and "7946" not in text
    for story in stories:
        out = outputs / ("results-" + story.stem)
        run = subprocess.run(
            [
                str(RASA),
                "test",
                "core",
                "--stories",
                str(story),
                "--model",
                "models",
                "--out",
                str(out),
                "--fail-on-prediction-errors",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert (out / "story_report.json").exists() or list(out.iterdir())


@needs_rasa
def test_rasa_data_validate_passes_with_exported_examples(outputs):
    reviewed = yaml.safe_load((outputs / "data" / "nlu" / "reviewed.yml").read_text())
    intents = {b["intent"] for b in reviewed["nlu"]}
    assert {"order_item", "out_of_scope"} <= intents
    run = subprocess.run(
        [
            str(RASA),
            "data",
            "validate",
            "--data",
            str(outputs / "data"),
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
