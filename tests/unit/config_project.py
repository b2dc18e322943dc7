"""The project the ecsform.yaml tests share: a spec with two environments, a configuration targeting two accounts."""

from __future__ import annotations

from pathlib import Path

SPEC = """\
family: shop
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: 256
memory: 512
containerDefinitions:
  - name: web
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:1.0
    readonlyRootFilesystem: true
    secrets:
      DB: arn:aws:secretsmanager:us-east-1:111111111111:secret:shop/db-AbCdEf
    logConfiguration:
      logDriver: awslogs
      options: {awslogs-group: /ecs/shop, awslogs-region: us-east-1, awslogs-stream-prefix: ecs}
x-ecsform:
  tags: {team: shop, managed-by: ecsform}
environments:
  dev: {}
  prod:
    containerDefinitions:
      - name: web
        secrets:
          DB: arn:aws:secretsmanager:eu-west-1:222222222222:secret:shop/db-GhIjKl
        logConfiguration:
          options: {awslogs-region: eu-west-1}
"""

CONFIG = """\
defaults:
  accountId: "123456789012"
  region: us-east-1
  tags: {managed-by: ecsform, cost-center: "42"}
environments:
  dev:
    accountId: "111111111111"
    roleArn: arn:aws:iam::111111111111:role/deploy
    tags: {environment: development}
  prod:
    accountId: "222222222222"
    region: eu-west-1
    roleArn: arn:aws:iam::222222222222:role/deploy
backend:
  s3:
    bucket: tfstate-{accountId}
    key: ecsform/{root}/terraform.tfstate
    region: us-east-1
    roleArn: arn:aws:iam::{accountId}:role/state
policy: {readonlyRootFilesystem: warn}
"""


def project(tmp_path: Path, config: str | None = CONFIG, spec: str = SPEC) -> Path:
    """A repository with an ecsform.yaml (when given) and specs/shop.yaml."""
    (tmp_path / ".git").mkdir(parents=True)
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shop.yaml").write_text(spec)
    if config is not None:
        (tmp_path / "ecsform.yaml").write_text(config)
    return tmp_path


def where(text: str, needle: str, offset: int = 0) -> str:
    """`LINE:COL` of the first `needle` in `text` (1-based), `offset` characters further."""
    index = text.index(needle) + offset
    return f"{text.count(chr(10), 0, index) + 1}:{index - text.rfind(chr(10), 0, index)}"
