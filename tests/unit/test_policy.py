"""The policy block (x-ecsform.policy, --policy FILE), rule settings and reasoned suppressions (issue 11, items 1, 2
and 7), through the CLI where the user sees them and through the functions the project file will call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ecsform

from generators import rules, validation
from generators.errors import Severity, format_path
from generators.options import Options
from generators.spec import policy as policies
from generators.spec.loader import load_text

SPEC = """\
family: orders
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: 256
memory: 512
containerDefinitions:
  - name: app
    image: public.ecr.aws/nginx/nginx:1.27
    stopTimeout: 150
    logConfiguration:
      logDriver: awslogs
      options: {awslogs-group: /ecs/orders, awslogs-region: us-east-1, awslogs-stream-prefix: app}
volumes:
  - name: data
    efsVolumeConfiguration: {fileSystemId: fs-0123456789abcdef0}
x-ecsform:
  region: us-east-1
"""
F9_MESSAGE = "stopTimeout 150 s is outside Fargate's 2-120 seconds"  # ECS-F9's own text, not this test's subject
APP_LINE = SPEC.splitlines().index("  - name: app") + 1  # the container's place: column 5 (`name`)
EFS_LINE = SPEC.splitlines().index("    efsVolumeConfiguration: {fileSystemId: fs-0123456789abcdef0}") + 1


def write(tmp_path: Path, text: str, name: str = "orders.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def stderr_lines(proc) -> list[str]:  # noqa: ANN001
    assert "Traceback" not in proc.stderr
    return [line for line in proc.stderr.splitlines() if not line.startswith("    hint: ")]


# --- ECS semantics and the default level (note) -------------------------------------------------------------


def test_the_default_policy_counts_hardening_notes_and_adds_nothing(tmp_path: Path) -> None:
    """Hardening advice is a note: counted in the summary, which names the command that lists them; --notes lists
    them; `warn` raises them to warnings."""
    spec = write(tmp_path, SPEC)
    proc = ecsform("validate", str(spec))
    assert proc.returncode == 0, proc.stderr
    assert stderr_lines(proc) == [
        f"{spec}:9:18: warning ECS-F9: containerDefinitions[0].stopTimeout: " + F9_MESSAGE,
        "0 error(s), 1 warning(s), 2 note(s) not shown (ecsform validate --notes lists them)",
    ]
    notes = [
        f"{spec}:{APP_LINE}:5: note SEC-READONLY-ROOT: containerDefinitions[0]: container 'app' does not set "
        "readonlyRootFilesystem: ECS gives it a writable root filesystem",
        f"{spec}:9:18: warning ECS-F9: containerDefinitions[0].stopTimeout: " + F9_MESSAGE,
        f"{spec}:{EFS_LINE}:5: note SEC-EFS-TRANSIT: volumes[0].efsVolumeConfiguration: volume 'data' does not set "
        "transitEncryption: ECS mounts the file system without TLS (DISABLED)",
    ]
    proc = ecsform("validate", "--notes", str(spec))
    assert proc.returncode == 0, proc.stderr
    assert stderr_lines(proc) == notes + ["0 error(s), 1 warning(s), 2 note(s)"]
    # notes never fail --strict: only the warning does
    assert ecsform("validate", "--strict", str(spec)).returncode == 2
    raised = write(tmp_path, SPEC.replace("stopTimeout: 150", "stopTimeout: 100"), "raised.yaml")
    assert ecsform("validate", "--strict", str(raised)).returncode == 0
    policy = write(tmp_path, "readonlyRootFilesystem: warn\nefsTransitEncryption: warn\n", "policy.yaml")
    proc = ecsform("validate", "--policy", str(policy), str(spec))
    assert stderr_lines(proc) == [line.replace(" note SEC-", " warning SEC-") for line in notes] + [
        "0 error(s), 3 warning(s)"
    ]
    rendered = json.loads(ecsform("render", str(spec)).stdout)
    assert "readonlyRootFilesystem" not in rendered["containerDefinitions"][0]
    # ECS's own defaults, written out so the plan after apply stays clean: nothing a container sees changes
    assert rendered["volumes"][0]["efsVolumeConfiguration"] == {
        "fileSystemId": "fs-0123456789abcdef0",
        "rootDirectory": "/",
        "transitEncryption": "DISABLED",
        "authorizationConfig": {"iam": "DISABLED"},
    }


def test_the_readonly_hint_names_the_paths_a_known_image_writes(tmp_path: Path) -> None:
    spec = write(tmp_path, SPEC)
    hint = ecsform("validate", "--notes", str(spec)).stderr.splitlines()[1]
    assert hint == (
        "    hint: set readonlyRootFilesystem: true and mount a task volume at each path the image writes (a volume with "
        "only a `name` is task storage that lives as long as the task); this image writes /var/cache/nginx, /var/run: "
        "volumes: [{name: var-cache-nginx}, {name: var-run}] and, in the container, mountPoints: [{sourceVolume: "
        "var-cache-nginx, containerPath: /var/cache/nginx}, {sourceVolume: var-run, containerPath: /var/run}]. Or "
        "write readonlyRootFilesystem: false to keep ECS's writable root (checkov: CKV_AWS_336)"
    )


# --- require and default-true -------------------------------------------------------------------------------


def test_require_fails_at_the_container(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        SPEC + "  policy:\n    readonlyRootFilesystem: require\n    efsTransitEncryption: require\n"
        "    nonRootUser: require\n",
    )
    proc = ecsform("validate", str(spec))
    assert proc.returncode == 2
    lines = stderr_lines(proc)
    assert lines[0] == (
        f"{spec}:{APP_LINE}:5: error SEC-NON-ROOT: containerDefinitions[0]: container 'app' does not set "
        "`user`: it runs as the image's USER, often root, and the policy requires a non-root user"
    )
    assert lines[1] == (
        f"{spec}:{APP_LINE}:5: error SEC-READONLY-ROOT: containerDefinitions[0]: container 'app' does not "
        "set readonlyRootFilesystem: the policy requires a read-only root filesystem"
    )
    assert lines[3] == (
        f"{spec}:{EFS_LINE}:5: error SEC-EFS-TRANSIT: volumes[0].efsVolumeConfiguration: volume 'data' "
        "mounts EFS without transit encryption: the policy requires transitEncryption: ENABLED"
    )
    assert lines[-1] == "3 error(s), 1 warning(s)"
    assert ecsform("synth", str(spec), "--out", str(tmp_path / "out")).returncode == 2
    assert not (tmp_path / "out").exists()


def test_default_true_writes_the_value_and_render_shows_it(tmp_path: Path) -> None:
    spec = write(
        tmp_path, SPEC + "  policy: {readonlyRootFilesystem: default-true, efsTransitEncryption: default-true}\n"
    )
    proc = ecsform("render", str(spec))
    assert proc.returncode == 0, proc.stderr
    rendered = json.loads(proc.stdout)
    assert rendered["containerDefinitions"][0]["readonlyRootFilesystem"] is True
    assert rendered["volumes"][0]["efsVolumeConfiguration"]["transitEncryption"] == "ENABLED"
    assert "SEC-READONLY-ROOT" not in proc.stderr and "SEC-EFS-TRANSIT" not in proc.stderr
    # what the spec writes itself stays: default-true fills in only where the spec is silent
    explicit = SPEC.replace("    stopTimeout: 150\n", "    stopTimeout: 150\n    readonlyRootFilesystem: false\n")
    spec = write(tmp_path, explicit + "  policy: {readonlyRootFilesystem: default-true}\n", "explicit.yaml")
    assert json.loads(ecsform("render", str(spec)).stdout)["containerDefinitions"][0]["readonlyRootFilesystem"] is False
    # the Terraform root declares the same container definitions
    out = tmp_path / "out"
    spec = write(tmp_path, SPEC + "  policy: {readonlyRootFilesystem: default-true}\n", "root.yaml")
    assert ecsform("synth", str(spec), "--out", str(out)).returncode == 0
    assert "readonlyRootFilesystem = true" in (out / "orders" / "main.tf").read_text()


def test_default_true_leaves_windows_containers_alone() -> None:
    text = SPEC.replace(
        "volumes:\n  - name: data\n    efsVolumeConfiguration: {fileSystemId: fs-0123456789abcdef0}\n", ""
    )
    text = text.replace(
        "cpu: 256\nmemory: 512\n",
        "cpu: 1024\nmemory: 2048\nruntimePlatform: "
        "{operatingSystemFamily: WINDOWS_SERVER_2022_CORE, cpuArchitecture: X86_64}\n",
    )
    text = text.replace("public.ecr.aws/nginx/nginx:1.27", "mcr.microsoft.com/windows/servercore/iis")
    text = text.replace("    stopTimeout: 150\n", "")
    task = json.loads(
        json.dumps(
            validation.build_plans_from_text(
                text + "  policy: {readonlyRootFilesystem: default-true}\n", "w.yaml", Options()
            )[0][0].register
        )
    )
    assert "readonlyRootFilesystem" not in task["containerDefinitions"][0]


def test_off_says_nothing(tmp_path: Path) -> None:
    spec = write(tmp_path, SPEC + "  policy: {readonlyRootFilesystem: 'off', efsTransitEncryption: 'off'}\n")
    proc = ecsform("validate", str(spec))
    assert [x for x in stderr_lines(proc) if "SEC-" in x] == []


def test_non_root_user_notes_where_the_spec_runs_as_root(tmp_path: Path) -> None:
    spec = write(tmp_path, SPEC.replace("    stopTimeout: 150\n", '    user: "0:0"\n'))
    lines = stderr_lines(ecsform("validate", "--notes", str(spec)))
    assert (
        f"{spec}:9:11: note SEC-NON-ROOT: containerDefinitions[0].user: container 'app' runs as root "
        "(user '0:0')" in lines
    )
    spec = write(tmp_path, spec.read_text() + "  policy: {nonRootUser: warn}\n")
    lines = stderr_lines(ecsform("validate", str(spec)))
    assert (
        f"{spec}:9:11: warning SEC-NON-ROOT: containerDefinitions[0].user: container 'app' runs as root "
        "(user '0:0')" in lines
    )


# --- --policy FILE and the layers ---------------------------------------------------------------------------


def test_a_policy_file_applies_and_the_spec_overrides_it_field_by_field(tmp_path: Path) -> None:
    file = write(
        tmp_path, "readonlyRootFilesystem: require\nrules:\n  ECS-F9: error\n  ECS-C14: 'off'\n", "policy.yaml"
    )
    spec = write(tmp_path, SPEC)
    proc = ecsform("validate", str(spec), "--policy", str(file))
    assert proc.returncode == 2
    lines = stderr_lines(proc)
    assert f"{spec}:9:18: error ECS-F9: containerDefinitions[0].stopTimeout: {F9_MESSAGE}" in lines
    assert any(" error SEC-READONLY-ROOT: " in x for x in lines)
    # the spec's own layer wins for what it says (readonlyRootFilesystem), the file's for the rest (ECS-F9)
    spec = write(tmp_path, SPEC + "  policy: {readonlyRootFilesystem: warn, rules: {ECS-F9: 'off'}}\n", "spec.yaml")
    proc = ecsform("validate", str(spec), "--policy", str(file))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.endswith(
        "0 error(s), 1 warning(s), 1 note(s) not shown (ecsform validate --notes lists them), 1 suppressed\n"
    ), proc.stderr


def test_policy_file_errors_are_located_in_the_file(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        "readOnlyRootFilesystem: require\nefsTransitEncryption: on\nlogRetentionDays: 100\n"
        "rules:\n  ECS-F10: error\n  SEC-READONLY-ROOT: 'off'\n  ECS-A6: 'off'\n  ECS-F9: warn\n",
        "policy.yaml",
    )
    proc = ecsform("validate", str(write(tmp_path, SPEC)), "--policy", str(file))
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"{file}:1:1: error POLICY-UNKNOWN-FIELD: readOnlyRootFilesystem: unknown field 'readOnlyRootFilesystem'",
        "    hint: did you mean 'readonlyRootFilesystem'?",
        f"{file}:2:23: error POLICY-INVALID: efsTransitEncryption: 'on' is not one of 'off', 'note', 'warn', "
        "'require' or 'default-true'",
        "    hint: the levels are off, note, warn, require and default-true",
        f"{file}:8:11: error POLICY-INVALID: rules.ECS-F9: 'warn' is not one of 'off', 'note', 'warning' or 'error'",
        "    hint: write warning",
        "3 error(s), 0 warning(s)",
    ]
    # once the model accepts the block, the values are checked: every problem at its place
    file.write_text("logRetentionDays: 100\nrules:\n  ECS-F10: error\n  SEC-READONLY-ROOT: 'off'\n  ECS-A6: 'off'\n")
    proc = ecsform("validate", str(tmp_path / "orders.yaml"), "--policy", str(file))
    assert proc.returncode == 2
    assert [x for x in proc.stderr.splitlines() if not x.startswith("    ")] == [
        f"{file}:1:19: error POLICY-INVALID: logRetentionDays: CloudWatch Logs does not accept a retention of 100 days",
        f"{file}:3:3: error POLICY-INVALID: rules.ECS-F10: no rule 'ECS-F10'",
        f"{file}:4:3: error POLICY-INVALID: rules.SEC-READONLY-ROOT: SEC-READONLY-ROOT is set by the policy's "
        "readonlyRootFilesystem level",
        f"{file}:5:3: error POLICY-INVALID: rules.ECS-A6: ECS-A6 cannot be configured: ecsform relies on it to write a "
        "root that Terraform accepts",
        "4 error(s), 0 warning(s)",
    ]


def test_an_x_ecsform_policy_error_is_located_in_the_spec(tmp_path: Path) -> None:
    spec = write(tmp_path, SPEC + "  policy:\n    nonRootUser: default-true\n")
    proc = ecsform("validate", str(spec))
    assert proc.returncode == 2
    assert (
        f"{spec}:19:18: error POLICY-INVALID: x-ecsform.policy.nonRootUser: 'default-true' is not one of 'off', "
        "'note', 'warn' or 'require'"
    ) in proc.stderr.splitlines()


def test_layers_combine_field_by_field() -> None:
    project = policies.Policy.model_validate({"readonlyRootFilesystem": "require", "rules": {"ECS-F9": "error"}})
    file = policies.Policy.model_validate({"logRetentionDays": 731, "rules": {"ECS-C14": "off"}})
    spec = policies.Policy.model_validate({"readonlyRootFilesystem": "warn", "rules": {"ECS-F9": "off"}})
    combined = policies.combine(project, file, spec)
    assert (combined.readonly_root_filesystem, combined.non_root_user, combined.log_retention_days) == (
        "warn",
        "note",
        731,
    )
    assert combined.rules == {"ECS-C14": "off", "ECS-F9": "off"}
    assert policies.combine() == policies.DEFAULT


def test_from_node_gives_located_findings_for_a_policy_inside_another_file() -> None:
    """What the project file (ecsform.yaml) will call with its `policy:` entry."""
    text = "targets: {}\npolicy:\n  readonlyRootFilesystem: requier\n  logRetentionDays: 400\n"
    node = load_text(text, "ecsform.yaml").value["policy"]
    layer, findings = policies.from_node(node, "ecsform.yaml", ("policy",), catalog=rules)
    assert layer is None
    assert [(f.rule, f.line, f.col, format_path(f.path)) for f in findings] == [
        ("POLICY-INVALID", 3, 27, "policy.readonlyRootFilesystem")
    ]
    good = load_text("policy:\n  logRetentionDays: 400\n", "ecsform.yaml").value["policy"]
    layer, findings = policies.from_node(good, "ecsform.yaml", ("policy",), catalog=rules)
    assert findings == [] and layer is not None and layer.log_retention_days == 400


def test_log_retention_comes_from_the_policy_unless_the_spec_says(tmp_path: Path) -> None:
    out = tmp_path / "out"
    file = write(tmp_path, "logRetentionDays: 731\n", "policy.yaml")
    spec = write(tmp_path, SPEC)
    assert ecsform("synth", str(spec), "--out", str(out), "--policy", str(file)).returncode == 0
    assert "log_retention_in_days = 731" in (out / "orders" / "main.tf").read_text()
    spec = write(tmp_path, SPEC + "  logs: {retentionInDays: 90}\n")
    assert ecsform("synth", str(spec), "--out", str(out), "--policy", str(file)).returncode == 0
    assert "log_retention_in_days = 90" in (out / "orders" / "main.tf").read_text()
    spec = write(tmp_path, SPEC)
    assert ecsform("synth", str(spec), "--out", str(out)).returncode == 0
    assert "log_retention_in_days = 365" in (out / "orders" / "main.tf").read_text()


# --- rule settings and suppressions -------------------------------------------------------------------------

IGNORE = """\
  ignore:
    - rule: ECS-F9
      path: containerDefinitions[0].stopTimeout
      reason: the worker drains its queue for up to 150 seconds; ECS caps it at 120 and we accept that
    - rule: SEC-READONLY-ROOT
      path: containerDefinitions[0]
      reason: nginx writes /var/cache/nginx and /var/run
    - rule: SEC-EFS-TRANSIT
      path: volumes
      reason: scratch data, mounted as ECS does by default
