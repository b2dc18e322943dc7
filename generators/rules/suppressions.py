"""Inline, reasoned suppressions: `x-ecsform.ignore` in a spec.

```yaml
x-ecsform:
  ignore:
    - rule: SEC-READONLY-ROOT
      path: containerDefinitions[2]            # the path findings print; a finding at or under it matches
      reason: nginx writes /var/cache/nginx and /var/run; tracked in PLAT-123
```

- `path` is written as findings print it (`containerDefinitions[0].stopTimeout`). An entry matches a finding of
  its rule at that path or below it: `containerDefinitions[2]` covers every finding of the rule about that
  container, `containerDefinitions[2].healthCheck` only those about its health check.
- An entry without a `reason` (or with a blank one) is an error (IGNORE-REASON); an entry naming a rule that does
  not exist, or one ecsform relies on (see rules.NOT_CONFIGURABLE), or a malformed path, is an error
  (IGNORE-INVALID); an entry that suppresses nothing is a warning (IGNORE-UNMATCHED): for a spec with
  environments, an entry of the base is unmatched only when it matches nothing in every environment.
- A suppressed finding is not printed and never fails a run; the summary line counts it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Iterable

from ..errors import Check, FieldPath, Finding, Severity, format_path
from ..text import did_you_mean

# The findings this module raises (collected by the catalog: generators/rules).
IGNORE_REASON = Check("IGNORE-REASON", Severity.ERROR, "An x-ecsform.ignore entry gives no reason.")
IGNORE_INVALID = Check(
    "IGNORE-INVALID",
    Severity.ERROR,
    ("An x-ecsform.ignore entry names a rule that does not exist or cannot be suppressed, or a malformed path."),
)
IGNORE_UNMATCHED = Check("IGNORE-UNMATCHED", Severity.WARNING, "An x-ecsform.ignore entry suppresses nothing.")


KEY = "ignore"
_SEGMENT = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")


@functools.lru_cache(maxsize=4096)
def parse_path(text: str) -> FieldPath | None:
    """'containerDefinitions[0].stopTimeout' -> ('containerDefinitions', 0, 'stopTimeout'); None if malformed.
    (Kept per process: the same entries come back in spec after spec, and the result is an immutable tuple.)"""
    if not text:
        return None
    out: list[str | int] = []
    for part in text.split("."):
        m = _SEGMENT.fullmatch(part)
        if m is None:
            return None
        out.append(m.group(1))
        out.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return tuple(out)


@dataclass(frozen=True)
class Entry:
    index: int
    rule: str
    path: FieldPath
    reason: str


def entries(ignore: Iterable[Any], prefix: FieldPath) -> tuple[list[Entry], list[Finding]]:
    """The valid entries of an x-ecsform.ignore list (already typed by the extension model) and the findings about
    the others, with paths under `prefix` (x-ecsform.ignore)."""
    from . import configurable, known_ids, retired

    good: list[Entry] = []
    findings: list[Finding] = []
    known = known_ids()
    for i, item in enumerate(ignore):
        where = prefix + (i,)
        ok = True
        if item.rule not in known:
            findings.append(
                IGNORE_INVALID.finding(
                    f"no rule {item.rule!r}",
                    path=where + ("rule",),
                    hint=retired(item.rule)
                    or did_you_mean(item.rule, sorted(known))
                    or "`ecsform rules` lists every rule",
                )
            )
            ok = False
        elif (why := configurable(item.rule)) is not None:
            findings.append(
                IGNORE_INVALID.finding(
                    f"{item.rule} cannot be suppressed: {why}", path=where + ("rule",), hint="fix what it reports"
                )
            )
            ok = False
        path = parse_path(item.path)
        if path is None:
            findings.append(
                IGNORE_INVALID.finding(
                    f"{item.path!r} is not a field path",
                    path=where + ("path",),
                    hint="write it as findings print it, e.g. containerDefinitions[0].stopTimeout",
                )
            )
            ok = False
        if item.reason is None or not item.reason.strip():
            findings.append(
                IGNORE_REASON.finding(
                    f"the suppression of {item.rule} gives no reason",
                    path=where,
                    hint="add `reason:` saying why the finding does not apply here (reviewers read it)",
                    at_key=False,
                )
            )
            ok = False
        if ok and path is not None:
            good.append(Entry(i, item.rule, path, item.reason.strip()))
    return good, findings


def apply(findings: list[Finding], active: list[Entry], prefix: FieldPath) -> tuple[list[Finding], list[Finding]]:
    """Mark the findings the entries match as suppressed; return them and one IGNORE-UNMATCHED warning per entry
    that matched nothing (paths under `prefix`, to be located by the caller)."""
    used: set[int] = set()
    out = []
    for f in findings:
        if f.suppressed is None:
            for e in active:
                if f.rule == e.rule and f.path[: len(e.path)] == e.path:
                    used.add(e.index)
                    f = f.suppress(e.reason)
                    break
        out.append(f)
    unmatched = [
        IGNORE_UNMATCHED.finding(
            f"the suppression of {e.rule} at {_text(e.path)} matches no finding",
            path=prefix + (e.index,),
            hint="remove the entry (the finding it was written for is gone), or fix its rule or path",
        )
        for e in active
        if e.index not in used
    ]
    return out, unmatched


def _text(path: FieldPath) -> str:
    return format_path(path)
