"""The expected answer time a canned reply promises: the clock the customer waits on, in
Moscow time, and no time at all while the clock is paused."""

from __future__ import annotations

from services.console.api.desk import expected_answer


def test_a_canned_reply_promises_the_time_of_the_clock_the_customer_waits_on() -> None:
    owed = {"due_at": "2026-12-03T09:30:00+00:00"}
    met = {"due_at": None}
    resolution = {"due_at": "2026-12-07T14:00:00+00:00"}

    first = expected_answer({"first_response": owed, "resolution": resolution}, "ru")
    assert first == "03.12.2026 12:30 (МСК)"
    answered = expected_answer({"first_response": met, "resolution": resolution}, "en")
    assert answered == "07.12.2026 17:00 (Moscow time)"
    paused = {"first_response": met, "resolution": {"due_at": None}}
    assert expected_answer(paused, "ru") == "в ближайшее время"
    assert expected_answer(None, "en") == "shortly"
