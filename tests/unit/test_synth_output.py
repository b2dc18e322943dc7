"""synth: byte-identical output, module sources, manifest, atomic replacement that keeps Terraform's files."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REPO, SPECS, ecsform


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_two_runs_are_byte_identical(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "out", tmp_path / "b" / "out"
    for out in (a, b):
        proc = ecsform("synth", str(SPECS), "--out", str(out))
        assert proc.returncode == 0, proc.stderr
    assert tree(a) == tree(b)
    again = ecsform("synth", str(SPECS), "--out", str(a))
    assert again.returncode == 0
    assert tree(a) == tree(b)


def test_manifest_lists_every_root(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert ecsform("synth", "specs", "--out", str(out)).returncode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    for root in manifest["roots"]:
        assert set(root) >= {"family", "environment", "path", "engine", "spec"}
        assert root["engine"] == "hcl"
        assert (REPO / root["spec"]).is_file()
        assert (out / root["path"] / "main.tf").is_file()
    assert {r["family"] for r in manifest["roots"]} >= {"financial-api", "financial-etl"}


def test_relative_module_source_follows_out(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "er" / "out"
    assert ecsform("synth", "specs/financial-api.json", "--out", str(out)).returncode == 0
    main = (out / "financial-api" / "main.tf").read_text()
    source = main.split('source = "', 1)[1].split('"', 1)[0]
    assert (out / "financial-api" / source / "main.tf").resolve() == (REPO / "modules/ecs-task-definition/main.tf")


def test_module_source_option(tmp_path: Path) -> None:
    out = tmp_path / "out"
    url = "git::https://git.example.com/platform/ecsform.git//modules?ref=v1.2.0"
    assert ecsform("synth", "specs/financial-api.json", "--out", str(out), "--module-source", url).returncode == 0
    main = (out / "financial-api" / "main.tf").read_text()
    assert (
        'source = "git::https://git.example.com/platform/ecsform.git//modules/ecs-task-definition?ref=v1.2.0"' in main
    )


def test_resynth_keeps_terraform_working_files_and_drops_stale_roots(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert ecsform("synth", "specs", "--out", str(out)).returncode == 0
    (out / "financial-api" / ".terraform").mkdir()
    (out / "financial-api" / ".terraform" / "marker").write_text("x")
    (out / "financial-api" / "terraform.tfstate").write_text("{}")
    assert ecsform("synth", "specs/financial-api.json", "--out", str(out)).returncode == 0
    assert (out / "financial-api" / ".terraform" / "marker").read_text() == "x"
    assert (out / "financial-api" / "terraform.tfstate").read_text() == "{}"
    assert not (out / "financial-etl").exists()
    assert not list(tmp_path.glob(".out.ecsform-*"))


def test_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "important.txt").write_text("keep")
    proc = ecsform("synth", "specs", "--out", str(out))
    assert proc.returncode == 2
    assert "OUT-NOT-ECSFORM" in proc.stderr
    assert (out / "important.txt").read_text() == "keep"
    assert sorted(p.name for p in out.iterdir()) == ["important.txt"]


def test_invalid_spec_leaves_previous_output_intact(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert ecsform("synth", "specs", "--out", str(out)).returncode == 0
    before = tree(out)
    bad = tmp_path / "bad.yaml"
    bad.write_text("family: x\ncontainerDefinitions: [{name: a, image: b, memory: lots}]\n")
    proc = ecsform("synth", "specs", str(bad), "--out", str(out))
    assert proc.returncode == 2
    assert tree(out) == before


def test_secrets_without_suffix_are_resolved_only_when_ecsform_creates_the_role(tmp_path: Path) -> None:
    spec = tmp_path / "rc.yaml"
    spec.write_text("""\
family: rc
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: 256
memory: 512
containerDefinitions:
  - name: app
    image: registry.example.com/team/app:1.0
    readonlyRootFilesystem: true
    repositoryCredentials: {credentialsParameter: registry-login}
    secrets:
      A: "arn:aws:secretsmanager:us-east-1:123456789012:secret:legacy:key::"
      B: arn:aws:secretsmanager:us-east-1:123456789012:secret:full-AbCdEf
x-ecsform: {region: us-east-1}
""")
    assert ecsform("synth", str(spec), "--out", str(tmp_path / "a")).returncode == 0
    main = (tmp_path / "a" / "rc" / "main.tf").read_text()
    assert (
        'data "aws_secretsmanager_secret" "secret_legacy" {\n  arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:legacy"\n}'
        in main
    )
    assert 'data "aws_secretsmanager_secret" "secret_registry_login" {\n  name = "registry-login"\n}' in main
    assert 'full-AbCdEf" = data' not in main  # a full ARN needs no lookup
    brought = spec.read_text().replace(
        "family: rc\n", "family: rc\nexecutionRoleArn: arn:aws:iam::123456789012:role/exec\n"
    )
    spec.write_text(brought)
    assert ecsform("synth", str(spec), "--out", str(tmp_path / "b")).returncode == 0
    assert "aws_secretsmanager_secret" not in (tmp_path / "b" / "rc" / "main.tf").read_text()


def test_a_root_inside_another_root_is_refused(tmp_path: Path) -> None:
    """ROOT-NESTED: a spec with environments writes <family>/<env>/, which must not sit inside another spec's root
    (found among thousands of roots without comparing every pair)."""
    from generators import pipeline, validation
    from generators.errors import EcsformError

    specs = tmp_path / "specs"
    specs.mkdir()
    container = "containerDefinitions:\n  - {name: app, image: nginx, memory: 128}\n"
    (specs / "a.yaml").write_text("family: api\n" + container + "environments:\n  dev: {}\n")
    (specs / "b.yaml").write_text("family: api\n" + container)
    for i in range(300):  # unrelated roots around them, some sharing the prefix
        (specs / f"c{i:03d}.yaml").write_text(f"family: api-{i}\n" + container)
    out = tmp_path / "out"
    try:
        pipeline.synth([str(specs)], out, pipeline.Options(region="us-east-1"))
    except EcsformError as exc:
        errors = [f for f in exc.findings if f.severity.value == "error"]
        assert [(f.rule, f.message, Path(f.file).name, f.line, f.environment) for f in errors] == [
            (
                "ROOT-NESTED",
                f"root api/dev ({specs / 'a.yaml'}, environment dev) would sit inside root api ({specs / 'b.yaml'})",
                "a.yaml",
                1,
                "dev",
            )
        ]
    else:
        raise AssertionError("synth accepted a root inside another root")
    assert not out.exists()
    # validate is the same gate: it reports what synth refuses, naming both specs
    pair = [str(specs / "a.yaml"), str(specs / "b.yaml")]
    found = validation.validate_findings(pair, pipeline.Options(region="us-east-1"))
    assert [f.format().splitlines()[0] for f in found if f.rule == "ROOT-NESTED"] == [
        f"{specs / 'a.yaml'}:1:9: error ROOT-NESTED: [environment dev] family: root api/dev ({specs / 'a.yaml'}, "
        f"environment dev) would sit inside root api ({specs / 'b.yaml'})"
    ]
