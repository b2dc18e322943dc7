"""A change's roots in jobs (issue 22): `ecsform changed`'s roots in chunks within each engine's limits, the GitHub
matrices per promotion stage, removed roots that stop the run, and roots whose state changed since their plan planned
again and asked for again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ci_repo import make_multi
from conftest import ecsform
from ruamel.yaml import YAML

from generators import config as project_config
from generators.ci import github, gitlab, shell
from generators.ci.chunks import ChangedRoot, chunks


@pytest.fixture(scope="module")
def multi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_multi(tmp_path_factory.mktemp("multi"))


def _entries(services: int, environments: tuple[str | None, ...] = ("dev", "prod")) -> list[dict]:
    return [
        {"root": f"svc-{i:03d}" + (f"/{e}" if e else ""), "environment": e, "spec": f"specs/svc-{i:03d}.yaml"}
        for i in range(services)
        for e in environments
    ]


@pytest.mark.parametrize(
    "services, environments, limit, per_environment",
    [
        (150, ("dev", "prod"), 20, None),
        (150, ("dev", "prod"), 256, None),  # 300 roots in at most 256 jobs: GitHub's limit per matrix
        (150, ("dev", "prod"), 256, gitlab.GITLAB_CHUNKS_PER_ENVIRONMENT),
        (3, ("dev", "prod"), 20, None),  # fewer roots than jobs: one root per job
        (100, ("dev", "staging", "prod", None), 4, None),  # as few jobs as environments
        (1, (None,), 1, None),
    ],
)
def test_chunks_name_every_root_once_within_the_limits(
    services: int, environments: tuple, limit: int, per_environment: int | None
) -> None:
    entries = _entries(services, environments)
    roots = [ChangedRoot(e["root"], e["environment"], e["spec"]) for e in entries]
    made = chunks(roots, limit, per_environment)
    assert made == chunks(list(reversed(roots)), limit, per_environment)  # the same roots, the same chunks
    assert len(made) == min(limit, len(entries), len(environments) * (per_environment or limit))
    assert sorted(r for c in made for r in c.roots) == sorted(e["root"] for e in entries)  # each once
    assert len({c.id for c in made}) == len(made)
    by_root = {e["root"]: e["environment"] for e in entries}
    for chunk in made:
        assert {by_root[r] for r in chunk.roots} == {chunk.environment}  # one environment per job
    for environment in environments:
        sizes = [len(c.roots) for c in made if c.environment == environment]
        assert sizes and max(sizes) - min(sizes) <= 1  # balanced
        if per_environment:
            assert len(sizes) <= per_environment
    widest = max(len(c.roots) for c in made)
    assert widest == max(
        -(-sum(1 for e in entries if e["environment"] == env) // sum(1 for c in made if c.environment == env))
        for env in environments
    )
    if len(environments) > 1:  # fewer jobs than environments: config.py refuses such a maxJobs
        with pytest.raises(ValueError):
            chunks(roots, len(environments) - 1)


def test_github_matrix_300_roots_in_chunks_per_promotion_stage(multi: Path, tmp_path: Path) -> None:
    """`ecsform ci github-matrix`: the plan matrix within ci.maxJobs (20 by default) naming every root, one matrix
    per apply job of the workflow (ci.promotion's environments, then the rest), the removed roots; every output the
    workflow reads, also when empty."""
    cfg = project_config.load(multi / "ecsform.yaml")
    entries = _entries(100, ("dev", "staging", "prod")) + [{"root": "worker", "environment": None, "spec": "w.yaml"}]
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps({"changed": entries, "removed": [{"root": "old/dev", "environment": "dev"}]}))
    proc = ecsform("ci", "github-matrix", "--changed", str(changed), cwd=multi)
    assert proc.returncode == 0, proc.stderr
    outputs = dict(line.split("=", 1) for line in proc.stdout.splitlines())
    workflow = YAML(typ="safe").load(github.github(cfg))
    read = {k for k, v in workflow["jobs"]["changed"]["outputs"].items()} - {"since"}
    assert set(outputs) == read  # every output the workflow reads, no other
    plan = json.loads(outputs["plan"])["include"]
    assert len(plan) == 20 and sorted(r for c in plan for r in c["roots"].split()) == sorted(e["root"] for e in entries)
    stages = {k: json.loads(v)["include"] for k, v in outputs.items() if k.startswith("apply")}
    assert sorted(c["chunk"] for items in stages.values() for c in items) == sorted(c["chunk"] for c in plan)
    assert {c["environment"] for c in stages["apply_staging"]} == {"staging"}
    assert [c["roots"] for c in stages["apply"]] == ["worker"]
    assert outputs["removed"] == "old/dev"
    for job in ("apply-dev", "apply-staging", "apply-prod", "apply"):
        output = job.replace("-", "_")
        assert workflow["jobs"][job]["strategy"]["matrix"] == "${{ fromJSON(needs.changed.outputs." + output + ") }}"
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"changed": [], "removed": []}))
    proc = ecsform("ci", "github-matrix", "--changed", str(empty), cwd=multi)
    assert proc.stdout.splitlines() == [
        'plan={"include":[]}',
        'apply_dev={"include":[]}',
        'apply_staging={"include":[]}',
        'apply_prod={"include":[]}',
        'apply={"include":[]}',
        "removed=",
    ]


def test_removed_roots_stop_the_github_run_with_their_names(multi: Path) -> None:
    workflow = YAML(typ="safe").load(github.github(project_config.load(multi / "ecsform.yaml")))
    removed = workflow["jobs"]["removed"]
    assert removed["if"] == "needs.changed.outputs.removed != ''"
    script = removed["steps"][0]["run"]
    assert "$ECSFORM_REMOVED" in script and "::error" in script and script.rstrip().endswith("exit 1")
    assert "${{" not in script  # the names reach the shell through env


def test_a_changed_state_plans_again_and_asks_again(multi: Path) -> None:
    """A root whose state changed between its plan and its apply is not applied: the run's `replan` job dispatches
    the workflow again (input `replan`: the same `since`), which plans at the branch head and asks again."""
    workflow = YAML(typ="safe").load(github.github(project_config.load(multi / "ecsform.yaml")))
    jobs = workflow["jobs"]
    replan = jobs["replan"]
    assert replan["needs"] == ["changed", "apply-dev", "apply-staging", "apply-prod", "apply"]
    assert replan["permissions"] == {"actions": "write", "contents": "read"}
    assert (
        'gh workflow run "${workflow##*/}"' in replan["steps"][-1]["run"]
        and "--ref trunk" in replan["steps"][-1]["run"]
    )
    assert workflow["on"]["workflow_dispatch"]["inputs"]["replan"]["default"] == ""
    assert "github.event.inputs.replan" in jobs["changed"]["steps"][-2]["env"]["ECSFORM_SINCE"]
    assert "github.event.inputs.replan == ''" in jobs["record"]["if"]  # a replan records no image
    stale = [s for s in jobs["apply-prod"]["steps"] if s.get("name") == "Roots to plan again"]
    assert stale[0]["if"] == "failure()" and stale[0]["with"]["path"] == shell.STALE_FILE
    parent = YAML(typ="safe").load(gitlab.gitlab(project_config.load(multi / "ecsform.yaml")))
    assert {
        "if": '$ECSFORM_REPLAN && $CI_COMMIT_BRANCH == "trunk"',
        "variables": {"ECSFORM_SINCE": "$ECSFORM_REPLAN", "ECSFORM_CHILD_ARGS": "--apply", "ECSFORM_SYNTH_ARGS": ""},
    } in parent["ecsform-changed"]["rules"]
