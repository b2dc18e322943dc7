"""Shared fixtures: paths, the Terraform CLI config, and helpers to run ecsform and terraform for real."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SPECS = REPO / "specs"
FIXTURES = REPO / "tests" / "fixtures"
MODULES = REPO / "modules"
# task definitions nobody here wrote, beside the project (never copied into it): `make corpus` (tests/corpus/)
SHARED_CORPUS = REPO.parent / "shared" / "corpus"
# without them (a clone elsewhere), their tests are not collected: nothing is skipped
collect_ignore_glob = [] if SHARED_CORPUS.is_dir() else ["corpus/*"]

sys.path.insert(0, str(REPO))

from generators import tfrc  # noqa: E402


def _silence_jsii_node_warnings() -> None:
    """jsii prints a banner on every start when Node.js is past its support dates (Node 20: 2026-10-30); the
    tests compare stderr, so name the installed major version as acknowledged, as the Makefile does."""
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    node = shutil.which("node")
    if node and "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION" not in os.environ:
        try:
            version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            return
        os.environ["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = version.strip().lstrip("v").split(".")[0]


_silence_jsii_node_warnings()


def _own_render_cache() -> None:
    """synth's render cache (on by default in the CLI) is the test session's, not the user's ~/.cache/ecsform: one
    folder for the session and its workers (they inherit the variable), removed by the process that made it."""
    if os.environ.get("ECSFORM_CACHE_DIR"):
        return
    import atexit
    import tempfile

    folder = tempfile.mkdtemp(prefix="ecsform-test-cache-")
    os.environ["ECSFORM_CACHE_DIR"] = folder
    atexit.register(shutil.rmtree, folder, True)


_own_render_cache()


def _findings_carry_declared_ids() -> None:
    """Every finding the code builds carries the id of a declared check (generators/errors.py `Check`): while the
    tests run, a finding that ecsform's code builds with an undeclared id fails the test that raised it. (The tests'
    own findings, with made-up ids for the report formats, are theirs, and so are their copies.)"""
    from generators.errors import CHECKS, Finding

    init = Finding.__init__

    def checked_init(self: Finding, *args: object, **kwargs: object) -> None:
        init(self, *args, **kwargs)  # type: ignore[arg-type]
        caller = sys._getframe(1).f_globals.get("__name__", "")
        # (generators/errors.py builds findings from checks, and copies of findings: those carry no new id)
        if self.rule not in CHECKS and caller.startswith("generators.") and caller != "generators.errors":
            from generators import rules

            assert self.rule in rules.collect(), f"finding id {self.rule} is not declared (generators/errors.py Check)"

    Finding.__init__ = checked_init  # type: ignore[method-assign]


_findings_carry_declared_ids()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep `--dist loadgroup` grouping by `xdist_group` on pytest >= 9.2.

    pytest-xdist 3.8 groups tests by appending `@GROUP` to each item's `_nodeid` in the worker; pytest 9.2 keeps
    node ids in a structured `_id`, so that assignment has no effect and grouped tests are spread over workers
    (pytest-dev/pytest-xdist#1386, fix pending in #1388). Until a release has the fix, do what it does: put the
    suffix on the structured id. A no-op outside xdist workers, with older pytest, or once xdist has done it.
    """
    if not getattr(config.option, "loadgroup", False):  # set by xdist in its workers only
        return
    from _pytest.nodeid import NodeId

    for item in items:
        groups = sorted(
            {str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")}
        )
        if groups and "@" not in item.nodeid and isinstance(getattr(item, "_id", None), NodeId):
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")


# `--no-config`: the spec's own meaning, without an ecsform.yaml. The repository's ecsform.yaml targets the specs in
# specs/ (accounts, regions, an S3 backend); tests about what a spec means by itself, and the fixtures (which name
# other regions and accounts on purpose), say so with this flag.
NO_CONFIG = "--no-config"


def config_args(spec: Path) -> list[str]:
    """The configuration a spec is synthesized with in the tests: the bundled ecsform.yaml for specs/, none for the
    fixtures."""
    return [] if spec.resolve().is_relative_to(SPECS) else [NO_CONFIG]


def spec_files() -> list[Path]:
    return sorted(p for p in SPECS.iterdir() if p.suffix in (".json", ".yaml", ".yml"))


def fixture_specs() -> list[Path]:
    return sorted(p for p in (FIXTURES / "valid").iterdir() if p.suffix in (".json", ".yaml", ".yml"))


@pytest.fixture(scope="session")
def tf_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for terraform: the CLI config with the provider mirror (written here, as `make` does)."""
    if shutil.which("terraform") is None:
        pytest.fail("terraform is not on PATH; the Terraform tests need it")
    config = tmp_path_factory.mktemp("tf") / "terraformrc"  # our own, never the user's ~/.terraformrc
    tfrc.write(config)
    env = dict(os.environ)
    env.update({"TF_CLI_CONFIG_FILE": str(config), "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"})
    # The Go runtime of terraform and of the provider it starts: no garbage collection below 2 GiB of heap. Loading
    # the AWS provider's schema, which every plan, apply and show pays, then costs about a quarter less CPU (measured:
    # 2.8 s instead of 3.8 s); each process peaks near 750 MB instead of 320 MB. Values in the environment win.
    env.setdefault("GOGC", "off")
    env.setdefault("GOMEMLIMIT", "2GiB")
    return env


def terraform(
    args: list[str], cwd: Path, env: dict[str, str], *, check: bool = True, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    command = ["terraform", *args, "-no-color"] if args[0] not in ("fmt", "version") else ["terraform", *args]
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"terraform {' '.join(args)} failed in {cwd} ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def ecsform(
    *args: str, cwd: Path = REPO, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python main.py ...` in a real process (exit codes and output as a user sees them)."""
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        input=input,
        timeout=300,
    )


