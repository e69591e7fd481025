"""Relaxation counts benchmark (issue 12): over the synthetic city of ``bench/match.py``, how often
the old estimate of "N more services" on a relax button differed from what the relaxed match really
adds, and what counting exactly costs. Each profile is matched twice, interleaved (the machine is
shared): once with the exact counts (``engine._RelaxedCount``) and once with the estimates left as
they were proposed. Prints ``relax_estimate_wrong=<profiles>`` and p50/p95 of both.

    .venv/bin/python bench/relax_counts.py [--n 30000] [--profiles 300] [--seed 7]
"""
from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import match as city  # noqa: E402  (bench/match.py: the synthetic city and profiles)

from portal.matching import engine  # noqa: E402


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30_000)
    parser.add_argument("--profiles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    areas, streets = city.build_city(rng)
    services = city.synthetic_services(rng, args.n, areas, streets)
    directory = engine.Directory(tuple(services), areas, {s: i for i, s in enumerate(city.STAGES)})
    gc.freeze()
    profiles = [city.random_profile(rng, areas, streets) for _ in range(args.profiles)]
    exact_counted = engine.counted

    def estimated(proposed, profile, eligible_now, eligible_with):
        return tuple(proposed)

    exact_ms, estimate_ms, wrong = [], [], 0
    for profile in profiles:
        engine.counted = estimated
        t0 = time.perf_counter()
        before = engine.match(directory, profile, today=city.TODAY)
        estimate_ms.append((time.perf_counter() - t0) * 1000)
        engine.counted = exact_counted
        t0 = time.perf_counter()
        after = engine.match(directory, profile, today=city.TODAY)
        exact_ms.append((time.perf_counter() - t0) * 1000)
        if {r.rule: r.adds for r in before.relaxations} != {r.rule: r.adds for r in after.relaxations}:
            wrong += 1
    print(f"services: {args.n}  profiles: {len(profiles)}")
    print(f"match ms, estimated counts: p50 {statistics.median(estimate_ms):.1f}  p95 {_pct(estimate_ms, 0.95):.1f}")
    print(f"match ms, exact counts:     p50 {statistics.median(exact_ms):.1f}  p95 {_pct(exact_ms, 0.95):.1f}")
    print(f"relax_estimate_wrong={wrong}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
