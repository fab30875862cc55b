"""Experiments declared in a YAML file; ExperimentRegistry re-reads it when its mtime changes."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

UNITS = ("conversation", "customer")


class ConfigError(ValueError):
    """experiments.yml is malformed."""


@dataclass(frozen=True)
class Arm:
    name: str
    weight: float = 1.0
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Experiment:
    name: str
    arms: tuple[Arm, ...]
    unit: str = "conversation"
    enabled: bool = True
    stopped_arms: frozenset[str] = frozenset()
    minimum_effect: float = 0.05
    planned_per_arm: int | None = None

    @property
    def arm_names(self) -> list[str]:
        return [arm.name for arm in self.arms]

    @property
    def active_arms(self) -> tuple[Arm, ...]:
        """Arms that take new units: not stopped and with a positive weight."""
        return tuple(a for a in self.arms if a.name not in self.stopped_arms and a.weight > 0)

    def arm(self, name: str) -> Arm | None:
        return next((a for a in self.arms if a.name == name), None)


def _parse_experiment(raw: Any) -> Experiment:
    if not isinstance(raw, dict) or not raw.get("name"):
        raise ConfigError(f"each experiment needs a name: {raw!r}")
    name = str(raw["name"])
    unit = str(raw.get("unit", "conversation"))
    if unit not in UNITS:
        raise ConfigError(f"experiment {name}: unit must be one of {UNITS}, not {unit!r}")
    arms = []
    for a in raw.get("arms") or []:
        if not isinstance(a, dict) or not a.get("name"):
            raise ConfigError(f"experiment {name}: each arm needs a name: {a!r}")
        weight = float(a.get("weight", 1))
        if weight < 0:
            raise ConfigError(f"experiment {name}: arm {a['name']} has a negative weight")
        changes = a.get("changes") or {}
        if not isinstance(changes, dict):
            raise ConfigError(f"experiment {name}: arm {a['name']} changes must be a mapping")
        arms.append(Arm(name=str(a["name"]), weight=weight, changes=dict(changes)))
    if len(arms) < 2:
        raise ConfigError(f"experiment {name}: needs at least two arms")
    names = [a.name for a in arms]
    if len(set(names)) != len(names):
        raise ConfigError(f"experiment {name}: arm names must be unique")
    stopped = frozenset(str(s) for s in (raw.get("stopped_arms") or []))
    unknown = stopped - set(names)
    if unknown:
        raise ConfigError(f"experiment {name}: unknown stopped arms {sorted(unknown)}")
    planned = raw.get("planned_per_arm")
    return Experiment(
        name=name,
        arms=tuple(arms),
        unit=unit,
        enabled=bool(raw.get("enabled", True)),
        stopped_arms=stopped,
        minimum_effect=float(raw.get("minimum_effect", 0.05)),
        planned_per_arm=int(planned) if planned is not None else None,
    )


def load_experiments(path: str | os.PathLike[str]) -> dict[str, Experiment]:
    """Parse the file into {name: Experiment}, in file order. Raises ConfigError."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ConfigError("experiments.yml must be a mapping with an 'experiments' list")
    result: dict[str, Experiment] = {}
    for raw in data.get("experiments") or []:
        exp = _parse_experiment(raw)
        if exp.name in result:
            raise ConfigError(f"duplicate experiment {exp.name}")
        result[exp.name] = exp
    return result


class ExperimentRegistry:
    """The declared experiments, re-read when the file's mtime (or size) changes.

    A missing file means no experiments. A file that fails to parse keeps the last good version
    (``last_error`` says why), so a typo while editing never breaks running conversations.
    """

    def __init__(self, path: str | os.PathLike[str] = "experiments.yml") -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._experiments: dict[str, Experiment] = {}
        self.last_error: str | None = None
        self._refresh()

    def _refresh(self) -> None:
        try:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        with self._lock:
            if stamp == self._stamp:
                return
            if stamp is None:
                self._experiments, self._stamp, self.last_error = {}, None, None
                return
            try:
                self._experiments = load_experiments(self.path)
                self.last_error = None
            except (ConfigError, yaml.YAMLError, OSError) as exc:
                self.last_error = str(exc)
            self._stamp = stamp

    def experiments(self) -> dict[str, Experiment]:
        """All declared experiments (enabled or not), current as of the file's mtime."""
        self._refresh()
        return dict(self._experiments)

    def enabled(self) -> list[Experiment]:
        return [e for e in self.experiments().values() if e.enabled]

    def get(self, name: str) -> Experiment | None:
        return self.experiments().get(name)
