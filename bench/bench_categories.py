"""The categoriser's quality and cost on the labelled requests (tests/intake/data), beside the
keyword rules it replaced (keyword_categoriser.py), measured in the same run.

    python bench/bench_categories.py [--repeat 5]

Precision and recall per category, on the part tuned on, on the held-out part (never looked at
while tuning) and on all. A complaint opens a senior review and mails the customer, so its
precision must stay at 0.95 or more: below it, the run exits non-zero.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from bench import keyword_categoriser
from services.intake.domain.categories import categorise
from shared.contracts.events import Category
from tests.intake.labelled import Labelled, load, quality, table

COMPLAINT_PRECISION = 0.95

Predict = Callable[[str, str], Category | None]


def lemmas(subject: str, body: str) -> Category | None:
    return categorise(subject, body).category


def cost_us(predict: Predict, requests: list[Labelled], repeat: int) -> float:
    """CPU microseconds per request, best of ``repeat`` passes (caches warm, as in service)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        for request in requests:
            predict(request.subject, request.body)
        best = min(best, time.process_time() - started)
    return best / len(requests) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    every = load()
    started = time.perf_counter()
    categorise("Здравствуйте", "прогрев")
    print(f"dictionary load: {(time.perf_counter() - started) * 1e3:.0f} ms, once per process")
    failed = False
    for name, predict in (
        ("lemmas", lemmas),
        ("keywords (before)", keyword_categoriser.categorise),
    ):
        print(f"\n-- {name}: {cost_us(predict, every, args.repeat):.1f} µs CPU per request")
        for part in ("tuning", "held_out", None):
            requests = every if part is None else load([part])
            found = quality(requests, predict)
            print(f"\n{part or 'all'}:\n{table(found)}")
            precision = found.per_category.get(Category.complaint, (1.0, 0.0, 0, 0))[0]
            print(f"complaint precision {precision:.2f}")
            if predict is lemmas and precision < COMPLAINT_PRECISION:
                failed = True
    if failed:
        sys.exit(f"complaint precision below {COMPLAINT_PRECISION}")


if __name__ == "__main__":
    main()
