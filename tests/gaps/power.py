"""Power and false flags of the gap tests across seeds (not a test: run it by hand).

    .venv/bin/python -m tests.gaps.power --seeds 200 --effect 0.8
    .venv/bin/python -m tests.gaps.power --sample --seeds 20

Default: for each seed, a programme at the scale of seed 000 (tests/gaps/synthetic.py)
with a female advantage planted on the desistance area (every question of it), and the
same programme with nothing planted. Prints the share of planted rows found in the right
direction, how often anything else was flagged, and what a pooled-only rule would flag.

--sample: the embedded sample programme (yotbench.sample, yos-2018, 50 inspections) at
other seeds; reports how often each planted area difference (yotbench.sample.PLANTED)
is flagged and how often anything is flagged by ethnicity.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from tests.gaps.synthetic import programme
from yotbench.gaps import significance

PLANTED_AREA = "desistance"


def planted_rows(result: pd.DataFrame) -> pd.Series:
    planted = (result["characteristic"] == "gender") & (
        result["area"].eq(PLANTED_AREA).fillna(False) | result["standard_id"].eq("2.1").fillna(False)
    )
    return planted.astype(bool)


def synthetic(seeds: range, effect: float) -> None:
    found_share, all_found, false_with, false_null, pooled_null, gaps, seconds = [], [], [], [], [], [], []
    by_scope: dict[str, list[float]] = {"question": [], "standard": [], "area": []}
    for seed in seeds:
        answers = programme(seed, planted=("gender", "female", {PLANTED_AREA}, effect))
        started = time.perf_counter()
        result = significance(answers)
        seconds.append(time.perf_counter() - started)
        planted = planted_rows(result)
        found = result["significant"] & result["higher_group"].eq("female")
        found_share.append(found[planted].mean())
        all_found.append(bool(found[planted].all()))
        gaps.append(result.loc[planted & result["scope"].eq("question"), "gap_pp"].mean())
        for scope in by_scope:
            by_scope[scope].append(found[planted & result["scope"].eq(scope)].mean())
        false_with.append(int(result["significant"][~planted].sum()))
        null = significance(programme(seed))
        false_null.append(int(null["significant"].sum()))
        pooled_null.append(int(null["p_adjusted"].lt(0.05).sum()))

    print(f"seeds {seeds.start}..{seeds.stop - 1}, planted logit effect {effect} (female, {PLANTED_AREA})")
    print(
        f"rows per run: {len(result)}; planted rows: {int(planted.sum())}; "
        f"mean observed gap on planted questions {np.mean(gaps):.1f} points"
    )
    print(f"power per planted row: {np.mean(found_share):.3f}")
    for scope, shares in by_scope.items():
        print(f"  {scope:8s} rows: {np.mean(shares):.3f}")
    print(f"seeds with every planted row found: {np.mean(all_found):.3f}")
    print(
        f"seeds with any other row flagged (planted run): {np.mean(np.array(false_with) > 0):.3f}; "
        f"mean false flags {np.mean(false_with):.3f}"
    )
    print(
        f"nothing planted: seeds with any row flagged {np.mean(np.array(false_null) > 0):.3f}, "
        f"mean false flags {np.mean(false_null):.3f}; pooled test alone would flag in "
        f"{np.mean(np.array(pooled_null) > 0):.3f} of seeds"
    )
    print(f"significance() time per run: median {np.median(seconds):.3f}s, max {np.max(seconds):.3f}s")


def sample(seeds: range) -> None:
    from tests.gaps.sample_frame import enriched_sample

    hits = {
        "female higher, desistance area": [],
        "looked-after lower, child_safety area": [],
        "anything by ethnic_group or ethnicity": [],
        "anything outside the planted areas flagged": [],
    }
    seconds = []
    for seed in seeds:
        answers = enriched_sample("yos-2018", seed=seed)
        started = time.perf_counter()
        result = significance(answers)
        seconds.append(time.perf_counter() - started)
        flagged = result[result["significant"]]
        area = flagged[flagged["scope"] == "area"]
        female = (
            area["characteristic"].eq("gender") & area["item_id"].eq("desistance") & area["higher_group"].eq("female")
        )
        looked_after = (
            area["characteristic"].eq("looked_after")
            & area["item_id"].eq("child_safety")
            & area["lower_group"].eq("yes")
        )
        hits["female higher, desistance area"].append(bool(female.any()))
        hits["looked-after lower, child_safety area"].append(bool(looked_after.any()))
        hits["anything by ethnic_group or ethnicity"].append(
            bool(flagged["characteristic"].isin(["ethnic_group", "ethnicity"]).any())
        )
        expected = pd.Series(False, index=flagged.index)
        for characteristic, planted_area in (("gender", "desistance"), ("looked_after", "child_safety")):
            standards = set(result.loc[result["area"].eq(planted_area).fillna(False), "standard_id"])
            expected |= flagged["characteristic"].eq(characteristic) & (
                flagged["area"].eq(planted_area).fillna(False)
                | (flagged["scope"].eq("standard") & flagged["standard_id"].isin(standards))
            )
        hits["anything outside the planted areas flagged"].append(bool((~expected).any()))
    print(
        f"embedded sample model (yos-2018, 50 inspections), seeds {seeds.start}..{seeds.stop - 1}; "
        f"{len(answers)} answer rows at the last seed"
    )
    for label, values in hits.items():
        print(f"  {label}: {np.mean(values):.2f}")
    print(f"significance() time per run: median {np.median(seconds):.3f}s, max {np.max(seconds):.3f}s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--first", type=int, default=1)
    parser.add_argument("--effect", type=float, default=0.8)
    parser.add_argument("--sample", action="store_true", help="use the embedded sample model instead")
    args = parser.parse_args()
    seeds = range(args.first, args.first + args.seeds)
    if args.sample:
        sample(seeds)
    else:
        synthetic(seeds, args.effect)


if __name__ == "__main__":
    main()
