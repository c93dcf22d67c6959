"""Print the coverage table of genjudge's intervals into docs/statistics.md.

    python scripts/coverage_table.py            # rewrite the table between the markers
    python scripts/coverage_table.py --check    # exit 1 when the doc's table is not what the code gives
    python scripts/coverage_table.py --print    # print the table only

The table comes from genjudge.coverage.coverage_table with the documented seed, replications
and resamples (the same call tests/stats/test_coverage.py makes). It takes a few minutes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from genjudge.coverage import coverage_table, render_markdown, replace_table, table_in

DOC = Path(__file__).resolve().parents[1] / "docs" / "statistics.md"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="compare with the doc instead of writing it")
    group.add_argument("--print", action="store_true", help="print the table and stop")
    args = parser.parse_args()
    table = render_markdown(coverage_table())
    if args.print:
        print(table, end="")
        return 0
    doc = DOC.read_text(encoding="utf-8")
    if args.check:
        same = table_in(doc) == table
        print(
            "docs/statistics.md: coverage table is current" if same else "docs/statistics.md: table is stale"
        )
        return 0 if same else 1
    DOC.write_text(replace_table(doc, table), encoding="utf-8")
    print(f"wrote the coverage table ({table.count(chr(10)) - 2} rows) into {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
