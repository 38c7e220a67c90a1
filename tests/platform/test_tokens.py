"""Signed tokens and links: whatever a request holds, a forgery is refused, never a failure."""

from __future__ import annotations

import uuid

from shared.auth import Role, TokenSigner


def test_a_token_holding_any_text_is_refused_not_a_failure() -> None:
    signer = TokenSigner(b"k" * 40)
    token = signer.issue(uuid.uuid4(), Role.agent)
    assert signer.verify(token) is not None
    prefix, body, nonce, signature = token.split(".")
    assert signer.verify(f"{prefix}.{body}.{nonce}.ü{signature[1:]}") is None
    assert signer.verify(f"{prefix}.{body}.{nonce}.\U0006a119") is None

    link = signer.sign_value("beta-membership", "olga@example.com")
    assert signer.verify_value("beta-membership", link) == "olga@example.com"
    assert signer.verify_value("beta-membership", link[:-1] + "ж") is None
    assert signer.verify_value("beta-membership", "\x1c\U0006a119.\U000dc877") is None
    assert signer.verify_value("another-purpose", link) is None
