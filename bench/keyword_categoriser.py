"""The keyword categoriser intake used before issue 15, kept as `make bench`'s baseline: raw
word stems, the first rule that matches wins (so "Добро пожаловать" was a complaint)."""

from __future__ import annotations

import re

from shared.contracts.events import Category

# Enough to tell what a request is about; a long body adds cost, not certainty.
READ_CHARS = 2000


def _stems(*words: str) -> re.Pattern[str]:
    # \b before each stem: "тест" must not match "контекст"; endings vary, so no \b after.
    # Lowercase stems against lowercased text: IGNORECASE makes the search twice as slow.
    return re.compile(r"\b(?:" + "|".join(words) + ")")


RULES: tuple[tuple[Category, re.Pattern[str]], ...] = (
    (
        Category.complaint,
        _stems(
            "жалоб",
            "пожаловат",
            "недовол",
            "возмущ",
            "безобрази",
            "complain",
            "unacceptable",
            "disappointed",
        ),
    ),
    (
        Category.bug,
        _stems(
            "ошибк",
            "не работает",
            "не работают",
            "не открыва",
            "не загружа",
            "не сохраня",
            "завис",
            "вылета",
            "сломал",
            "баг",
            "сбой",
            "bug",
            "error",
            "crash",
            "broken",
            "doesn'?t work",
            "does not work",
            "not working",
            "exception",
            "fails?\\b",
        ),
    ),
    (
        Category.testing_help,
        _stems("тестирован", "протестир", "бета", "beta", "testing", "test plan", "qa\\b"),
    ),
    (
        Category.partner_issue,
        _stems("партн[её]р", "partner", "сторонн", "third[- ]party", "интеграц", "integration"),
    ),
    (
        Category.onboarding,
        _stems(
            "как начать",
            "с чего начать",
            "зарегистр",
            "регистрац",
            "впервые",
            "новичок",
            "первый раз",
            "getting started",
            "get started",
            "sign ?up",
            "register",
            "first time",
            "onboard",
            "new user",
        ),
    ),
    (
        Category.suggestion,
        _stems(
            "предлага",
            "предложени",
            "было бы (?:здорово|хорошо|удобно|неплохо)",
            "добавьте",
            "хотелось бы",
            "suggest",
            "feature request",
            "would be (?:nice|great|useful)",
            "please add",
            "it would help",
        ),
    ),
    (
        Category.question,
        _stems(
            "как ",
            "почему",
            "где ",
            "когда",
            "можно ли",
            "подскажите",
            "вопрос",
            "how ",
            "why ",
            "where ",
            "when ",
            "can i",
            "is it possible",
            "question",
        ),
    ),
    (
        Category.feedback,
        _stems("отзыв", "спасибо", "благодар", "feedback", "thank", "great job", "love"),
    ),
)


def categorise(subject: str, body: str) -> Category | None:
    """The category the request's words point to; None if they point nowhere."""
    text = f"{subject}\n{body[:READ_CHARS]}".lower()
    for category, pattern in RULES:
        if pattern.search(text):
            return category
    return Category.question if "?" in text else None
