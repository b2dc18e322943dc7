"""Regenerate the generated parts of the documentation, or check that they are fresh (--check).

- docs/rules.md, between <!-- BEGIN RULES --> and <!-- END RULES -->: `ecsform rules --markdown`.
- docs/spec.schema.json: `ecsform schema`; docs/config.schema.json: `ecsform schema --config`.
- docs/verify.md and docs/deploy.md, between <!-- BEGIN ACTIONS --> and <!-- END ACTIONS -->: the IAM actions
  each command of the page calls (generators/aws/actions.py).
- modules/*/README.md, between <!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS -->: inputs and outputs tables
  read from the module's variables.tf and outputs.tf (generators/tfdocs.py).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generators import config as project_config  # noqa: E402
from generators import rules  # noqa: E402
from generators.aws import actions  # noqa: E402
from generators.spec import schema as spec_schema  # noqa: E402
from scripts import tfdocs  # noqa: E402


def replace_between(text: str, begin: str, end: str, body: str) -> str:
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise SystemExit(f"markers {begin} ... {end} not found")
    return pattern.sub(lambda _: f"{begin}\n{body}{end}", text, count=1)


def expected() -> dict[Path, str]:
    out = {}
    reference = REPO / "docs" / "rules.md"
    out[reference] = replace_between(
        reference.read_text(), "<!-- BEGIN RULES -->", "<!-- END RULES -->", rules.markdown_table()
    )
    for page, commands in (("verify.md", actions.BEFORE_APPLY), ("deploy.md", actions.AFTER_APPLY)):
        path = REPO / "docs" / page
        out[path] = replace_between(
            path.read_text(), "<!-- BEGIN ACTIONS -->", "<!-- END ACTIONS -->", actions.markdown_table(commands)
        )
    out[REPO / "docs" / "spec.schema.json"] = spec_schema.text()
    out[REPO / "docs" / "config.schema.json"] = project_config.schema_text()
    for module in sorted((REPO / "modules").iterdir()):
        doc = module / "README.md"
        if doc.exists():
            out[doc] = replace_between(
                doc.read_text(), "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->", tfdocs.markdown(module)
            )
    return out


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, text in expected().items():
        if not path.exists() or path.read_text() != text:
            stale.append(path.relative_to(REPO))
            if not check:
                path.write_text(text)
    if check and stale:
        print("stale generated docs (run `make docs`): " + ", ".join(map(str, stale)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
