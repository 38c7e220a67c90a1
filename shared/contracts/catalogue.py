"""The event catalogue, generated from the contracts: an AsyncAPI 3.0 document and one JSON
Schema per payload version. ``make docs`` writes it under docs/; a test keeps it current."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from shared.contracts.consumers import BINDINGS, DEFAULT_PREFIX, EVENTS_EXCHANGE
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import EVENT_TYPES, EventPayload


def schema_file(model: type[EventPayload]) -> str:
    return f"events/{model.event_type}.v{model.version}.json"


def payload_schema(model: type[EventPayload]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema["$id"] = model.schema_id()
    schema["description"] = (model.__doc__ or "").strip()
    return schema


def asyncapi(prefix: str = DEFAULT_PREFIX) -> dict[str, Any]:
    exchange = f"{prefix}.{EVENTS_EXCHANGE}"
    consumers = {
        event_type: sorted(c for c, types in BINDINGS.items() if event_type in types)
        for event_type in EVENT_TYPES
    }
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for event_type, model in sorted(EVENT_TYPES.items()):
        key = event_type.replace(".", "_")
        messages[key] = {
            "name": event_type,
            "title": event_type,
            "summary": (model.__doc__ or "").strip().splitlines()[0],
            "contentType": "application/cloudevents+json",
            "payload": {
                "allOf": [
                    {"$ref": "./events/cloudevent.json"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": event_type},
                            "dataschema": {"const": model.schema_id()},
                            "data": {"$ref": f"./{schema_file(model)}"},
                        },
                    },
                ]
            },
            "x-consumers": consumers[event_type],
        }
        channels[key] = {
            "address": event_type,
            "description": f"routing key {event_type} on exchange {exchange}",
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
            "bindings": {
                "amqp": {
                    "is": "routingKey",
                    "exchange": {"name": exchange, "type": "topic", "durable": True},
                }
            },
        }
        operations[f"publish_{key}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{key}"},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "SviftDesk events",
            "version": "1",
            "description": (
                "Every event is a CloudEvents 1.0 JSON envelope on the topic exchange "
                f"{exchange}; the routing key is the event type."
            ),
        },
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def render() -> dict[str, str]:
    """Every file of the catalogue, by path relative to docs/."""
    dump = _dump
    files = {"asyncapi.json": dump(asyncapi())}
    files["events/cloudevent.json"] = dump(CloudEvent.model_json_schema())
    for model in EVENT_TYPES.values():
        files[schema_file(model)] = dump(payload_schema(model))
    return files


def write(directory: Path) -> None:
    for name, text in render().items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
