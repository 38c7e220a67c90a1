"""The labelled requests (data/categorised_requests.jsonl) and the categoriser's quality on them,
for the tests and `make bench`.

Every third request of each category is held out: written with the rest, before the model,
and never looked at while tuning its cues; its figures say how the model does on words it
was not fitted to.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from shared.contracts.events import Category

DATA = Path(__file__).resolve().parent / "data" / "categorised_requests.jsonl"
PARTS = ("tuning", "held_out")


@dataclass(frozen=True)
class Labelled:
    subject: str
    body: str
    category: Category | None  # None: the words point nowhere, the ticket stays uncategorised
    part: str


@dataclass(frozen=True)
class Quality:
    requests: int
    accuracy: float
    # category -> (precision, recall, how many were predicted, how many are labelled)
    per_category: dict[Category | None, tuple[float, float, int, int]]

    def precision(self, category: Category | None) -> float:
        return self.per_category[category][0]


def load(parts: Iterable[str] = PARTS) -> list[Labelled]:
    wanted = set(parts)
    requests = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["part"] in wanted:
            category = None if row["category"] is None else Category(row["category"])
            requests.append(Labelled(row["subject"], row["body"], category, row["part"]))
    return requests


def quality(requests: list[Labelled], predict: Callable[[str, str], Category | None]) -> Quality:
    pairs = [(r.category, predict(r.subject, r.body)) for r in requests]
    per_category = {}
    for category in [*Category, None]:
        predicted = sum(1 for _, guess in pairs if guess == category)
        labelled = sum(1 for truth, _ in pairs if truth == category)
        if not predicted and not labelled:
            continue
        right = sum(1 for truth, guess in pairs if truth == guess == category)
        per_category[category] = (
            right / predicted if predicted else 1.0,
            right / labelled if labelled else 1.0,
            predicted,
            labelled,
        )
    accuracy = sum(1 for truth, guess in pairs if truth == guess) / len(pairs)
    return Quality(len(pairs), accuracy, per_category)


def table(quality: Quality) -> str:
    lines = [f"{'category':<20} {'precision':>9} {'recall':>7} {'predicted':>9} {'labelled':>8}"]
    for category, (precision, recall, predicted, labelled) in quality.per_category.items():
        name = "(none)" if category is None else category.value
        lines.append(f"{name:<20} {precision:>9.2f} {recall:>7.2f} {predicted:>9} {labelled:>8}")
    lines.append(f"accuracy {quality.accuracy:.2f} on {quality.requests} requests")
    return "\n".join(lines)
