"""Events the escalation service consumes, one function per event type."""

from __future__ import annotations

from collections.abc import Mapping

from shared.inbox import EventHandler

HANDLERS: Mapping[str, EventHandler] = {}