"""


def test_suppressions_with_reasons_are_counted_and_strict_passes(tmp_path: Path) -> None:
    spec = write(tmp_path, SPEC + IGNORE)
    proc = ecsform("validate", "--strict", str(spec))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "0 error(s), 0 warning(s), 3 suppressed\n"
    synth = ecsform("synth", "--strict", str(spec), "--out", str(tmp_path / "out"))
    assert synth.returncode == 0 and "3 suppressed" in synth.stderr


def test_a_suppression_without_a_reason_is_an_error_and_one_that_matches_nothing_a_warning(tmp_path: Path) -> None:
    text = SPEC + IGNORE.replace("      reason: scratch data, mounted as ECS does by default\n", "      reason: ' '\n")
    text += "    - {rule: ECS-C14, path: 'containerDefinitions[0]'}\n    - {rule: ECS-G1, path: 'containerDefinitions[0].healthCheck', reason: old}\n"
    text += "    - {rule: ECS-X1, path: family, reason: typo}\n    - {rule: ECS-F8, path: 'containers[0', reason: x}\n"
    spec = write(tmp_path, text)
    proc = ecsform("validate", "--notes", str(spec))
    assert proc.returncode == 2
    lines = stderr_lines(proc)
    assert [x.split(": ", 1)[1] for x in lines[:-1]] == [
        "note SEC-EFS-TRANSIT: volumes[0].efsVolumeConfiguration: volume 'data' does not set transitEncryption: "
        "ECS mounts the file system without TLS (DISABLED)",
        "error IGNORE-REASON: x-ecsform.ignore[2]: the suppression of SEC-EFS-TRANSIT gives no reason",
        "error IGNORE-REASON: x-ecsform.ignore[3]: the suppression of ECS-C14 gives no reason",
        "warning IGNORE-UNMATCHED: x-ecsform.ignore[4]: the suppression of ECS-G1 at containerDefinitions[0].healthCheck "
        "matches no finding",
        "error IGNORE-INVALID: x-ecsform.ignore[5].rule: no rule 'ECS-X1'",
        "error IGNORE-INVALID: x-ecsform.ignore[6].path: 'containers[0' is not a field path",
    ]
    assert lines[-1] == "4 error(s), 1 warning(s), 1 note(s), 2 suppressed"


def test_a_suppression_of_the_base_is_unmatched_only_when_no_environment_uses_it(tmp_path: Path) -> None:
    text = (
        SPEC.replace("    stopTimeout: 150\n", "")
        + IGNORE.split("    - rule: SEC-READONLY-ROOT")[0]
        + "environments:\n  dev: {}\n  prod:\n    containerDefinitions:\n      - name: app\n        stopTimeout: 150\n"
    )
    spec = write(tmp_path, text)
    proc = ecsform("validate", str(spec))
    assert "IGNORE-UNMATCHED" not in proc.stderr, proc.stderr
    assert "ECS-F9" not in proc.stderr
    assert "1 suppressed" in proc.stderr
    # checked one environment at a time, an entry may be meant for another: nothing is said
    assert "IGNORE-UNMATCHED" not in ecsform("validate", str(spec), "--env", "dev").stderr
    # matched by no environment: one warning, for the spec (not one per environment)
    spec = write(tmp_path, text.replace("        stopTimeout: 150\n", "        stopTimeout: 100\n"), "none.yaml")
    proc = ecsform("validate", str(spec))
    unmatched = [x for x in stderr_lines(proc) if "IGNORE-UNMATCHED" in x]
    line = spec.read_text().splitlines().index("    - rule: ECS-F9") + 1
    assert unmatched == [
        f"{spec}:{line}:7: warning IGNORE-UNMATCHED: x-ecsform.ignore[0]: the suppression of ECS-F9 at "
        "containerDefinitions[0].stopTimeout matches no finding"
    ]


@pytest.mark.parametrize("rule", ["ECS-A8", "SPEC-TYPE", "REGION-UNSET"])
def test_what_ecsform_relies_on_cannot_be_suppressed(tmp_path: Path, rule: str) -> None:
    spec = write(tmp_path, SPEC + f"  ignore: [{{rule: {rule}, path: containerDefinitions, reason: x}}]\n")
    lines = stderr_lines(ecsform("validate", str(spec)))
    assert any(f"error IGNORE-INVALID: x-ecsform.ignore[0].rule: {rule} cannot be suppressed: " in x for x in lines)


def test_rule_settings_keep_severities_and_suppressed_findings_in_the_api() -> None:
    found = validation.check_text(SPEC + "  policy: {rules: {ECS-F9: error}}\n", "orders.yaml")
    assert {f.rule: f.severity for f in found}["ECS-F9"] is Severity.ERROR
    assert validation.failing(found, strict=False)
    found = validation.check_text(SPEC + "  policy: {rules: {ECS-F9: 'off'}}\n", "orders.yaml")
    assert {f.rule: f.suppressed for f in found}["ECS-F9"] == "rules: {ECS-F9: off} in the policy"
    assert not validation.failing(found, strict=True)  # two notes left: --strict fails on warnings only
    found = validation.check_text(SPEC + "  policy: {rules: {ECS-F9: note}, efsTransitEncryption: warn}\n", "x.yaml")
    assert {f.rule: f.severity for f in found}["ECS-F9"] is Severity.NOTE
    assert not validation.failing(found, strict=False) and validation.failing(found, strict=True)  # one warning


def test_a_policy_file_with_a_policy_key_says_to_drop_it(tmp_path: Path) -> None:
    """--policy FILE holds the block itself; the project file (ecsform.yaml) is the one that nests it under policy:."""
    file = write(tmp_path, "policy:\n  readonlyRootFilesystem: require\n", "policy.yaml")
    proc = ecsform("validate", str(write(tmp_path, SPEC)), "--policy", str(file))
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[:2] == [
        f"{file}:1:1: error POLICY-UNKNOWN-FIELD: policy: unknown field 'policy'",
        "    hint: a policy file holds the policy block itself: remove the `policy:` level",
    ]
