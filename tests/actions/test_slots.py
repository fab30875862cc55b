"""actions/slots.py names exactly the slots domain.yml declares: every constant is a slot there, and
every slot there has a constant (Rasa's own requested_slot aside)."""

from __future__ import annotations

from pathlib import Path

import yaml

from actions import slots

DOMAIN_SLOTS = set(yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())["slots"])
CONSTANTS = {name: value for name, value in vars(slots).items() if name.isupper() and isinstance(value, str)}


def test_every_constant_is_a_slot_in_the_domain() -> None:
    declared = {name: value for name, value in CONSTANTS.items() if value != slots.REQUESTED_SLOT}
    assert {name: value for name, value in declared.items() if value not in DOMAIN_SLOTS} == {}


def test_every_slot_in_the_domain_has_a_constant() -> None:
    assert DOMAIN_SLOTS - set(CONSTANTS.values()) == set()


def test_each_constant_is_its_slot_name_in_capitals() -> None:
    assert all(name == value.upper() for name, value in CONSTANTS.items())
