"""The assistant's core (actions/core/) runs without Rasa: importing all of it loads no rasa_sdk module,
so its rules can be used and tested apart from the action server."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import actions.core

CORE_MODULES = sorted(f"actions.core.{module.name}" for module in pkgutil.iter_modules(actions.core.__path__))


def test_the_core_has_the_moved_modules() -> None:
    assert {
        "actions.core.matching",
        "actions.core.formatting",
        "actions.core.pickup_time",
        "actions.core.cart",
        "actions.core.checkout",
        "actions.core.constraints",
        "actions.core.reorder",
    } <= set(CORE_MODULES)


def test_importing_the_core_loads_no_rasa_sdk_module() -> None:
    # a fresh interpreter: this test session has rasa_sdk loaded already
    script = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in CORE_MODULES)
        + "print(sorted(m for m in sys.modules if m == 'rasa_sdk' or m.startswith('rasa_sdk.')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.strip() == "[]", result.stdout
