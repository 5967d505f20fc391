"""``python -m sehat.generate``: generate sources from the shell and print the summary as JSON.

Also the benchmark: ``python -m sehat.generate --customers 100000 --days 30 --data-dir /tmp/sehat-bench``
reports seconds per step and events/s in the summary's ``seconds`` and ``rates``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from sehat.config import settings
from sehat.generate import GenerateConfig, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sehat.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 11, 1), help="first day, YYYY-MM-DD")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--data-dir", type=Path, default=None, help="default: SEHAT_DATA_DIR / settings")
    parser.add_argument("--production-url", default=None, help="default: SQLite file under the data dir")
    parser.add_argument("--production-schema", default=None, help="PostgreSQL schema (default from URL or public)")
    args = parser.parse_args(argv)
    env = settings()
    # without --data-dir everything follows the environment (SEHAT_DATA_DIR, SEHAT_PRODUCTION_URL)
    url = args.production_url or (env.production_url if args.data_dir is None else None)
    cfg = GenerateConfig(customers=args.customers, days=args.days, start=args.start, seed=args.seed,
                         data_dir=args.data_dir or env.data_dir, production_url=url,
                         production_schema=args.production_schema)

    def progress(step: str, done: int, total: int) -> None:
        print(f"\r{step:<11} {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    summary = generate(cfg, progress)
    json.dump(summary, sys.stdout, indent=2, default=str)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
