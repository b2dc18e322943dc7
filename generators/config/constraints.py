"""The constraints of ecsform.yaml's values, each declared once: the loader checks a value with `ok`, and the model
puts the same constraint into the published JSON Schema (docs/config.schema.json) with `schema`, so the two accept
and reject the same values (tests/unit/test_config_schema.py feeds both the same cases).

Patterns are written in the subset that Python's `re` and ECMA-262 (what editors validating against the schema
use) read alike, and `ok` tests them as jsonschema does (`re.search`). Python's `$` also matches before a final
newline, ECMA-262's does not: `whole` ends a pattern with `$(?!\n)`, which both read as the end of the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .. import arns, providers


def whole(pattern: str) -> str:
    """A pattern that ends with `$`, ending at the end of the value in Python as in ECMA-262."""
    if not pattern.endswith("$"):
        raise ValueError(f"{pattern!r} does not end with $")
    return pattern + r"(?!\n)"


@dataclass(frozen=True)
class Text:
    """What a string value must be: a pattern, and a length in characters."""

    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None

    def ok(self, value: str) -> bool:
        if self.min_length is not None and len(value) < self.min_length:
            return False
        if self.max_length is not None and len(value) > self.max_length:
            return False
        return self.pattern is None or re.search(self.pattern, value) is not None

    def schema(self) -> dict[str, Any]:
        """The JSON Schema keywords of this constraint."""
        out: dict[str, Any] = {}
        if self.pattern is not None:
            out["pattern"] = self.pattern
        if self.min_length is not None:
            out["minLength"] = self.min_length
        if self.max_length is not None:
            out["maxLength"] = self.max_length
        return out


ACCOUNT = Text(whole(r"^\d{12}$"))
REGION = Text(whole(r"^[a-z]{2}(-[a-z]+)+-\d$"))
# the role ARN IAM accepts (arns.ROLE_ARN: partition, account, path, name), not a looser one
ROLE_ARN = Text(whole(arns.ROLE_ARN.pattern))
TF_VERSION = Text(whole(r"^\d+\.\d+\.\d+$"))
PY_VERSION = Text(whole(r"^3\.\d+$"))
# a branch name git accepts and a workflow can quote (git check-ref-format, without the rarely used characters)
BRANCH = Text(whole(r"^(?!-)(?!.*\.\.)(?!.*//)(?!/)(?!.*/$)(?!.*\.lock$)[A-Za-z0-9._/-]+$"))
# GitLab environment names: letters, digits, spaces and - _ / $ { } (docs.gitlab.com/ci/environments/)
GITLAB_ENVIRONMENT = Text(whole(r"^[A-Za-z0-9 _/${}-]+$"))
# docs.github.com: "An environment name may not exceed 255 characters"; no control characters
GITHUB_ENVIRONMENT = Text(r"^(?![\s\S]*[\x00-\x1f\x7f-\x9f])", 1, 255)
REPOSITORY = Text(whole(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$"))  # GitHub OWNER/NAME, GitLab GROUP/PROJECT
GITLAB_URL = Text(whole(r"^https://[A-Za-z0-9.-]+(:\d+)?$"))
PLATFORM = Text(whole(providers.PLATFORM.pattern))  # what terraform providers lock -platform takes
# tags: what IAM, ECS, CloudWatch Logs, Secrets Manager, EFS and KMS all accept
TAG_KEY_LENGTH = Text(None, 1, 128)
TAG_KEY_FREE = Text(r"^(?![aA][wW][sS]:)")  # AWS reserves the prefix aws: (any case)
TAG_VALUE = Text(None, None, 256)
# S3 general purpose bucket names: 3-63 characters, lowercase letters, digits, dots and hyphens, beginning and
# ending with a letter or digit, no two adjacent dots (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)
# (not in the schema: a backend value may hold placeholders)
BUCKET = Text(whole(r"^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"))


def relative(path: str) -> bool:
    """A relative path inside the repository (what ci.specs, ci.out and images.folder name)."""
    parts = path.replace("\\", "/").split("/")
    return bool(path.strip()) and not path.startswith("/") and ".." not in parts and path.isprintable()
