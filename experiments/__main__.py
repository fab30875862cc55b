"""python -m experiments report [--tracker-db var/tracker.db] [--config experiments.yml] [--out results/experiments]"""

from __future__ import annotations

import argparse
import sys

from experiments.config import ConfigError, load_experiments
from experiments.outcomes import read_outcomes
from experiments.report import run_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments", description="A/B experiments")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="outcomes per arm, tests, sample sizes and charts")
    rep.add_argument("--tracker-db", default="var/tracker.db", help="the SQLite tracker store")
    rep.add_argument("--config", default="experiments.yml")
    rep.add_argument("--out", default="results/experiments", help="directory for the PNG charts")
    rep.add_argument("--no-chart", action="store_true")
    args = parser.parse_args(argv)
    try:
        experiments = load_experiments(args.config)
        outcomes = read_outcomes(args.tracker_db)
    except (ConfigError, FileNotFoundError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    text, _ = run_report(experiments.values(), outcomes, None if args.no_chart else args.out)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
