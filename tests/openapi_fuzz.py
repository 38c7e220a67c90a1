"""Schemathesis over a service's own OpenAPI: whatever a client sends, the service never
fails with a 5xx and never answers outside its documented schema. Bounded: a few examples
per operation and caller."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# A few per operation and caller in every run; FUZZ_EXAMPLES=500 searches harder.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def fuzz(operation: Any, headers: dict[str, str], path_parameters: dict[str, str]) -> None:
    """Call one operation with generated input, as the caller ``headers`` name."""
    wanted = {k: v for k, v in path_parameters.items() if k in operation.path}
    strategy = operation.as_strategy(path_parameters=wanted or None)

    @given(case=strategy)
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    check()
