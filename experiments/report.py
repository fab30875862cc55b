"""The experiment report: per experiment and arm, outcomes, intervals, tests, sample sizes, a chart."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from statistics import mean

from experiments.config import Experiment
from experiments.outcomes import ConversationOutcome
from experiments.stats import Comparison, compare, sample_size_per_arm, wilson_interval

DEFAULT_BASELINE = 0.10  # used for the sample size when the first arm has no data yet
PEEKING_WARNING = "peeking inflates false positives: don't stop early"


@dataclass
class ArmResult:
    name: str
    n: int
    conversions: int
    conversion: float
    interval: tuple[float, float]
    mean_order_value: Decimal | None
    handoff_rate: float
    fallback_rate: float
    mean_turns_to_order: float | None
    mean_llm_cost_usd: float
    stopped: bool = False
    comparison: Comparison | None = None  # against the first arm; None for the first arm


@dataclass
class ExperimentResult:
    experiment: Experiment
    arms: list[ArmResult]
    baseline: float
    needed_per_arm: int
    warnings: list[str] = field(default_factory=list)


def _arm_result(name: str, convs: list[ConversationOutcome], stopped: bool) -> ArmResult:
    n = len(convs)
    conversions = sum(c.converted for c in convs)
    values = [c.order_value for c in convs if c.converted and c.order_value is not None]
    turns = [c.turns_to_order for c in convs if c.turns_to_order is not None]
    user_turns = sum(c.user_turns for c in convs)
    return ArmResult(
        name=name,
        n=n,
        conversions=conversions,
        conversion=conversions / n if n else 0.0,
        interval=wilson_interval(conversions, n),
        mean_order_value=(sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))
        if values
        else None,
        handoff_rate=sum(c.handoff for c in convs) / n if n else 0.0,
        fallback_rate=sum(c.fallback_turns for c in convs) / user_turns if user_turns else 0.0,
        mean_turns_to_order=mean(turns) if turns else None,
        mean_llm_cost_usd=sum(c.llm_cost_usd for c in convs) / n if n else 0.0,
        stopped=stopped,
    )


def analyse(experiment: Experiment, outcomes: Iterable[ConversationOutcome]) -> ExperimentResult:
    """Group the conversations assigned to this experiment by arm and compare each arm to the first."""
    by_arm: dict[str, list[ConversationOutcome]] = {name: [] for name in experiment.arm_names}
    unknown = 0
    for conv in outcomes:
        arm = conv.arms.get(experiment.name)
        if arm is None:
            continue
        if arm in by_arm:
            by_arm[arm].append(conv)
        else:
            unknown += 1
    arms = [_arm_result(name, convs, name in experiment.stopped_arms) for name, convs in by_arm.items()]
    first = arms[0]
    for arm in arms[1:]:
        arm.comparison = compare(first.conversions, first.n, arm.conversions, arm.n)
    baseline = first.conversion if first.n and 0 < first.conversion < 1 else DEFAULT_BASELINE
    needed = sample_size_per_arm(baseline, experiment.minimum_effect)
    warnings = []
    planned = experiment.planned_per_arm
    if planned is None:
        planned = needed
    short = [a for a in arms if a.n < planned and not a.stopped]
    if short:
        names = ", ".join(f"{a.name} ({a.n})" for a in short)
        warnings.append(
            f"WARNING: planned sample size of {planned} per arm not reached by {names}; {PEEKING_WARNING}."
        )
    if experiment.planned_per_arm is not None and experiment.planned_per_arm < needed:
        warnings.append(
            f"WARNING: planned_per_arm {experiment.planned_per_arm} is below the {needed} "
            f"needed to detect {experiment.minimum_effect:.1%} at 80% power."
        )
    if unknown:
        warnings.append(f"note: {unknown} conversation(s) in arms no longer declared were left out.")
    return ExperimentResult(experiment, arms, baseline, needed, warnings)


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec)


def format_result(result: ExperimentResult) -> str:
    exp = result.experiment
    lines = [
        f"Experiment {exp.name} (unit: {exp.unit}{'' if exp.enabled else ', DISABLED'}; "
        f"minimum effect {exp.minimum_effect:.1%}, planned {exp.planned_per_arm or '-'} per arm)"
    ]
    header = (
        f"  {'arm':<14}{'n':>7}{'conv':>7}  {'conversion [95% Wilson]':<26}{'order value':>12}"
        f"{'handoff':>9}{'fallback':>10}{'turns→order':>13}{'LLM $/conv':>12}  vs {result.arms[0].name}"
    )
    lines.append(header)
    for arm in result.arms:
        lo, hi = arm.interval
        conv = f"{arm.conversion:6.1%} [{lo:5.1%}, {hi:5.1%}]"
        if arm.comparison is None:
            vs = "(reference)"
        elif arm.comparison.test == "none":
            vs = "no data"
        else:
            p = arm.comparison.p_value
            p_text = "p<0.0001" if p < 1e-4 else f"p={p:.4f}"
            vs = f"{arm.comparison.difference:+.1%}, {p_text} ({arm.comparison.test})"
        name = arm.name + (" (stopped)" if arm.stopped else "")
        value = f"{arm.mean_order_value}" if arm.mean_order_value is not None else "-"
        lines.append(
            f"  {name:<14}{arm.n:>7}{arm.conversions:>7}  {conv:<26}{value:>12}"
            f"{arm.handoff_rate:>9.1%}{arm.fallback_rate:>10.1%}{_fmt(arm.mean_turns_to_order, '.1f'):>13}"
            f"{arm.mean_llm_cost_usd:>12.4f}  {vs}"
        )
    lines.append(
        f"  needed per arm to detect {exp.minimum_effect:.1%} from a baseline of {result.baseline:.1%} "
        f"(alpha 0.05, power 0.8): {result.needed_per_arm}"
    )
    lines.extend("  " + w for w in result.warnings)
    return "\n".join(lines)


def save_chart(result: ExperimentResult, out_dir: str | Path) -> Path:
    """A PNG of conversion per arm with the Wilson intervals as error bars: <out_dir>/<experiment>.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{result.experiment.name}.png"
    names = [a.name for a in result.arms]
    rates = [a.conversion * 100 for a in result.arms]
    errors = [
        [(a.conversion - a.interval[0]) * 100 for a in result.arms],
        [(a.interval[1] - a.conversion) * 100 for a in result.arms],
    ]
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    try:
        ax.bar(names, rates, yerr=errors, capsize=8, color="#4c78a8")
        for i, arm in enumerate(result.arms):
            ax.annotate(
                f"n={arm.n}",
                (i, 0),
                textcoords="offset points",
                xytext=(0, 4),
                ha="center",
                color="white" if arm.conversion > 0.02 else "black",
                fontsize=9,
            )
        ax.set_ylabel("conversion (%) with 95% Wilson interval")
        ax.set_title(f"Experiment {result.experiment.name}")
        ax.set_ylim(bottom=0)
        fig.tight_layout()
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
    return path


def run_report(
    experiments: Iterable[Experiment], outcomes: list[ConversationOutcome], out_dir: str | Path | None
) -> tuple[str, list[ExperimentResult]]:
    """The report text for all experiments (and their charts when ``out_dir`` is given)."""
    results, blocks = [], []
    for exp in experiments:
        result = analyse(exp, outcomes)
        results.append(result)
        blocks.append(format_result(result))
        if out_dir is not None:
            blocks.append(f"  chart: {save_chart(result, out_dir)}")
    if not blocks:
        blocks.append("No experiments declared.")
    return "\n".join(blocks), results
