"""Events intake consumes: none yet (it is where tickets begin)."""

from __future__ import annotations

from collections.abc import Mapping

from shared.inbox import EventHandler

HANDLERS: Mapping[str, EventHandler] = {}
