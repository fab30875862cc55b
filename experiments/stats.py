"""Statistics for the report: Wilson intervals, the difference between two arms, sample sizes."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import fisher_exact, norm

SMALL_EXPECTED_COUNT = 5


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion; (0, 1) when n == 0."""
    if n <= 0:
        return 0.0, 1.0
    z = norm.ppf(1 - (1 - confidence) / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))


@dataclass(frozen=True)
class Comparison:
    difference: float  # rate of arm B minus rate of arm A (absolute)
    p_value: float
    test: str  # "fisher", "z-test" or "none"


def expected_counts(c1: int, n1: int, c2: int, n2: int) -> list[float]:
    """Expected cell counts of the 2x2 table (converted / not, per arm) under no difference."""
    total = n1 + n2
    if total == 0:
        return [0.0] * 4
    pooled = (c1 + c2) / total
    return [n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled)]


def compare(c1: int, n1: int, c2: int, n2: int) -> Comparison:
    """Arm B (c2/n2) against arm A (c1/n1), two-sided.

    Fisher's exact test when any expected cell count is below 5, else the two-proportion z-test
    (statsmodels' proportions_ztest, pooled variance).
    """
    if n1 <= 0 or n2 <= 0:
        return Comparison(float("nan"), float("nan"), "none")
    diff = c2 / n2 - c1 / n1
    if min(expected_counts(c1, n1, c2, n2)) < SMALL_EXPECTED_COUNT:
        _, p = fisher_exact([[c1, n1 - c1], [c2, n2 - c2]], alternative="two-sided")
        return Comparison(diff, float(p), "fisher")
    from statsmodels.stats.proportion import proportions_ztest

    _, p = proportions_ztest([c2, c1], [n2, n1], alternative="two-sided")
    return Comparison(diff, float(p), "z-test")


def sample_size_per_arm(
    baseline: float, minimum_effect: float, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Units per arm to detect an absolute change of ``minimum_effect`` from ``baseline``
    (two-sided, equal arms; Cohen's h via proportion_effectsize and NormalIndPower)."""
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    if minimum_effect <= 0:
        raise ValueError("minimum_effect must be positive")
    target = baseline + minimum_effect
    if target > 1:  # detect a drop instead
        target = baseline - minimum_effect
    if not 0 <= target <= 1:
        raise ValueError("baseline +/- minimum_effect must lie in [0, 1]")
    h = abs(proportion_effectsize(target, baseline))
    n = NormalIndPower().solve_power(
        effect_size=h, alpha=alpha, power=power, ratio=1.0, alternative="two-sided"
    )
    return math.ceil(n)
