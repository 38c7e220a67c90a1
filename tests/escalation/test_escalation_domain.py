"""The escalation service's rules without a database: who may claim and close, what the
tracker may see, how signatures and retry delays work."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from services.escalation.domain import development
from services.escalation.domain.escalations import (
    ClaimedByAnotherError,
    ClosedError,
    NotClaimedError,
    Status,
    can_claim,
    check_close,
)
from shared.auth import Principal, Role

ANNA = Principal(uuid.uuid4(), Role.senior)
BORIS = Principal(uuid.uuid4(), Role.senior)
ADMIN = Principal(uuid.uuid4(), Role.admin)


def test_claim_rules() -> None:
    assert can_claim(Status.open, None, ANNA) is True
    assert can_claim(Status.assigned, ANNA.subject, ANNA) is False  # a retry of her own claim
    with pytest.raises(ClaimedByAnotherError):
        can_claim(Status.assigned, ANNA.subject, BORIS)
    with pytest.raises(ClosedError):
        can_claim(Status.closed, ANNA.subject, ANNA)


def test_close_rules() -> None:
    check_close(Status.assigned, ANNA.subject, ANNA)
    check_close(Status.open, None, ADMIN)
    with pytest.raises(NotClaimedError):
        check_close(Status.open, None, ANNA)
    with pytest.raises(ClaimedByAnotherError):
        check_close(Status.assigned, ANNA.subject, BORIS)
    with pytest.raises(ClosedError):
        check_close(Status.closed, ANNA.subject, ADMIN)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("пишите на ivan.petrov+help@mail.example.ru", "пишите на [email]"),
        ("тел. +7 (912) 345-67-89, звонить вечером", "тел. [phone], звонить вечером"),
        ("8 912 345 67 89", "[phone]"),
        ("2025-11-07 в 10:15 ошибка 0x80070005", "2025-11-07 в 10:15 ошибка 0x80070005"),
        ("версия 2.14.3, заказ 12345678", "версия 2.14.3, заказ 12345678"),
    ],
)
def test_personal_data_is_masked_and_technical_detail_kept(text: str, expected: str) -> None:
    assert development.redact(text) == expected


def test_the_tracker_gets_no_customer_fields() -> None:
    payload = development.tracker_payload(
        forward_id=uuid.uuid4(),
        number="SC-000042",
        summary="Падает импорт, см. a@b.ru",
        category="bug",
        channel="web",
        requested_at=datetime(2025, 11, 17, 9, 0, tzinfo=UTC),
    )
    assert payload["summary"] == "Падает импорт, см. [email]"
    assert not {"customer", "email", "name", "subject", "body"} & set(payload)
    assert json.loads(development.encode(payload)) == payload


def test_signatures_bind_the_body_and_the_time() -> None:
    body, now = b'{"release":"1.0"}', 1_750_000_000
    signature = development.sign("s" * 32, now, body)
    assert signature.startswith("sha256=") and len(signature) == 7 + 64

    def valid(
        *,
        timestamp: str | None = str(now),
        signature: str | None = signature,
        body: bytes = body,
        at: float = now + 10.0,
    ) -> bool:
        return development.signature_valid(
            "s" * 32, timestamp=timestamp, signature=signature, body=body, now=at
        )

    assert valid()
    assert valid(at=now + 299.0) and valid(at=now - 299.0)
    assert not valid(at=now + 301.0)  # a replay later on
    assert not valid(body=b'{"release":"2.0"}')
    assert not valid(timestamp=str(now + 1))
    assert not valid(signature=None) and not valid(timestamp=None) and not valid(timestamp="x")
    # Whatever a header holds is refused, never a failure.
    assert not valid(signature="sha256=ü") and not valid(timestamp="²")
    assert not development.signature_valid(
        "t" * 32, timestamp=str(now), signature=signature, body=body, now=now
    )


def test_retry_delays_grow_then_the_last_repeats() -> None:
    delays = (100, 1_000, 5_000)
    assert [development.retry_delay(n, delays) for n in range(1, 6)] == [0.1, 1.0, 5.0, 5.0, 5.0]


@pytest.mark.parametrize(
    ("answer", "reference"),
    [
        (b'{"reference": "BUG-7"}', "BUG-7"),
        (b'{"reference": 1234}', "1234"),
        (b'{"id": "x"}', None),
        (b"", None),
        (b"accepted", None),
        (b'["BUG-7"]', None),
    ],
)
def test_the_trackers_reference_is_read_when_it_gives_one(
    answer: bytes, reference: str | None
) -> None:
    assert development.tracker_reference(answer) == reference
