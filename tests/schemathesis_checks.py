"""A check of our own for the schemathesis run of tests/test_api_fuzz.py (loaded by the CLI as
``hooks`` in tests/schemathesis.toml; it imports nothing of the portal).

Schemathesis' ``positive_data_acceptance`` fails any 400 to a request the schema allows. The
portal answers 400 for two different things (config/api_exceptions.py): a request that does
not fit the schema (``code: invalid``, ``parse_error``, ``no_data``) and a business rule that
refuses a well-formed one (``end_not_later``, ``reason_required``, ``wrong_credentials``...: a
new end before the current one, a reason missing, a wrong password), which no schema can say.
So this check replaces it: a request the schema allows must never be answered as one that does
not fit it (400 with one of those codes, 406 or 415), and it must never be answered at all by a
400 whose body is not the documented error body. A business rule's 400 passes."""

from __future__ import annotations

import json

import schemathesis

# The codes of a request that does not fit the schema (config/api_exceptions.py).
CONTRACT_CODES = {"invalid", "parse_error", "no_data"}


@schemathesis.check
def schema_valid_requests_are_read(ctx, response, case):
    """A request the schema allows is never refused as one that does not fit it."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    status = response.status_code
    if status in (406, 415):
        raise AssertionError(f"A request the schema allows was refused with {status}")
    if status != 400:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError("A 400 without the JSON error body") from None
    code = body.get("code") if isinstance(body, dict) else None
    if code is None or code in CONTRACT_CODES:
        raise AssertionError(f"A request the schema allows was refused as not fitting it "
                             f"(code {code!r}): {body.get('message') if isinstance(body, dict) else body}")
    return None
