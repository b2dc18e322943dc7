"""SEC-ENV-SECRET asks one cheap search (security._SECRET_VALUE_HINTS) before its table of credential formats: every
value a pattern of the table matches must hold one of the hints, or the warning would be lost."""

from __future__ import annotations

import pytest

from generators.rules import security

SAMPLES = {
    "an AWS access key ID": ["AKIAIOSFODNN7EXAMPLE", "key=ASIAIOSFODNN7EXAMPLE;"],
    "a private key": ["-----BEGIN RSA PRIVATE KEY-----\nMIIE", "-----BEGIN PRIVATE KEY-----"],
    "a GitHub token": ["ghp_" + "a1" * 18, "token gho_" + "Z9" * 20],
    "a Slack token": ["xoxb-1234567890-abcdef", "xoxp-aaaaaaaaaa"],
    "a Stripe live key": ["sk_live_" + "x" * 16, "rk_live_" + "A1" * 10],
    "a Google API key": ["AIza" + "B" * 35, "k=AIza" + "9_-" * 11 + "xy"],
    "a password in a URL": ["postgres://app:s3cret@db.internal:5432/app", "HTTPS://user:pw@example.com"],
}


def test_every_kind_of_the_table_has_samples() -> None:
    assert set(SAMPLES) == {what for what, _ in security._SECRET_VALUES}


@pytest.mark.parametrize("what,value", [(w, v) for w, values in SAMPLES.items() for v in values])
def test_each_credential_format_passes_the_hints(what: str, value: str) -> None:
    pattern = dict(security._SECRET_VALUES)[what]
    assert pattern.search(value), value  # (a sample the table's pattern matches)
    assert security._SECRET_VALUE_HINTS.search(value)
    assert security._secret_value(value) == what


@pytest.mark.parametrize("value", ["INFO", "8080", "https://example.com/path", "arn:aws:ssm:us-east-1:1:parameter/x"])
def test_ordinary_values_are_no_secret(value: str) -> None:
    assert security._secret_value(value) is None
