"""The contracts and the topology agree with each other and with what is published in docs/."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.cli import app_factory
from shared.bus.topology import Topology, topic_matches
from shared.contracts import catalogue
from shared.contracts.consumers import BINDINGS
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import EVENT_TYPES, UnknownEventError, parse_payload
from shared.settings import SERVICES, Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_event_catalogue_in_docs_is_current() -> None:
    expected = catalogue.render()
    on_disk = {
        str(path.relative_to(DOCS)): path.read_text(encoding="utf-8")
        for path in DOCS.rglob("*.json")
    }
    stale = sorted(name for name in expected if on_disk.get(name) != expected[name])
    extra = sorted(set(on_disk) - set(expected))
    assert not stale and not extra, f"run `make docs`: stale {stale}, no longer generated {extra}"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_handles_exactly_what_the_topology_binds(service: str, tmp_path: Path) -> None:
    app = app_factory(service)(Settings(var_dir=tmp_path))
    handlers = app.state.runtime.handlers
    assert set(handlers) == set(BINDINGS.get(service, ())), service
    assert set(handlers) <= set(EVENT_TYPES)


def test_every_quorum_queue_has_a_dead_letter_exchange_and_a_delivery_limit() -> None:
    topology = Topology(prefix="p", retry_delays_ms=(5, 50), delivery_limit=7)
    arguments = topology.queue_arguments("notifier")
    assert arguments["x-queue-type"] == "quorum"
    assert arguments["x-delivery-limit"] == 7
    assert arguments["x-dead-letter-exchange"] == "p.parked"
    wait = topology.wait_queue_arguments("notifier", 50)
    assert wait["x-message-ttl"] == 50
    assert wait["x-dead-letter-routing-key"] == "p.notifier"
    assert topology.exchange == "p.events"
    assert Topology().exchange == "sviftdesk.events"


@pytest.mark.parametrize(
    ("pattern", "key", "matches"),
    [
        ("ticket.created", "ticket.created", True),
        ("ticket.*", "ticket.created", True),
        ("ticket.*", "ticket.status.changed", False),
        ("#", "sla.breached", True),
        ("ticket.#", "ticket", True),
        ("sla.*", "ticket.created", False),
    ],
)
def test_topic_matching(pattern: str, key: str, matches: bool) -> None:
    assert topic_matches(pattern, key) is matches


def test_payloads_are_validated_and_unknown_types_refused() -> None:
    with pytest.raises(UnknownEventError):
        parse_payload(CloudEvent(source="/x", type="ticket.teleported", data={}))
    with pytest.raises(ValueError, match="number"):
        parse_payload(CloudEvent(source="/x", type="ticket.created", data={"number": "42"}))


def test_a_field_a_newer_producer_added_is_ignored_not_refused() -> None:
    # During a rolling deploy a newer intake may publish an optional field an older
    # consumer does not know yet: the event must still be handled, not parked.
    data = {
        "ticket_id": "3f0c1a2e-5f2b-4c1d-9d59-1f1f5d0c2b11",
        "number": "SC-000123",
        "channel": "web",
        "category": None,
        "subject": "Не проходит оплата",
        "status": "received",
        "received_at": "2026-11-24T10:00:00+03:00",
        "customer": {
            "id": "0b7e7c8e-4a0a-4b86-8f4f-2b8d0d3f1a55",
            "email": "ivan@example.com",
            "name": "Иван",
            "language": "ru",
            "is_new": True,
            "pronouns": "он",  # also unknown, one level down
        },
        "mood": "impatient",
    }
    payload = parse_payload(CloudEvent(source="/x", type="ticket.created", data=data))
    assert payload.model_dump(mode="json")["number"] == "SC-000123"
    assert "mood" not in payload.model_dump() and "pronouns" not in str(payload.model_dump())
