"""Comparisons of groups within strata (here: within inspections).

statsmodels' `StratifiedTable` gives the classical Cochran-Mantel-Haenszel test for
2 x 2 x K tables and is used for it. What statsmodels lacks is written here, and each
piece is checked in tests/gaps against an independent computation:

* the exact conditional test for 2 x 2 x K tables (Birch 1964; Mehta, Patel & Gastwirth
  1985; R's `mantelhaen.test(exact = TRUE)`), for when the Mantel-Fleiss criterion says
  the chi-square approximation of the classical test is not safe;
* the CMH mean-score statistic for k groups x K strata with any numeric response
  (Landis, Heyman & Koch 1978). With a yes/no response it is the generalised CMH
  statistic for a k x 2 x K table; with case scores it is the large-sample form of a
  permutation test that shuffles group labels within each inspection.

The tests read the cases through their sums per stratum and group (`Sums`): from parallel
arrays, one element per case (`stratum_sums(x, g, s, k)`: `x` the response, 0/1 or a score, `g`
the group code 0..k-1, `s` the stratum code 0..S-1), or, for a yes/no response, from its counts
alone (`yes_no_sums(n, t)`); `cmh_test` reads 2 x 2 x K tables (`tables_2x2` of the cases, or
`tables_of(sums)`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable

# Mantel & Fleiss (1980): the classical test is trusted when the sum of the expected
# counts of the first cell is at least this far from both ends of its possible range.
MANTEL_FLEISS_MIN = 5.0


@dataclass(frozen=True)
class StratifiedResult:
    test: str  # cmh | cmh_exact | cmh_mean_score
    statistic: float
    dof: int | None
    pvalue: float
    n_strata: int  # strata that carried information (the others are dropped)


Sums = tuple[np.ndarray, np.ndarray, np.ndarray]


def stratum_sums(x: np.ndarray, g: np.ndarray, s: np.ndarray, k: int) -> Sums:
    """Per stratum and group: case counts and response totals; per stratum: sum of squares about its mean.

    What mean_score_test, within_stratum_deviation and mantel_haenszel_difference read of the cases."""
    n_strata = int(s.max()) + 1 if len(s) else 0
    cell = s * k + g
    n = np.bincount(cell, minlength=n_strata * k).reshape(n_strata, k).astype(float)
    t = np.bincount(cell, weights=x, minlength=n_strata * k).reshape(n_strata, k)
    size = n.sum(axis=1)
    mean = np.divide(t.sum(axis=1), size, out=np.zeros(n_strata), where=size > 0)
    ss = np.bincount(s, weights=(x - mean[s]) ** 2, minlength=n_strata)
    return n, t, ss


def yes_no_sums(n: np.ndarray, t: np.ndarray) -> Sums:
    """stratum_sums of a yes/no response from its counts alone: n[s, g] cases, t[s, g] of them yes.

    n and t are those of stratum_sums; a stratum's sum of squares about its mean is yes * no / size,
    which the cases' squared deviations add up to (to the last bits of floating-point rounding)."""
    size, yes = n.sum(axis=1), t.sum(axis=1)
    ss = np.divide(yes * (size - yes), size, out=np.zeros(len(size)), where=size > 0)
    return n, t, ss


def _informative(n: np.ndarray, ss: np.ndarray) -> np.ndarray:
    """Strata with at least two groups present and some variation in the response.

    The others (a zero margin, in table terms) add nothing to the statistic or its
    variance, and a stratum of one case would divide by zero.
    """
    size = n.sum(axis=1)
    return ((n > 0).sum(axis=1) >= 2) & (ss > 1e-12 * np.maximum(size, 1))


def mean_score_test(sums: Sums) -> StratifiedResult:
    """CMH mean-score test that the k groups have the same mean response within strata."""
    n, t, ss = sums
    k = n.shape[1]
    keep = _informative(n, ss)
    n, t, ss = n[keep], t[keep], ss[keep]
    if not keep.any():
        return StratifiedResult("cmh_mean_score", np.nan, None, np.nan, 0)
    size = n.sum(axis=1)
    mean = t.sum(axis=1) / size
    deviation = (t - n * mean[:, None]).sum(axis=0)
    weight = ss / (size - 1)
    # sum over strata of weight * (diag(n_s) - n_s n_s' / size_s): the permutation variance
    variance = np.diag((weight[:, None] * n).sum(axis=0)) - (n * (weight / size)[:, None]).T @ n
    d, v = deviation[: k - 1], variance[: k - 1, : k - 1]
    # The rank, not a failed solve, decides: when the groups fall into sets that never share an
    # informative stratum, or a group is in none, v is singular in exact arithmetic but its floating-
    # point copy usually is not, and a solve would then count k - 1 degrees of freedom. Each set of
    # groups is then tested on its own, and the statistics and degrees of freedom add up (the
    # pseudo-inverse is the inverse when v has full rank).
    dof = int(np.linalg.matrix_rank(v, hermitian=True))
    statistic = float(d @ np.linalg.pinv(v, hermitian=True) @ d)
    if dof == 0:
        return StratifiedResult("cmh_mean_score", np.nan, None, np.nan, int(keep.sum()))
    return StratifiedResult("cmh_mean_score", statistic, dof, float(stats.chi2.sf(statistic, dof)), int(keep.sum()))


