"""Issue 21, item 3: target values (${target.accountId}, ${target.region}, ${target.partition},
${target.environment}) bound for each root, from ecsform.yaml or by Terraform; every other string as written.
The apply in two accounts is tests/e2e/test_deploy_targets.py."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REPO, ecsform

from generators import config as project_config
from generators import root, validation
from generators.emit import hcl
from generators.options import Options
from generators.spec import targets
from generators.syntax.tfexpr import Ref, Template
from generators.target import Target

SPEC = """\
family: tv
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: 256
memory: 512
taskRoleArn: arn:${target.partition}:iam::${target.accountId}:role/tv-task
containerDefinitions:
  - name: app
    image: "${target.accountId}.dkr.ecr.${target.region}.amazonaws.com/tv:1.0"
    readonlyRootFilesystem: true
    environment:
      LITERAL: ${NOT_A_TARGET}
      DOLLARS: $${NOT_A_TARGET} and $$ and ${target}
      ESCAPED: $${target.region}
      STAGE: ${target.environment}
    secrets:
      DB: arn:${target.partition}:secretsmanager:${target.region}:${target.accountId}:secret:tv/db-AbCdEf
    logConfiguration:
      logDriver: awslogs
      options: {awslogs-group: "/ecs/tv-${target.environment}", awslogs-region: "${target.region}", awslogs-stream-prefix: app}
