"""`ecsform ci`'s mistakes: the ci: block's are located findings (file:line:col, the field), the command's name what
to give; nothing is written after a mistake, and a file is written at once. An apply is never unprotected, and
ci.promotion orders the apply jobs."""

from __future__ import annotations

from pathlib import Path

import pytest
from ci_repo import GATED, lint
from conftest import ecsform
from ruamel.yaml import YAML

from generators import config as project_config
from generators.ci import command, github
from generators.errors import EcsformError


@pytest.mark.parametrize(
    "body, expected",
    [
        ("ci: {terraformVerison: 1.11.4}", "ecsform.yaml:1:6: error CONFIG-UNKNOWN-FIELD: ci.terraformVerison"),
        ("ci: {roleArn: 'arn:aws:iam::123456789012:user/ci'}", "ecsform.yaml:1:15: error CONFIG-INVALID: ci.roleArn"),
        ("ci: {pythonVersion: 3.11}", "ecsform.yaml:1:21: error CONFIG-INVALID: ci.pythonVersion"),
        ("ci: {terraformVersion: '1.11'}", "ecsform.yaml:1:24: error CONFIG-INVALID: ci.terraformVersion"),
        ("ci: {defaultBranch: 'a..b'}", "ecsform.yaml:1:21: error CONFIG-INVALID: ci.defaultBranch"),
        ("ci: {out: ../build}", "ecsform.yaml:1:11: error CONFIG-INVALID: ci.out"),
        (
            "environments: {dev: {}, prod: {}}\nci: {environments: {prd: {}}}",
            "ecsform.yaml:2:21: error CONFIG-ENV-UNDECLARED: ci.environments.prd",
        ),
        (
            "environments: {dev: {}}\nci: {environments: {dev: {gitlabEnvironment: 'a:b'}}}",
            "ecsform.yaml:2:46: error CONFIG-INVALID: ci.environments.dev.gitlabEnvironment",
        ),
        ("ci: {}", "ecsform.yaml:1:5: error CONFIG-REQUIRED: ci: no role for the pipeline to assume"),
        ("defaults: {region: us-east-1}", "ecsform.yaml:1:1: error CONFIG-REQUIRED: no role for the pipeline"),
    ],
)
def test_ci_block_mistakes_are_located(tmp_path: Path, body: str, expected: str) -> None:
    (tmp_path / "ecsform.yaml").write_text(body + "\n")
    with pytest.raises(EcsformError) as exc:
        command.generate("github", project_config.load(tmp_path / "ecsform.yaml", "ecsform.yaml"))
    assert expected in "\n".join(f.format() for f in exc.value.findings)


def test_a_mistake_stops_the_command_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "ecsform.yaml").write_text("ci: {roleArn: 'arn:aws:iam::123456789012:user/ci'}\n")
    proc = ecsform("ci", "github", cwd=tmp_path)
    assert proc.returncode == 2 and "ecsform.yaml:1:15: error CONFIG-INVALID: ci.roleArn" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / ".github").exists()


def test_prd_gets_a_did_you_mean(tmp_path: Path) -> None:
    (tmp_path / "ecsform.yaml").write_text("environments: {dev: {}, prod: {}}\nci: {environments: {prd: {}}}\n")
    with pytest.raises(EcsformError) as exc:
        project_config.load(tmp_path / "ecsform.yaml")
    assert exc.value.findings[0].hint.startswith("did you mean 'prod'?")


def test_command_mistakes(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "ecsform.yaml").write_text(GATED)
    cases = [
        (["ci", "circle"], "CI-KIND: unknown pipeline 'circle'"),
        (["ci", "github", "--apply"], "CI-KIND: --changed and --apply are for gitlab-child"),
        (["ci", "github-matrix"], "CI-CHANGED: github-matrix needs --changed FILE"),
        (["ci", "gitlab-child"], "CI-CHANGED: gitlab-child needs --changed FILE"),
        (["ci", "gitlab-child", "--changed", "missing.json"], "missing.json:1:1: error CI-CHANGED: cannot read it"),
        (["ci", "github", "--config", "nothere.yaml"], "CONFIG-READ"),
    ]
    (tmp_path / "bad.json").write_text('{"changed": [{"root": "../x", "environment": null}]}')
    cases.append((["ci", "gitlab-child", "--changed", "bad.json"], "CI-CHANGED: root '../x' is not a path"))
    (tmp_path / "text.json").write_text("changed")
    cases.append((["ci", "gitlab-child", "--changed", "text.json"], "CI-CHANGED: not JSON"))
    for args, expected in cases:
        proc = ecsform(*args, cwd=tmp_path)
        assert proc.returncode == 2 and expected in proc.stderr, (args, proc.stderr)
    (tmp_path / "other" / ".git").mkdir(parents=True)
    proc = ecsform("ci", "github", cwd=tmp_path / "other")  # no ecsform.yaml up to its repository's root
    assert proc.returncode == 2 and "CONFIG-READ: ecsform ci needs an ecsform.yaml" in proc.stderr, proc.stderr
    blocked = tmp_path / "file"
    blocked.write_text("")
    proc = ecsform("ci", "github", "--out", str(blocked / "x.yml"), cwd=tmp_path)
    assert proc.returncode == 2 and "OUT-NOT-DIR" in proc.stderr and blocked.read_text() == ""


