"""Print the coverage of the judge, human-only and PPI 95% intervals (docs/statistics.md's PPI table).

    python scripts/ppi_coverage.py             # the documented run: seed 0, 2,000 runs per scenario
    python scripts/ppi_coverage.py --reps 200  # a quick look

Each run draws 2,000 items from a super-population with a biased judge and unscored items, a stratified
human sample with unequal allocation, and the three estimates (genjudge.coverage_ppi); then the label
budget check: the width reached after adding the labels labels_for_width asked for.
"""

from __future__ import annotations

import argparse
import time

from genjudge.coverage_ppi import DOC_REPS, DOC_SEED, SCENARIOS, budget_check, coverage_rows
from genjudge.stats.ppi import Tuning


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=DOC_REPS, help="runs per scenario")
    parser.add_argument("--seed", type=int, default=DOC_SEED)
    args = parser.parse_args()
    start = time.perf_counter()
    print("| scenario | estimator | coverage | MC s.e. | mean width |")
    print("|---|---|---:|---:|---:|")
    for scenario in SCENARIOS:
        for row in coverage_rows(scenario, reps=args.reps, seed=args.seed, tunings=tuple(Tuning)):
            print(
                f"| {row.scenario} | {row.estimator} | {row.coverage:.3f} | {row.mc_se:.3f} | {row.mean_width:.3f} |"
            )
    print()
    for scenario in SCENARIOS:
        if scenario.strata == "slice":
            check = budget_check(scenario, reps=max(args.reps // 10, 1), seed=args.seed + 1)
            print(f"label budget, {scenario.name}: asked for 0.7 x the PPI width; {check.mean_extra:.0f} more "
                  f"labels on average; width reached / target = {check.mean_ratio:.3f} ({check.reps} runs)")  # fmt: skip
    print(f"({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
