"""The rules behind one mail per thing to know: plain functions, no service needed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.notifier.domain.messages import render, unwrapped
from services.notifier.domain.notifications import MailRecord, coalescible, greets, superseded_by

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
WINDOW = timedelta(seconds=60)


def _mail(template: str, seconds: float, *, bare: bool | None = None) -> MailRecord:
    is_bare = template == "status_changed" if bare is None else bare
    return MailRecord(uuid.uuid4(), template, is_bare, T0 + timedelta(seconds=seconds))


def test_a_bare_notice_gives_way_to_any_mail_with_more_to_say_within_the_window() -> None:
    notice = _mail("status_changed", 0)
    reply_before, reply_after = _mail("agent_reply", -5), _mail("agent_reply", 30)
    assert superseded_by(notice, [notice, reply_after], WINDOW) == reply_after
    assert superseded_by(notice, [reply_before], WINDOW) == reply_before
    assert superseded_by(notice, [_mail("agent_reply", 61)], WINDOW) is None
    assert superseded_by(notice, [notice], WINDOW) is None


def test_of_two_bare_notices_the_newer_stage_is_told() -> None:
    older, newer = _mail("status_changed", 0), _mail("status_changed", 10)
    assert superseded_by(older, [older, newer], WINDOW) == newer
    assert superseded_by(newer, [older, newer], WINDOW) is None


def test_a_notice_with_a_note_for_the_customer_always_goes() -> None:
    assert not coalescible("status_changed", {"note": "Пришлите, пожалуйста, скриншот."})
    assert coalescible("status_changed", {"note": None})
    assert not coalescible("agent_reply", {})
    noted = _mail("status_changed", 0, bare=False)
    assert superseded_by(noted, [_mail("agent_reply", 1)], WINDOW) is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Здравствуйте, Иван!\n\nПопробуйте…", True),
        ("Добрый день! Попробуйте…", True),
        ("Hi Anna, try…", True),
        ("Good morning,", True),
        ("Попробуйте очистить кэш.", False),
        ("This should help.", False),
        ("History of the problem…", False),
    ],
)
def test_a_letter_that_greets(body: str, expected: bool) -> None:
    assert greets(body) is expected


def test_wrapped_lines_join_and_lists_keep_their_lines() -> None:
    block = (
        "Оцените ответ. Если решение вас не\nустроило, ответьте.\n"
        "Как шла работа:\n  12:00 — получено\n  12:05 — решено"
    )
    assert unwrapped(block) == [
        "Оцените ответ. Если решение вас не устроило, ответьте.",
        "Как шла работа:",
        "  12:00 — получено",
        "  12:05 — решено",
    ]
    assert unwrapped("Documentation:\nhttps://example.com/docs") == [
        "Documentation:",
        "https://example.com/docs",
    ]


def test_the_html_of_a_plain_template_reads_in_paragraphs_with_the_footer_apart() -> None:
    context = {
        "number": "SC-000001",
        "name": "",
        "subject": "",
        "title": "Сбой оплаты",
        "text": "Чиним.",
        "beta_opt_in_url": "https://n.example/v1/beta/opt-in?token=t",
    }
    _subject, text, html = render("incident_update", "en", context)
    assert "team is\nworking" in text  # the text part stays wrapped for plain-text readers
    assert "team is working" in html and "team is<br>" not in html
    assert text.endswith(
        "-- \nBeta programme, new features first: " + context["beta_opt_in_url"] + "\n"
    )
    assert '<small><a href="https://n.example/v1/beta/opt-in?token=t"' in html
    assert "<p>-- </p>" not in html and "new features first:" not in html.split("<small>")[0]
