"""The ticket page's one timeline (issue 16), without a browser or a database: what each
service says about a ticket, merged by time, and each kind shown with its label."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.console import i18n
from services.console.api.tickets import file_size, merged_timeline
from services.console.sessions import AgentSession
from services.console.web import templates
from shared.auth import Role

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def sources() -> dict[str, list[dict[str, Any]]]:
    """A ticket's day, each service's part in its own order, as its API answers."""
    message_id = str(uuid.uuid4())
    return {
        "intake": [
            {"at": at(0), "kind": "created"},
            {"at": at(10), "kind": "message", "message_id": message_id},
            {"at": at(50), "kind": "escalation_requested", "reason": "Третий раз пишу"},
        ],
        "sla": [
            {"at": at(40), "kind": "warning", "target": "first_response"},
            {"at": at(20), "kind": "extension", "target": "resolution", "business_days": 2,
             "reason": "Нужна проверка у банка"},
            {"at": at(70), "kind": "breach", "target": "resolution"},
        ],
        "escalations": [
            {"opened_at": at(51), "closed_at": at(90), "status": "closed",
             "source": "customer_request", "outcome": "Ошибка подтверждена"},
        ],
        "forwards": [
            {"requested_at": at(30), "released_at": at(100), "status": "released",
             "tracker_reference": "BUG-7", "summary": "Возвраты считаются дважды",
             "release": "2.4.1"},
        ],
        "incidents": [
            {"id": str(uuid.uuid4()), "title": "Сбой оплаты", "status": "resolved",
             "linked_at": at(60), "resolved_at": at(80)},
        ],
    }  # fmt: skip


def merged() -> list[dict[str, Any]]:
    parts = sources()
    return merged_timeline(
        parts["intake"], parts["sla"], parts["escalations"], parts["forwards"], parts["incidents"]
    )


def test_every_service_in_one_timeline_by_time() -> None:
    kinds = [entry["kind"] for entry in merged()]
    assert kinds == [
        "created",
        "message",
        "sla_extension",
        "forwarded",
        "sla_warning",
        "escalation_requested",
        "escalation_opened",
        "incident_linked",
        "sla_breach",
        "incident_resolved",
        "escalation_closed",
        "fix_released",
    ]


def test_each_entry_has_its_label_in_both_languages() -> None:
    timeline = merged()
    message_id = timeline[1]["message_id"]
    ticket = {
        "id": str(uuid.uuid4()),
        "number": "SC-000007",
        "subject": "Оплата",
        "status": "in_progress",
        "received_at": at(0),
        "body": "Не проходит оплата",
        "customer": {"name": "Иван", "email": "ivan@example.com", "language": "ru"},
        "category": None,
        "complexity": None,
        "allowed_moves": [],
        "claimed_by": None,
        "attachments": [
            {"id": str(uuid.uuid4()), "filename": "big.png", "content_type": "image/png",
             "size": 7_000_000, "refused": "over the limit of 6291456 bytes (6 MiB)"},
        ],
    }  # fmt: skip
    message = {"id": message_id, "author": "agent", "internal": False, "body": "Ответ",
               "attachments": [{"id": str(uuid.uuid4()), "filename": "a.pdf",
                                "content_type": "application/pdf", "size": 1234,
                                "refused": None}]}  # fmt: skip
    agent = AgentSession(uuid.uuid4(), Role.agent, "ru", "token", datetime.now(UTC))
    for language, words in (
        ("ru", ["Срок решения продлён</strong> (рабочих дней: 2): Нужна проверка у банка",
                "Срок скоро истечёт</strong>: первый ответ", "Срок нарушен</strong>: решение",
                "Передано старшему специалисту</strong> (по просьбе клиента) · закрыта",
                "Эскалация закрыта</strong>: Ошибка подтверждена", "Передано в разработку",
                "Исправление выпущено</strong>: 2.4.1", "Связано с инцидентом</strong>: Сбой",
                "Инцидент решён", "Клиент просит", "big.png</span> · 7,0 МБ · image/png",
                "не принят", f'/tickets/{ticket["id"]}/attachments/', "a.pdf</a> · 1,2 КБ"]),
        ("en", ["Resolution target extended</strong> (business days: 2)", "Target due soon",
                "Target missed", "Escalated to a senior specialist</strong> (the customer "
                "asked)", "Forwarded to development", "Fix released", "Incident resolved",
                "a.pdf</a> · 1.2 KB"]),
    ):  # fmt: skip
        html = templates.get_template("ticket.html.j2").render(
            request=None,
            t=i18n.words(language),
            language=language,
            agent=agent,
            here="/tickets/x",
            ticket=ticket,
            sla=None,
            forwards=[],
            others=[],
            replies=[],
            timeline=timeline,
            canned=None,
            draft="",
            messages={message_id: message},
            complexities=(),
            categories=(),
            problem=None,
            failed_form=None,
            typed={},
        )
        for expected in words:
            assert expected in html, (language, expected)


def test_sizes_as_people_read_them() -> None:
    sizes = (812, 4_700, 5_000_000)
    assert [file_size(n, "ru") for n in sizes] == ["812 Б", "4,7 КБ", "5,0 МБ"]
    assert [file_size(n, "en") for n in sizes] == ["812 B", "4.7 KB", "5.0 MB"]
