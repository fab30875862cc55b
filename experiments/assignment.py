"""Sticky, deterministic assignment of units (conversations or customers) to arms."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from experiments.config import Experiment, ExperimentRegistry


def unit_hash(experiment_name: str, unit_id: str) -> float:
    """sha256 of "<experiment>:<unit id>" as a uniform float in [0, 1)."""
    digest = hashlib.sha256(f"{experiment_name}:{unit_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def assign(experiment: Experiment, unit_id: str) -> str | None:
    """The arm for a NEW unit: the hash against the cumulative weights of the active arms.

    Deterministic (same experiment and id -> same arm). Stopped arms are left out, so their weight
    is shared in proportion by the others. None when no arm is active.
    """
    arms = experiment.active_arms
    total = sum(a.weight for a in arms)
    if not arms or total <= 0:
        return None
    point = unit_hash(experiment.name, str(unit_id)) * total
    cumulative = 0.0
    for arm in arms:
        cumulative += arm.weight
        if point < cumulative:
            return arm.name
    return arms[-1].name  # float rounding at the top end


def arms_for(
    registry: ExperimentRegistry,
    unit_id: str,
    already: Mapping[str, str] | None = None,
    *,
    customer_id: str | None = None,
) -> dict[str, str]:
    """{experiment name: arm name} for this unit.

    Earlier assignments in ``already`` (the ``experiment_arms`` slot) are kept as they are, even if
    weights changed or the arm was stopped since (sticky); enabled experiments not yet in
    ``already`` are assigned; disabled experiments are skipped for new units. Entries of
    ``already`` for experiments no longer declared are kept too, so the record stays complete.

    ``unit_id`` is the conversation (sender) id. Experiments with ``unit: customer`` hash
    ``customer_id`` instead when it is given (a logged-in customer then sees the same arm in every
    conversation), else fall back to ``unit_id``.
    """
    result: dict[str, str] = dict(already or {})
    for exp in registry.enabled():
        if exp.name in result:
            continue
        key = customer_id if exp.unit == "customer" and customer_id else unit_id
        arm = assign(exp, key)
        if arm is not None:
            result[exp.name] = arm
    return result


def changes_for(registry: ExperimentRegistry, arms: Mapping[str, str]) -> dict[str, Any]:
    """Merge the chosen arms' ``changes`` (in experiments.yml order; later ones win on a clash).

    Only enabled, still declared experiments and arms contribute: disabling an experiment returns
    everyone to the default behaviour. A stopped arm's units keep its changes.
    """
    merged: dict[str, Any] = {}
    for exp in registry.enabled():
        arm = exp.arm(arms.get(exp.name, "")) if exp.name in arms else None
        if arm is not None:
            merged.update(arm.changes)
    return merged
