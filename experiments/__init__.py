"""A/B experiments: declared in experiments.yml, sticky assignment, outcomes from the tracker store, report.

Pure Python: knows nothing of Rasa's runtime. The action server calls

    from experiments import ExperimentRegistry, arms_for, changes_for
    registry = ExperimentRegistry("experiments.yml")          # once, at import
    arms = arms_for(registry, unit_id, already=tracker.get_slot("experiment_arms") or {})
    changes = changes_for(registry, arms)                     # e.g. {"recommendation_count": 2}

and stores ``arms`` in the slot ``experiment_arms`` so outcomes can be joined to arms
(``python -m experiments report``).

Stopping an arm: add it to ``stopped_arms`` in experiments.yml. The registry re-reads the file when
its mtime changes; a stopped arm gets no new units (the hash is mapped onto the remaining arms'
cumulative weights, so their shares grow in proportion), while units already assigned keep their arm
because ``arms_for`` never re-assigns an experiment present in ``already`` (the slot value).
"""

from experiments.assignment import arms_for, assign, changes_for, unit_hash
from experiments.config import Arm, ConfigError, Experiment, ExperimentRegistry, load_experiments

__all__ = [
    "Arm",
    "ConfigError",
    "Experiment",
    "ExperimentRegistry",
    "arms_for",
    "assign",
    "changes_for",
    "load_experiments",
    "unit_hash",
]
