"""Power and false flags of the gap tests across seeds (not a test: run it by hand).

    .venv/bin/python -m tests.gaps.power --seeds 200 --effect 0.8

For each seed: a programme at the scale of seed 000 with a female advantage planted on
the desistance area (every question of it), and the same programme with nothing
planted. Prints the share of planted rows found in the right direction, the share of
seeds where every planted row was found, and how often anything else was flagged.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from tests.gaps.synthetic import programme
from yotbench.gaps import significance

PLANTED_AREA = "desistance"


def planted_rows(result):
    planted = (result["characteristic"] == "gender") & (
        result["area"].eq(PLANTED_AREA).fillna(False) | result["standard_id"].eq("2.1").fillna(False)
    )
    return planted.astype(bool)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--first", type=int, default=1)
    parser.add_argument("--effect", type=float, default=0.8)
    args = parser.parse_args()

    found_share, all_found, false_with, false_null, seconds = [], [], [], [], []
    by_scope: dict[str, list[float]] = {"question": [], "standard": [], "area": []}
    for seed in range(args.first, args.first + args.seeds):
        answers = programme(seed, planted=("gender", "female", {PLANTED_AREA}, args.effect))
        started = time.perf_counter()
        result = significance(answers)
        seconds.append(time.perf_counter() - started)
        planted = planted_rows(result)
        found = result["significant"] & (result["higher_group"] == "female")
        found_share.append(found[planted].mean())
        all_found.append(bool(found[planted].all()))
        for scope in by_scope:
            by_scope[scope].append(found[planted & (result["scope"] == scope)].mean())
        false_with.append(int(result["significant"][~planted].sum()))
        null = significance(programme(seed))
        false_null.append(int(null["significant"].sum()))

    n = len(found_share)
    rows_per_seed = len(result)
    print(f"seeds {args.first}..{args.first + n - 1}, planted logit effect {args.effect} (female, {PLANTED_AREA})")
    print(f"rows per run: {rows_per_seed}; planted rows: {int(planted.sum())}")
    print(f"power per planted row: {np.mean(found_share):.3f}")
    for scope, shares in by_scope.items():
        print(f"  {scope:8s} rows: {np.mean(shares):.3f}")
    print(f"seeds with every planted row found: {np.mean(all_found):.3f}")
    print(
        f"seeds with any other row flagged (planted run): {np.mean(np.array(false_with) > 0):.3f}; "
        f"mean false flags {np.mean(false_with):.3f}"
    )
    print(
        f"seeds with any row flagged (nothing planted): {np.mean(np.array(false_null) > 0):.3f}; "
        f"mean false flags {np.mean(false_null):.3f}"
    )
    print(f"significance() time per run: median {np.median(seconds):.3f}s, max {np.max(seconds):.3f}s")


if __name__ == "__main__":
    main()