"""
STAGES = SPEC + "environments:\n  dev: {}\n  prod: {}\n"
CONFIG = project_config.load(REPO / "ecsform.yaml")


def plans(text: str, tmp_path: Path, **options: object) -> dict[str | None, object]:
    spec = tmp_path / "tv.yaml"
    spec.write_text(text)
    found, _ = validation.build_plans([str(spec)], Options(**options))  # type: ignore[arg-type]
    return {p.environment: p for p in found}


def environment(register: dict, container: int = 0) -> dict[str, str]:
    return {e["name"]: e["value"] for e in register["containerDefinitions"][container]["environment"]}


def test_values_come_from_ecsform_yaml_for_each_environment(tmp_path: Path) -> None:
    got = plans(STAGES, tmp_path, config=CONFIG)
    for env, account, region in (("dev", "111111111111", "us-east-1"), ("prod", "222222222222", "eu-west-1")):
        register = got[env].register  # type: ignore[attr-defined]
        assert register["taskRoleArn"] == f"arn:aws:iam::{account}:role/tv-task"
        assert register["containerDefinitions"][0]["image"] == f"{account}.dkr.ecr.{region}.amazonaws.com/tv:1.0"
        assert register["containerDefinitions"][0]["secrets"] == [
            {"name": "DB", "valueFrom": f"arn:aws:secretsmanager:{region}:{account}:secret:tv/db-AbCdEf"}
        ]
        assert register["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-region"] == region
        assert environment(register) == {
            "LITERAL": "${NOT_A_TARGET}",
            "DOLLARS": "$${NOT_A_TARGET} and $$ and ${target}",
            "ESCAPED": "${target.region}",
            "STAGE": env,
        }
        assert got[env].region == region and not got[env].unknown  # type: ignore[attr-defined]


def test_without_a_target_terraform_reads_them_and_render_says_so(tmp_path: Path) -> None:
    [plan] = plans(SPEC, tmp_path, region="eu-central-1").values()
    assert plan.register["taskRoleArn"] == "arn:aws:iam::${target.accountId}:role/tv-task"  # type: ignore[attr-defined]
    assert environment(plan.register)["STAGE"] == "default"  # type: ignore[attr-defined]
    assert environment(plan.register)["ESCAPED"] == "${target.region}"  # type: ignore[attr-defined]
    described = root.describe(plan)  # type: ignore[arg-type]
    assert [(d.type, d.name) for d in described.data] == [("aws_caller_identity", "current")]
    task = dict(described.modules[-1].inputs)
    account = Ref("data", "aws_caller_identity", "current", "account_id")
    assert task["task_role_arn"] == Template("arn:aws:iam::", account, ":role/tv-task")
    [container] = task["container_definitions"]
    assert container["secrets"][0]["valueFrom"] == Template(
        "arn:aws:secretsmanager:eu-central-1:", account, ":secret:tv/db-AbCdEf"
    )
    main = hcl.render(plan, lambda module: f"../modules/{module}")["main.tf"]  # type: ignore[arg-type]
    assert 'data "aws_caller_identity" "current"' in main
    assert '"${data.aws_caller_identity.current.account_id}.dkr.ecr.eu-central-1.amazonaws.com/tv:1.0"' in main
    assert 'value = "$${NOT_A_TARGET}"' in main and 'value = "$${target.region}"' in main  # literal in HCL too


def test_with_nothing_known_the_three_data_sources(tmp_path: Path) -> None:
    [plan] = plans(SPEC, tmp_path).values()
    assert [d.type for d in root.describe(plan).data] == ["aws_caller_identity", "aws_region", "aws_partition"]  # type: ignore[arg-type]


def test_rules_see_the_bound_value_and_messages_show_the_spec_s(tmp_path: Path) -> None:
    other = SPEC.replace("taskRoleArn: arn:${target.partition}:iam::${target.accountId}:role/tv-task", "")
    other += "executionRoleArn: arn:aws:iam::${target.accountId}:role/exec\n"
    found = validation.check_text(other, "tv.yaml", options=Options(region="us-east-1"))
    [m4] = [f for f in found if f.rule == "ECS-M4"]
    assert "arn:aws:iam::${target.accountId}:role/exec" in m4.message  # the stand-in never shows
    assert m4.data["role"] == "arn:aws:iam::${target.accountId}:role/exec"  # the statements too (json, sarif)
    resources = json.dumps(m4.data["statements"])
    assert "arn:aws:logs:us-east-1:${target.accountId}:log-group:/ecs/tv-default:*" in resources
    assert "000000000000" not in resources
    assert not [f for f in found if f.severity.value == "error"], [f.format() for f in found]
    # with a target: TARGET-ACCOUNT is silent on a target value, and speaks on a literal other account
    crossed = STAGES.replace("role/tv-task", "role/tv-task\nexecutionRoleArn: arn:aws:iam::333333333333:role/x")
    found = validation.check_text(crossed, "tv.yaml", options=Options(config=CONFIG))
    assert sorted((f.environment, f.path) for f in found if f.rule == "TARGET-ACCOUNT") == [
        ("dev", ("executionRoleArn",)),
        ("prod", ("executionRoleArn",)),
    ]


def test_a_stand_in_never_takes_a_value_the_spec_wrote(tmp_path: Path) -> None:
    written = SPEC.replace("LITERAL: ${NOT_A_TARGET}", "LITERAL: '000000000000'")
    [plan] = plans(written, tmp_path, region="us-east-1").values()
    assert environment(plan.register)["LITERAL"] == "000000000000"  # type: ignore[attr-defined]
    assert list(plan.unknown) == ["000000000001"]  # type: ignore[attr-defined]
    task = dict(root.describe(plan).modules[-1].inputs)  # type: ignore[arg-type]
    literal = next(e for e in task["container_definitions"][0]["environment"] if e["name"] == "LITERAL")
    assert literal["value"] == "000000000000"


def test_a_misspelt_name_and_an_unknown_value_in_a_name_are_errors() -> None:
    text = SPEC.replace("STAGE: ${target.environment}", "STAGE: ${target.enviroment}").replace(
        "family: tv", "family: tv-${target.accountId}"
    )
    found = [
        f
        for f in validation.check_text(text, "tv.yaml", options=Options(region="us-east-1"))
        if f.rule == "TARGET-VALUE"
    ]
    assert [(f.path, f.line) for f in found] == [
        (("family",), 1),
        (("containerDefinitions", 0, "environment", 3, "value"), 15),
    ]
    assert found[1].hint.startswith("did you mean ${target.environment}?")  # type: ignore[union-attr]
    assert "set accountId in ecsform.yaml" in (found[0].hint or "")


def test_bound_to_a_session_for_verify_and_diff(tmp_path: Path) -> None:
    spec = tmp_path / "tv.yaml"
    spec.write_text(SPEC)
    [(checked, plan)] = validation.checked_plans([str(spec)], Options(region="us-east-1"))
    assert plan.unknown
    bound, again = validation.bound_to(checked, plan, "999999999999", "us-east-1")
    assert not again.unknown
    assert again.register["taskRoleArn"] == "arn:aws:iam::999999999999:role/tv-task"
    assert bound.task["taskRoleArn"] == "arn:aws:iam::999999999999:role/tv-task"  # what verify's checks read


def test_partitions_follow_the_region() -> None:
    assert [targets.partition_of(r) for r in ("eu-west-1", "cn-north-1", "us-gov-west-1", "us-iso-east-1")] == [
        "aws",
        "aws-cn",
        "aws-us-gov",
        "aws-iso",
    ]
    b = targets.binding(Target(account_id="123456789012"), "cn-north-1", None, {})
    assert targets.bind("arn:${target.partition}:iam::${target.accountId}:x/${target.environment}", b) == (
        "arn:aws-cn:iam::123456789012:x/default"
    )
    assert json.dumps(targets.bind({"k": ["$${target.region}", "${target.region}"]}, b)) == (
        '{"k": ["${target.region}", "cn-north-1"]}'
    )


# --- role names (issue 21, item 2) ---------------------------------------------------------------------------------

NAMED = SPEC.replace(
    "taskRoleArn: arn:${target.partition}:iam::${target.accountId}:role/tv-task", "taskRoleArn: tv-task"
)
NAMED += "executionRoleArn: ecsTaskExecutionRole\n"


def test_a_role_named_by_its_name_is_read_with_the_aws_iam_role_data_source(tmp_path: Path) -> None:
    [plan] = plans(NAMED, tmp_path, region="us-east-1").values()
    assert plan.register["taskRoleArn"] == "tv-task"  # type: ignore[attr-defined]  # render: as written, AWS takes it
    described = root.describe(plan)  # type: ignore[arg-type]
    assert [(d.type, d.name, d.arguments) for d in described.data if d.type == "aws_iam_role"] == [
        ("aws_iam_role", "role_ecstaskexecutionrole", (("name", "ecsTaskExecutionRole"),)),
        ("aws_iam_role", "role_tv_task", (("name", "tv-task"),)),
    ]
    task = dict(described.modules[-1].inputs)
    assert task["task_role_arn"] == Ref("data", "aws_iam_role", "role_tv_task", "arn")
    assert task["execution_role_arn"] == Ref("data", "aws_iam_role", "role_ecstaskexecutionrole", "arn")
    main = hcl.render(plan, lambda module: f"../modules/{module}")["main.tf"]  # type: ignore[arg-type]
    assert 'data "aws_iam_role" "role_tv_task" {\n  name = "tv-task"\n}' in main
    assert "execution_role_arn       = data.aws_iam_role.role_ecstaskexecutionrole.arn" in main


def test_the_checks_see_a_named_role_as_that_role_of_the_target_s_account() -> None:
    found = validation.check_text(
        NAMED.replace("environment:\n", "environment:\n      X: y\n"), "tv.yaml", options=Options(region="us-east-1")
    )
    assert not [f for f in found if f.rule == "ECS-M1"]
    [m4] = [f for f in found if f.rule == "ECS-M4"]
    assert m4.message.startswith("ecsform cannot see the policy of execution role ecsTaskExecutionRole;")  # as written
    assert m4.data["role"] == "ecsTaskExecutionRole"
    stages = validation.check_text(
        STAGES.replace("taskRoleArn: arn:${target.partition}:iam::${target.accountId}:role/tv-task", "")
        + "executionRoleArn: ecsTaskExecutionRole\n",
        "tv.yaml",
        options=Options(config=CONFIG),
    )
    [prod] = [f for f in stages if f.rule == "ECS-M4" and f.environment == "prod"]
    assert "arn:aws:secretsmanager:eu-west-1:222222222222:secret:tv/db-AbCdEf" in json.dumps(prod.data["statements"])
    assert not [f for f in stages if f.rule == "TARGET-ACCOUNT"]


def test_ecsform_iam_shows_a_named_role_as_written_and_its_statements_bound(tmp_path: Path) -> None:
    """`ecsform iam` (issue 21b) on a spec with a role named by its name and target values: the role as the spec
    writes it, each statement's resources with the target's account and region (ecsform.yaml), or ${target.*}
    where Terraform resolves them (never a stand-in)."""
    spec = tmp_path / "tv.yaml"
    spec.write_text(
        STAGES.replace("taskRoleArn: arn:${target.partition}:iam::${target.accountId}:role/tv-task", "")
        + "executionRoleArn: ecsTaskExecutionRole\n"
    )
    proc = ecsform("iam", "--config", str(REPO / "ecsform.yaml"), "--format", "json", str(spec))
    assert proc.returncode == 0, proc.stderr
    got = {r["environment"]: r["roles"] for r in json.loads(proc.stdout)["roots"]}
    for env, account, region in (("dev", "111111111111", "us-east-1"), ("prod", "222222222222", "eu-west-1")):
        [role] = got[env]
        assert (role["role"], role["brought"]) == ("ecsTaskExecutionRole", True)
        resources = json.dumps(role["policy"])
        assert f"arn:aws:secretsmanager:{region}:{account}:secret:tv/db-AbCdEf" in resources
        assert f"arn:aws:logs:{region}:{account}:log-group:/ecs/tv-{env}:*" in resources
    spec.write_text(NAMED)
    proc = ecsform("iam", "--no-config", "--region", "us-east-1", "--format", "json", str(spec))
    assert proc.returncode == 0, proc.stderr
    [root_] = json.loads(proc.stdout)["roots"]
    roles = {r["field"]: r for r in root_["roles"]}
    assert roles["executionRoleArn"]["role"] == "ecsTaskExecutionRole"
    resources = json.dumps(roles["executionRoleArn"]["policy"])
    assert "arn:aws:secretsmanager:us-east-1:${target.accountId}:secret:tv/db-AbCdEf" in resources
    assert "000000000000" not in proc.stdout


def test_diff_expects_the_arn_of_a_named_role(tmp_path: Path) -> None:
    from generators.aws import diff
    from generators.spec.extensions import Extension

    [plan] = plans(NAMED, tmp_path, region="us-east-1").values()
    expected = diff.expected(plan, Extension(), {}, False, False)  # type: ignore[arg-type]
    assert expected["taskRoleArn"].matches("arn:aws:iam::123456789012:role/app/tv-task")
    assert not expected["taskRoleArn"].matches("arn:aws:iam::123456789012:role/other")


def test_the_base_family_of_a_spec_with_environments_holds_no_target_value() -> None:
    """It names the roots' folders and each environment's family (<family>-<environment>): a target value there would
    be a folder named ${target...} and a family twice suffixed; an overlay's own family may use one."""
    text = STAGES.replace("family: tv\n", "family: tv-${target.environment}\n")
    found = [
        f for f in validation.check_text(text, "tv.yaml", options=Options(config=CONFIG)) if f.rule == "TARGET-VALUE"
    ]
    assert [(f.environment, f.path, f.line) for f in found] == [("dev", ("family",), 1), ("prod", ("family",), 1)]
    overlay = STAGES.replace("  prod: {}\n", "  prod: {family: 'tv-${target.accountId}'}\n")
    [prod] = [
        p
        for p in validation.build_plans_from_text(overlay, "tv.yaml", Options(config=CONFIG))[0]
        if p.environment == "prod"
    ]
    assert prod.family == "tv-222222222222" and prod.root == "tv/prod"
