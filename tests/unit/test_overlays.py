"""Per-environment overlays: deep merge, containers and name-keyed lists by name, other lists replaced, one root
per environment with its own family, validation per merged result naming the environment."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import NO_CONFIG, ecsform

from generators import validation
from generators.options import Options

BASE = """\
family: shop
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: 256
memory: 512
containerDefinitions:
  - name: web
    image: public.ecr.aws/nginx/nginx:1.27
    readonlyRootFilesystem: true
    command: [nginx, -g, daemon off;]
    environment: {A: base-a, B: base-b}
    secrets: {S: /shop/s}
    portMappings: [80]
    dockerLabels: {team: web, tier: front}
  - name: worker
    image: public.ecr.aws/docker/library/busybox:1.36
    readonlyRootFilesystem: true
    essential: false
"""


def plans(text: str, tmp_path: Path, env: str | None = None):
    spec = tmp_path / "shop.yaml"
    spec.write_text(text)
    result, _ = validation.build_plans([str(spec)], Options(env=env))
    return {p.environment: p.register for p in result}


def test_each_environment_is_merged_onto_the_base(tmp_path: Path) -> None:
    text = (
        BASE
        + """\
environments:
  dev: {}
  prod:
    cpu: 1024
    memory: 2 GB
    containerDefinitions:
      - name: web
        command: [nginx]
        environment: {B: prod-b, C: prod-c}
        dockerLabels: {tier: edge}
"""
    )
    got = plans(text, tmp_path)
    assert set(got) == {"dev", "prod"}
    dev, prod = got["dev"], got["prod"]
    assert (dev["family"], dev["cpu"], dev["memory"]) == ("shop-dev", "256", "512")
    assert (prod["family"], prod["cpu"], prod["memory"]) == ("shop-prod", "1024", "2048")
    web = {c["name"]: c for c in prod["containerDefinitions"]}["web"]
    assert web["command"] == ["nginx"]  # other lists are replaced
    assert web["environment"] == [
        {"name": "A", "value": "base-a"},
        {"name": "B", "value": "prod-b"},
        {"name": "C", "value": "prod-c"},
    ]  # merged by name
    assert web["secrets"] == [{"name": "S", "valueFrom": "/shop/s"}]
    assert web["dockerLabels"] == {"team": "web", "tier": "edge"}  # mappings merge deeply
    assert {c["name"] for c in prod["containerDefinitions"]} == {"web", "worker"}


def test_overlay_family_and_null_removal(tmp_path: Path) -> None:
    text = (
        BASE
        + """\
environments:
  prod:
    family: shop-production
    containerDefinitions:
      - name: web
        dockerLabels: {team: null}
"""
    )
    prod = plans(text, tmp_path)["prod"]
    assert prod["family"] == "shop-production"
    web = prod["containerDefinitions"][0]
    assert web["dockerLabels"] == {"tier": "front"}


def test_unknown_container_in_overlay_is_an_error_with_did_you_mean(tmp_path: Path) -> None:
    spec = tmp_path / "shop.yaml"
    spec.write_text(BASE + "environments:\n  prod:\n    containerDefinitions:\n      - name: wbe\n        cpu: 10\n")
    proc = ecsform("validate", str(spec))
    assert proc.returncode == 2
    assert f"{spec}:{BASE.count(chr(10)) + 4}:15: error ENV-UNKNOWN-CONTAINER: [environment prod]" in proc.stderr
    assert "did you mean 'web'?" in proc.stderr


def test_validation_runs_on_each_merged_result_and_names_the_environment(tmp_path: Path) -> None:
    spec = tmp_path / "shop.yaml"
    spec.write_text(BASE + "environments:\n  dev: {}\n  prod:\n    memory: 4096\n")
    proc = ecsform("validate", str(spec))
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if ": error " in line]
    assert errors and all("[environment prod]" in line for line in errors), proc.stderr
    assert any("ECS-C2" in line and f"{spec}:{BASE.count(chr(10)) + 4}:13:" in line for line in errors), proc.stderr


def test_env_option_limits_synth_and_render(tmp_path: Path) -> None:
    spec = tmp_path / "shop.yaml"
    spec.write_text(BASE + "environments:\n  dev: {}\n  prod: {cpu: 512, memory: 1024}\n")
    out = tmp_path / "out"
    assert ecsform("synth", str(spec), "--out", str(out), "--env", "prod").returncode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert [(r["family"], r["environment"], r["path"]) for r in manifest["roots"]] == [
        ("shop-prod", "prod", "shop/prod")
    ]
    proc = ecsform("render", str(spec), "--env", "dev")
    assert proc.returncode == 0 and json.loads(proc.stdout)["family"] == "shop-dev"
    proc = ecsform("render", str(spec))
    assert proc.returncode == 2 and "choose one with --env" in proc.stderr
    proc = ecsform("render", str(spec), "--env", "prdo")
    assert proc.returncode == 2 and "ENV-UNKNOWN" in proc.stderr and "did you mean 'prod'?" in proc.stderr


def test_all_environments_synthesize_to_their_own_roots(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert ecsform("synth", "specs/financial-api-stages.yaml", "--out", str(out), NO_CONFIG).returncode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert [(r["family"], r["environment"], r["path"]) for r in manifest["roots"]] == [
        ("financial-api-dev", "dev", "financial-api-stages/dev"),
        ("financial-api-prod", "prod", "financial-api-stages/prod"),
    ]
    dev = (out / "financial-api-stages/dev/main.tf").read_text()
    prod = (out / "financial-api-stages/prod/main.tf").read_text()
    assert 'cpu                      = "256"' in dev and 'memory                   = "512"' in dev
    assert 'cpu                      = "1024"' in prod and 'memory                   = "2048"' in prod
    assert '"development"' in dev and '"production"' in prod
    # x-ecsform merges too: the dev overlay adds a tag to the base's tags
    assert re.search(r'\n    environment = "development"\n    service     = "financial-api"\n', dev), dev
    assert re.search(r'\n    service = "financial-api"\n', prod) and "development" not in prod
