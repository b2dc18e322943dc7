"""The CDK engine's runtime (issue #6): either CDK package, chosen by the environment; without Node.js, or with a
broken Node.js or jsii runtime, one clear finding and no traceback (and the HCL engine needs no Node.js); Node.js's
notices printed as text."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, NO_CONFIG, REPO, ecsform, env_with

pytestmark = pytest.mark.cdk


def test_both_packages_are_installed_and_chosen_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from generators.emit import cdk_compat

    monkeypatch.delenv(cdk_compat.ENV_VAR, raising=False)
    assert cdk_compat.package_name() == "cdktn"
    monkeypatch.setenv(cdk_compat.ENV_VAR, "cdktf")
    assert cdk_compat.package_name() == "cdktf"
    monkeypatch.setattr(cdk_compat, "_installed", lambda name: name == "cdktn")
    assert cdk_compat.package_name() == "cdktn"  # the chosen one is missing: the other one
    monkeypatch.setattr(cdk_compat, "_installed", lambda name: False)
    with pytest.raises(cdk_compat.EcsformError, match="neither is installed"):
        cdk_compat.package_name()


def _no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr and "jsii" not in proc.stderr.split("error", 1)[0], proc.stderr


def test_without_node_the_cdk_engine_says_so_and_hcl_needs_no_node(tmp_path: Path) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()  # a PATH without node (python runs by its absolute path)
    env = env_with(PATH=str(bare), JSII_NODE=None)
    out = tmp_path / "out"
    proc = ecsform("synth", "--engine", "cdk", "specs", "--out", str(out), "--no-cache", env=env)
    assert proc.returncode == 2, proc.stderr
    assert "--engine:1:1: error CDK-RUNTIME: " in proc.stderr and "`node` is not on PATH" in proc.stderr
    _no_traceback(proc)
    assert not out.exists()
    proc = ecsform("cdk-app", "specs", env={**env, "CDKTF_OUTDIR": str(tmp_path / "cdktf.out")})
    assert proc.returncode == 2 and "CDK-RUNTIME" in proc.stderr
    _no_traceback(proc)
    # `make synth` runs the default engine: HCL, no Node.js needed
    proc = ecsform("synth", "specs", "--out", str(out), env=env)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert {r["engine"] for r in manifest["roots"]} == {"hcl"}
    assert "ENGINE ?= hcl" in (REPO / "Makefile").read_text()


def test_a_broken_node_or_jsii_runtime_is_a_finding(tmp_path: Path) -> None:
    node = tmp_path / "node"
    node.write_text("#!/bin/sh\necho 'node: cannot start' >&2\nexit 9\n")
    node.chmod(0o755)
    proc = ecsform(
        "synth",
        "--engine",
        "cdk",
        "specs/financial-api.json",
        "--out",
        str(tmp_path / "a"),
        "--no-cache",  # (the runtime must start: a render cache entry would spare it)
        env=env_with(JSII_NODE=str(node)),
    )
    assert proc.returncode == 2
    assert "CDK-RUNTIME" in proc.stderr and "failed (exit 9): node: cannot start" in proc.stderr
    _no_traceback(proc)
    proc = ecsform(
        "synth",
        "--engine",
        "cdk",
        "specs/financial-api.json",
        "--out",
        str(tmp_path / "b"),
        "--no-cache",
        env=env_with(JSII_RUNTIME=str(tmp_path / "missing-runtime.js")),
    )
    assert proc.returncode == 2
    assert "CDK-RUNTIME" in proc.stderr and "did not start" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = ecsform(
        "synth",
        "--engine",
        "cdk",
        "specs",
        "--out",
        str(tmp_path / "c"),
        "--no-cache",
        env=env_with(ECSFORM_CDK_PACKAGE="aws-cdk-lib"),
    )
    assert proc.returncode == 2 and "CDK-PACKAGE" in proc.stderr


def test_the_node_notice_is_text_not_python_bytes(tmp_path: Path) -> None:
    """Unsilenced, jsii passes on Node.js's notices (Node 20 is past its end of life); ecsform prints them as text
    (generators/cdk_compat._stderr_sink), not as b'!!...\\n'."""
    env = env_with(
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=None, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=None
    )
    proc = ecsform(
        "synth",
        "--engine",
        "cdk",
        str(FIXTURES / "valid" / "ec2-bridge.yaml"),
        "--out",
        str(tmp_path / "o"),
        NO_CONFIG,
        "--no-cache",  # (the runtime must start: a render cache entry would spare it)
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert not [line for line in proc.stderr.splitlines() if line.startswith(("b'", 'b"'))], proc.stderr
    node = subprocess.run([shutil.which("node") or "node", "--version"], capture_output=True, text=True).stdout
    if node.startswith("v20."):  # jsii 1.x: end of life since 2026-10-30, so the notice is there to see
        assert "!!  Node 20 is end-of-life" in proc.stderr, proc.stderr
