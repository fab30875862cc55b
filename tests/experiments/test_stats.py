"""The report's statistics against scipy / statsmodels computed independently here."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from experiments.stats import compare, expected_counts, sample_size_per_arm, wilson_interval


@pytest.mark.parametrize("k, n", [(0, 10), (1, 10), (5, 10), (10, 10), (37, 412), (200, 2000), (1, 1)])
def test_wilson_matches_statsmodels(k: int, n: int) -> None:
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert wilson_interval(k, n) == pytest.approx((lo, hi), abs=1e-12)


def manual_pooled_z(c1: int, n1: int, c2: int, n2: int) -> float:
    p1, p2, pooled = c1 / n1, c2 / n2, (c1 + c2) / (n1 + n2)
    z = (p2 - p1) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return 2 * sps.norm.sf(abs(z))


@pytest.mark.parametrize(
    "c1, n1, c2, n2", [(200, 2000, 300, 2000), (50, 400, 45, 380), (120, 1000, 120, 1000)]
)
def test_large_counts_use_z_test_matching_manual_pooled_z(c1, n1, c2, n2) -> None:
    result = compare(c1, n1, c2, n2)
    assert result.test == "z-test"
    assert result.p_value == pytest.approx(manual_pooled_z(c1, n1, c2, n2), rel=1e-9)
    assert result.p_value == pytest.approx(proportions_ztest([c1, c2], [n1, n2])[1], rel=1e-9)
    assert result.difference == pytest.approx(c2 / n2 - c1 / n1)


@pytest.mark.parametrize(
    "c1, n1, c2, n2", [(1, 10, 4, 10), (0, 30, 3, 30), (2, 100, 7, 100), (28, 30, 30, 30)]
)
def test_small_expected_counts_use_fisher(c1, n1, c2, n2) -> None:
    assert min(expected_counts(c1, n1, c2, n2)) < 5
    result = compare(c1, n1, c2, n2)
    assert result.test == "fisher"
    expected = sps.fisher_exact([[c1, n1 - c1], [c2, n2 - c2]]).pvalue
    assert result.p_value == pytest.approx(expected, rel=1e-12)


def test_no_data_gives_no_test() -> None:
    assert compare(0, 0, 1, 10).test == "none"


@pytest.mark.parametrize("baseline, effect", [(0.10, 0.05), (0.30, 0.02), (0.5, 0.1), (0.98, 0.05)])
def test_sample_size_matches_closed_form(baseline: float, effect: float) -> None:
    target = baseline + effect if baseline + effect <= 1 else baseline - effect
    h = abs(2 * math.asin(math.sqrt(target)) - 2 * math.asin(math.sqrt(baseline)))  # Cohen's h
    z = sps.norm.ppf(0.975) + sps.norm.ppf(0.8)
    expected = 2 * (z / h) ** 2  # per arm, equal arms: Var(2 asin sqrt p) = 1/n, so the difference has 2/n
    n = sample_size_per_arm(baseline, effect)
    # NormalIndPower also counts the (tiny) opposite tail, so it may need one more unit
    assert math.ceil(expected) <= n <= math.ceil(expected) + 1
    assert sample_size_per_arm(0.10, 0.05) == 681  # the textbook figure for 10% -> 15%


def test_power_on_simulated_data_and_false_positive_rate_under_no_effect() -> None:
    rng = np.random.default_rng(12345)
    n = 2000
    a = int(rng.binomial(1, 0.10, n).sum())
    b = int(rng.binomial(1, 0.15, n).sum())
    assert compare(a, n, b, n).p_value < 0.05
    rejections = 0
    trials = 400
    for _ in range(trials):
        a, b = rng.binomial(n, 0.10), rng.binomial(n, 0.10)
        rejections += compare(int(a), n, int(b), n).p_value < 0.05
    assert rejections / trials < 0.09  # about 5 %