def test_written_at_once_over_the_previous_file(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "ecsform.yaml").write_text(GATED)
    target = tmp_path / ".github" / "workflows" / "ecsform.yml"
    target.parent.mkdir(parents=True)
    target.write_text("old\n")
    target.chmod(0o640)
    proc = ecsform("ci", "github", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert target.read_text().startswith("# Generated by `ecsform ci github`")
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["ecsform.yml"]  # no temporary file left


# --- issue 22: chunks, promotion, gates, removed roots ---------------------------------------------------------


@pytest.mark.parametrize("engine", ["github", "gitlab"])
def test_no_unprotected_apply_for_roots_without_an_environment(tmp_path: Path, engine: str) -> None:
    """Roots of specs without environments apply behind the gate ci.environments.default names; without it, no
    workflow (a CONFIG-REQUIRED finding at the ci block), never one that applies in an environment nobody
    protects."""
    (tmp_path / "ecsform.yaml").write_text(
        "environments: {dev: {}}\nci:\n  roleArn: arn:aws:iam::123456789012:role/ci\n  environments:\n    dev: {}\n"
    )
    with pytest.raises(EcsformError) as exc:
        command.generate(engine, project_config.load(tmp_path / "ecsform.yaml", "ecsform.yaml"))
    (finding,) = exc.value.findings
    field = "githubEnvironment" if engine == "github" else "gitlabEnvironment"
    assert finding.format().startswith("ecsform.yaml:4:3: error CONFIG-REQUIRED: ci.environments: no ")
    assert f"ci.environments.default.{field}" in (finding.hint or "")
    (tmp_path / "ecsform.yaml").write_text(GATED)
    generated = command.generate(engine, project_config.load(tmp_path / "ecsform.yaml", "ecsform.yaml"))
    if engine == "github":  # (GitLab's gates are in the child pipeline: test_three_environments_...)
        assert 'environment: ${{ fromJSON(\'{"default":"ops"}\')' in generated


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            "environments: {dev: {}, prod: {}}\nci: {promotion: [dev, prd]}",
            "ecsform.yaml:2:23: error CONFIG-ENV-UNDECLARED: ci.promotion[1]: ci.promotion names 'prd'",
        ),
        (
            "environments: {dev: {}, prod: {}}\nci: {promotion: [dev, dev]}",
            "ecsform.yaml:2:23: error CONFIG-INVALID: ci.promotion[1]: ci.promotion names 'dev' twice",
        ),
        (
            "environments: {dev: {}, prod: {}}\nci: {maxJobs: 2}",
            "ecsform.yaml:2:15: error CONFIG-INVALID: ci.maxJobs: maxJobs 2 is less than the 3 environments",
        ),
        ("ci: {maxJobs: 257}", "ecsform.yaml:1:15: error CONFIG-INVALID: ci.maxJobs"),
        ("ci: {maxJobs: 0}", "ecsform.yaml:1:15: error CONFIG-INVALID: ci.maxJobs"),
    ],
)
def test_promotion_and_max_jobs_mistakes_are_located(tmp_path: Path, body: str, expected: str) -> None:
    (tmp_path / "ecsform.yaml").write_text(body + "\n")
    with pytest.raises(EcsformError) as exc:
        project_config.load(tmp_path / "ecsform.yaml", "ecsform.yaml")
    assert expected in "\n".join(f.format() for f in exc.value.findings)


def test_promotion_order_and_none(tmp_path: Path) -> None:
    """ci.promotion orders the apply jobs (prod after staging after dev, whatever the declaration order); [] applies
    every environment at once, in one job."""
    base = (
        "environments: {prod: {}, dev: {}, staging: {}}\n"
        "ci:\n  roleArn: arn:aws:iam::123456789012:role/ci\n"
        "  environments: {default: {githubEnvironment: ops, gitlabEnvironment: ops}}\n"
    )
    (tmp_path / "ecsform.yaml").write_text(base + "  promotion: [dev, staging, prod]\n")
    jobs = YAML(typ="safe").load(github.github(project_config.load(tmp_path / "ecsform.yaml")))["jobs"]
    assert [j for j in jobs if j.startswith("apply")] == ["apply-dev", "apply-staging", "apply-prod", "apply"]
    assert jobs["apply-prod"]["needs"][-1] == "apply-staging"
    (tmp_path / "ecsform.yaml").write_text(base)  # default: the declared order
    jobs = YAML(typ="safe").load(github.github(project_config.load(tmp_path / "ecsform.yaml")))["jobs"]
    assert [j for j in jobs if j.startswith("apply")] == ["apply-prod", "apply-dev", "apply-staging", "apply"]
    (tmp_path / "ecsform.yaml").write_text(base + "  promotion: []\n")
    out = tmp_path / "gh.yml"
    out.write_text(github.github(project_config.load(tmp_path / "ecsform.yaml")))
    lint("github", out)
    jobs = YAML(typ="safe").load(out.read_text())["jobs"]
    assert [j for j in jobs if j.startswith("apply")] == ["apply"]
