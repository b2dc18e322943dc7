"""Finding.at, .located and .suppress build their copies field by field (dataclasses.replace cost three times as
much on every finding of every spec): each copy must equal replace's in every field, those that do not take part in
equality (at_key, data) included, and a field added to Finding later must not be dropped by them. The same holds
for Finding's pickling (as a call with its fields: synth's workers send every finding to the main process)."""

from __future__ import annotations

import dataclasses
import pickle

from generators.errors import Finding, Severity, sorted_findings


def _every_field_set() -> Finding:
    """A finding whose every field holds a value other than its default (whatever fields Finding has)."""
    values = {
        "rule": "ECS-X1",
        "severity": Severity.WARNING,
        "message": "a message",
        "path": ("containerDefinitions", 0, "image"),
        "hint": "a hint",
        "file": "a.yaml",
        "line": 3,
        "col": 7,
        "environment": "prod",
        "at_key": True,
        "suppressed": "a reason",
        "data": {"statements": [1, 2]},
    }
    fields = dataclasses.fields(Finding)
    assert {f.name for f in fields} == set(values), "a field was added to Finding: give it a value here"
    finding = Finding(**values)
    for f in fields:
        assert getattr(finding, f.name) != f.default, f.name
    return finding


def _all(finding: Finding) -> tuple:
    return tuple(getattr(finding, f.name) for f in dataclasses.fields(Finding))


def test_at_is_replace() -> None:
    f = _every_field_set()
    assert _all(f.at("b.json", 11, 13, "dev")) == _all(
        dataclasses.replace(f, file="b.json", line=11, col=13, environment="dev")
    )
    assert _all(f.at("b.json", 1, 1, None)) == _all(
        dataclasses.replace(f, file="b.json", line=1, col=1, environment=None)
    )


def test_located_is_replace() -> None:
    f = _every_field_set()
    assert _all(f.located("c.yaml", 5, 2)) == _all(dataclasses.replace(f, file="c.yaml", line=5, col=2))


def test_suppress_is_replace() -> None:
    f = _every_field_set()
    assert _all(f.suppress("policy: off")) == _all(dataclasses.replace(f, suppressed="policy: off"))


def test_pickle_keeps_every_field() -> None:
    f = _every_field_set()
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        assert _all(pickle.loads(pickle.dumps(f, protocol=protocol))) == _all(f)


def test_sorted_findings_drops_duplicates_and_keeps_the_order_of_ties() -> None:
    """Findings that sort alike (same file, environment, place, rule and message) but differ (a hint, a path) keep
    the order they came in, whatever the process's string hashing: a report is the same byte for byte every run."""
    base = _every_field_set()
    first = dataclasses.replace(base, hint="first")
    second = dataclasses.replace(base, hint="second", path=("family",))
    earlier = dataclasses.replace(base, line=1)
    for ties in ([first, second], [second, first]):
        found = sorted_findings([*ties, base, earlier, ties[0], base])
        assert found == [earlier, *ties, base]