def tables_2x2(y: np.ndarray, g: np.ndarray, s: np.ndarray) -> np.ndarray:
    """2 x 2 x K tables (rows: group 0, group 1; columns: yes, no), strata with a zero margin dropped."""
    return tables_of(stratum_sums(y, g, s, 2))


def tables_of(sums: Sums) -> np.ndarray:
    """2 x 2 x K tables (as tables_2x2) of two groups' yes/no cases from their sums (n and t hold whole numbers)."""
    n, t, _ = sums
    yes, cases = t.astype(np.int64), n.astype(np.int64)
    tables = np.stack([yes, cases - yes], axis=2)  # strata x group x (yes, no)
    margins = np.concatenate([tables.sum(axis=2), tables.sum(axis=1)], axis=1)
    return np.moveaxis(tables[(margins > 0).all(axis=1)], 0, 2)


def mantel_fleiss(tables: np.ndarray) -> float:
    """Distance of the expected total of cell [0, 0] from the nearer end of its range."""
    a, b, c, d = tables[0, 0], tables[0, 1], tables[1, 0], tables[1, 1]
    first, yes, size = a + b, a + c, a + b + c + d
    expected = (first * yes / size).sum()
    low = np.maximum(0, first - (b + d)).sum()
    high = np.minimum(first, yes).sum()
    return float(min(expected - low, high - expected))


def exact_conditional_test(tables: np.ndarray) -> tuple[int, float]:
    """Exact conditional test of conditional independence in 2 x 2 x K tables (two-sided).

    Given every stratum's margins, the count in cell [0, 0] of each stratum is
    hypergeometric; their total S has the convolution of those distributions. The
    p-value adds the probabilities of every total no more probable than the one
    observed, as Fisher's test does for one table (and R for K tables).
    """
    a, b, c, d = tables[0, 0], tables[0, 1], tables[1, 0], tables[1, 1]
    first, yes, size = a + b, a + c, a + b + c + d
    low = np.maximum(0, first - (b + d))
    high = np.minimum(first, yes)
    pmf = np.array([1.0])
    for m, n_yes, n_first, lo, hi in zip(size, yes, first, low, high, strict=True):
        pmf = np.convolve(pmf, stats.hypergeom.pmf(np.arange(lo, hi + 1), m, n_yes, n_first))
    observed = int(a.sum())
    p_observed = pmf[observed - int(low.sum())]
    return observed, float(min(1.0, pmf[pmf <= p_observed * (1 + 1e-7)].sum()))


def cmh_test(tables: np.ndarray) -> StratifiedResult:
    """Two groups, yes/no, as 2 x 2 x K tables without zero margins (tables_2x2, tables_of): the
    classical CMH test (statsmodels, no continuity correction), or the exact conditional test when
    the Mantel-Fleiss criterion is not met."""
    n_strata = tables.shape[2]
    if n_strata == 0:
        return StratifiedResult("cmh", np.nan, None, np.nan, 0)
    if mantel_fleiss(tables) >= MANTEL_FLEISS_MIN:
        result = StratifiedTable(tables).test_null_odds(correction=False)
        return StratifiedResult("cmh", float(result.statistic), 1, float(result.pvalue), n_strata)
    statistic, pvalue = exact_conditional_test(tables)
    return StratifiedResult("cmh_exact", float(statistic), None, pvalue, n_strata)


def within_stratum_deviation(sums: Sums) -> np.ndarray:
    """Each group's mean difference from its own stratum's mean: the direction a stratified test sees."""
    n, t, _ = sums
    k = n.shape[1]
    size = n.sum(axis=1)
    mean = np.divide(t.sum(axis=1), size, out=np.zeros(len(size)), where=size > 0)
    count = n.sum(axis=0)
    return np.divide((t - n * mean[:, None]).sum(axis=0), count, out=np.full(k, np.nan), where=count > 0)


def mantel_haenszel_difference(sums: Sums, high: int, low: int) -> float:
    """Difference in mean response of two groups within strata, weighted as Mantel-Haenszel weights
    a risk difference (n_high * n_low / (n_high + n_low)); strata lacking either group carry no weight."""
    n, t, _ = sums
    both = (n[:, high] > 0) & (n[:, low] > 0)
    if not both.any():
        return np.nan
    n_hi, n_lo = n[both, high], n[both, low]
    gap = t[both, high] / n_hi - t[both, low] / n_lo
    weight = n_hi * n_lo / (n_hi + n_lo)
    return float((weight * gap).sum() / weight.sum())