def env_with(**changes: str | None) -> dict[str, str]:
    """This process's environment with `changes` (None: the variable removed)."""
    env = dict(os.environ)
    for k, v in changes.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def checkov_bin() -> Path:
    path = Path(os.environ.get("ECSFORM_CHECKOV", REPO / ".venv-checkov" / "bin" / "checkov"))
    if not path.exists():
        pytest.fail(f"checkov not found at {path}: run `make setup` (it installs .venv-checkov)")
    return path


def checkov(target: Path, *extra: str) -> dict:
    """Run checkov offline on a folder, or on a plan JSON file, and return its JSON report."""
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false", LOG_LEVEL="WARNING")
    # A plan file is enriched with the modules' code, so the skips written next to their resources apply to it.
    args = (
        ["-f", str(target), "--framework", "terraform_plan", "--repo-root-for-plan-enrichment", str(MODULES)]
        if target.is_file()
        else ["-d", str(target), "--framework", "terraform"]
    )
    proc = subprocess.run(
        [str(checkov_bin()), *args, "--quiet", "--skip-download", "-o", "json", *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    return report[0] if isinstance(report, list) else report


def failed(report: dict, allowed: dict[str, str] | None = None) -> list[str]:
    """The failed checks of a checkov report, but those in `allowed` (check id -> why it is the user's choice)."""
    return [
        f"{c['check_id']} {c['resource']} ({c.get('file_path')})"
        for c in report.get("results", {}).get("failed_checks", [])
        if c["check_id"] not in (allowed or {})
    ]


# checkov checks that judge a choice the spec's author made about their container, not one ecsform made: ecsform
# never changes what a container runs with unless a policy the user wrote says so (README, "Defaults and policy").
# Each is skipped only for a task that makes the choice, with the policy setting that answers it.
USER_CHOICES = {
    "CKV_AWS_336": "a container that does not set readonlyRootFilesystem: true keeps ECS's writable root "
    "(policy readonlyRootFilesystem: require or default-true answers it)",
    "CKV_AWS_97": "an EFS volume without transitEncryption: ENABLED mounts without TLS, ECS's default "
    "(policy efsTransitEncryption: require or default-true answers it)",
}


def user_choices(task: dict) -> dict[str, str]:
    """The USER_CHOICES a rendered task definition makes: the checks it may fail because of what its spec says."""
    out = {}
    if any(c.get("readonlyRootFilesystem") is not True for c in task["containerDefinitions"]):
        out["CKV_AWS_336"] = USER_CHOICES["CKV_AWS_336"]
    if any(
        v.get("efsVolumeConfiguration", {}).get("transitEncryption") != "ENABLED" and "efsVolumeConfiguration" in v
        for v in task.get("volumes", [])
    ):
        out["CKV_AWS_97"] = USER_CHOICES["CKV_AWS_97"]
    return out
