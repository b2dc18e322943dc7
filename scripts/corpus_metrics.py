"""The findings `ecsform validate --no-config FILE` gives on each file of a corpus of task definitions, per folder and
per rule id: the figures docs/rule-audit.md records (issue 21: at most one printed warning per file on average).

    .venv/bin/python scripts/corpus_metrics.py [CORPUS]    # default ../shared/corpus (real, real-yaml, aws-accepted)

Each file is validated alone, as a user would run it on that file. Prints one table per measure: files, files with
errors, errors, warnings (what prints at default settings) and notes (counted, not printed), and the files with no
error after `ecsform import` (the spec validated the same way; a file import refuses counts as one with errors);
then the findings per rule id and severity.
"""

from __future__ import annotations

import collections
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generators import validation  # noqa: E402
from generators.errors import EcsformError, shown  # noqa: E402
from generators.importer.command import import_spec  # noqa: E402
from generators.options import Options  # noqa: E402
from generators.spec.loader import SPEC_SUFFIXES  # noqa: E402

FOLDERS = ("real", "real-yaml", "aws-accepted")


def has_errors(path: Path) -> tuple[bool, list]:
    found = shown(validation.validate_findings([str(path)], Options(config=None)))
    return any(f.severity.value == "error" for f in found), found


def clean_after_import(path: Path, scratch: Path) -> bool:
    """True when `ecsform import` takes the file and the spec it writes validates with no error."""
    try:
        text, _ = import_spec(str(path))
    except EcsformError:
        return False
    spec = scratch / f"{path.stem}.yaml"
    spec.write_text(text, encoding="utf-8")
    return not has_errors(spec)[0]


def measure(folder: Path) -> tuple[int, list[str], dict[str, collections.Counter[str]], int]:
    """(files, the files with errors, severity -> rule id -> count, the files with no error after import)."""
    files = sorted(p for p in folder.iterdir() if p.suffix in SPEC_SUFFIXES)
    per: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    with_errors = []
    imported = 0
    with tempfile.TemporaryDirectory() as scratch:
        for path in files:
            errors, found = has_errors(path)
            if errors:
                with_errors.append(path.name)
            for f in found:
                per[f.severity.value][f.rule] += 1
            imported += clean_after_import(path, Path(scratch))
    return len(files), with_errors, per, imported


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "corpus"
    results = {name: measure(corpus / name) for name in FOLDERS if (corpus / name).is_dir()}
    if not results:
        print(f"no corpus at {corpus}", file=sys.stderr)
        return 2
    print(
        "| folder | files | files with errors | errors | warnings (per file) | notes | no error as is "
        "| no error after import |"
    )
    print("|---|---|---|---|---|---|---|---|")
    totals = [0, 0, 0, 0, 0, 0, 0]
    for name, (files, with_errors, per, imported) in results.items():
        row = [
            files,
            len(with_errors),
            sum(per["error"].values()),
            sum(per["warning"].values()),
            sum(per["note"].values()),
            files - len(with_errors),
            imported,
        ]
        totals = [a + b for a, b in zip(totals, row)]
        print(
            f"| {name} | {row[0]} | {row[1]} | {row[2]} | {row[3]} ({row[3] / files:.2f}) | {row[4]} | {row[5]} "
            f"| {row[6]} |"
        )
    t = totals
    print(f"| all | {t[0]} | {t[1]} | {t[2]} | {t[3]} ({t[3] / t[0]:.2f}) | {t[4]} | {t[5]} | {t[6]} |")
    print()
    print("| rule | " + " | ".join(results) + " |")
    print("|---|" + "---|" * len(results))
    rules = sorted({r for _, _, per, _ in results.values() for counts in per.values() for r in counts})
    for rule in rules:
        cells = []
        for _, _, per, _ in results.values():
            parts = [f"{per[s][rule]} {s[0].upper()}" for s in ("error", "warning", "note") if per[s][rule]]
            cells.append(" + ".join(parts) or "0")
        print(f"| {rule} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
