"""Issue 21, item 4: placeholders of templating tools are one SPEC-PLACEHOLDER finding each (instead of the format
errors and warnings of every value they stand in), naming what ecsform offers; `ecsform import` maps what it can
(accounts, regions, partitions, environments' names, a templated execution role) and reports the rest by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generators import validation
from generators.importer.command import import_spec
from generators.importer.roundtrip import loaded_tasks
from generators.options import Options
from generators.spec import placeholders

TEMPLATE = {
    "family": "orders-${environment}",
    "executionRoleArn": "arn:aws:iam::{{ must_env `AWS_ACCOUNT_ID` }}:role/ecsTaskExecutionRole",
    "taskRoleArn": "<TASK_ROLE_ARN>",
    "containerDefinitions": [
        {
            "name": "app",
            "image": "ACCOUNT_ID.dkr.ecr.us-east-1.amazonaws.com/orders:<IMAGE_TAG>",
            "memory": 256,
            "readonlyRootFilesystem": True,
            "command": ["sh", "-c", "echo ${HOME} $AWS_REGION <html>"],
            "environment": [{"name": "GREETING", "value": "${NOT_A_TARGET}"}],
            "secrets": [
                {"name": "DB_HOST", "valueFrom": "/orders/${environment}/db/host"},
                {"name": "DB_USER", "valueFrom": "/orders/${environment}/db/user"},
                {"name": "API", "valueFrom": "arn:aws:secretsmanager:$$$REGION$$$:XXXXXXXXXXXX:secret:api-AbCdEf"},
            ],
        }
    ],
}


@pytest.mark.parametrize(
    "text, names",
    [
        ('{{ must_env "AWS_ACCOUNT_ID" }}.dkr.ecr.x', ["AWS_ACCOUNT_ID"]),
        ("{{ cfn_output `stack` `EcrRepositoryUri` }}:{{ env `TAG` `latest` }}", ["EcrRepositoryUri", "TAG"]),
        ("{{ tfstate `aws_iam_role.exec.arn` }}", ["aws_iam_role.exec.arn"]),
        (
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:x",
            ["AWS::Partition", "AWS::Region", "AWS::AccountId"],
        ),
        ("<IMAGE1_NAME>", ["IMAGE1_NAME"]),
        ("<+artifacts.primary.image>", ["artifacts.primary.image"]),
        ("arn:aws:iam::<account-id>:role/x", ["account-id"]),
        ("$$$TASK_ROLE$$$", ["TASK_ROLE"]),
        ("%CLUSTER_NAME%-%CONTAINER_NAME%", ["CLUSTER_NAME", "CONTAINER_NAME"]),
        ("#{Region}#", ["Region"]),
        (
            "$AWS_ACCOUNT_ID.dkr.ecr.$AWS_DEFAULT_REGION.amazonaws.com/$IMAGE_REPO_NAME:$IMAGE_TAG",
            ["AWS_ACCOUNT_ID", "AWS_DEFAULT_REGION", "IMAGE_REPO_NAME", "IMAGE_TAG"],
        ),
        ("arn:aws:iam::ACCOUNT_ID:role/x", ["ACCOUNT_ID"]),
        ("arn:aws:secretsmanager:YOUR_REGION:XXXXXXXXXXXX:secret:s", ["YOUR_REGION", "XXXXXXXXXXXX"]),
        ("XXXXXXXXX.dkr.ecr.us-west-2.amazonaws.com/falco", ["XXXXXXXXX"]),
        ("YOUR_REGION", ["YOUR_REGION"]),
        ("<image of any app that sends logs to stdout", ["image of any app that sends logs to stdout"]),
        # not placeholders: ecsform's own target values and their escape, Terraform's escape, real values
        ("arn:aws:iam::${target.accountId}:role/x", []),
        ("$${target.region} $${HOME}", []),
        ("arn:aws:iam::123456789012:role/x", []),
        ("X86_64", []),
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", []),
        ("PRODUCTION", []),
    ],
)
def test_the_known_styles(text: str, names: list[str]) -> None:
    assert [p.name for p in placeholders.find(text)] == names


def test_kinds() -> None:
    kinds = {
        n: placeholders.kind(n)
        for n in (
            "AWS_ACCOUNT_ID",
            "account-id",
            "XXXXXXXXXXXX",
            "AWS::Region",
            "Partition",
            "environment",
            "STAGE",
            "IMAGE1_NAME",
            "X86_64",
        )
    }
    assert kinds == {
        "AWS_ACCOUNT_ID": "account",
        "account-id": "account",
        "XXXXXXXXXXXX": "account",
        "AWS::Region": "region",
        "Partition": "partition",
        "environment": "environment",
        "STAGE": "environment",
        "IMAGE1_NAME": "other",
        "X86_64": "other",
    }


def checked(doc: dict) -> list:
    return validation.check_text(json.dumps(doc, indent=2), "t.json", options=Options(region="us-east-1"))


def test_one_finding_per_placeholder_instead_of_the_cascade() -> None:
    found = [f for f in checked(TEMPLATE) if f.rule != "SEC-READONLY-ROOT"]
    by = {f.message.split(" is a placeholder")[0]: f for f in found if f.rule == "SPEC-PLACEHOLDER"}
    assert sorted(by) == [
        "$$$REGION$$$",
        "${environment}",
        "<IMAGE_TAG>",
        "<TASK_ROLE_ARN>",
        "ACCOUNT_ID",
        "XXXXXXXXXXXX",
        "{{ must_env `AWS_ACCOUNT_ID` }}",
    ]
    env = by["${environment}"]
    assert env.severity.value == "error"  # a family AWS refuses; the parameter names alone would be a warning
    assert env.message.endswith(
        "not a value: as written, AWS refuses it or the task never starts (ECS-A1, ECS-H6); also in "
        "containerDefinitions[0].secrets[0]."
        "valueFrom, containerDefinitions[0].secrets[1].valueFrom"
    )
    assert env.hint.startswith("write ${target.environment}")  # type: ignore[union-attr]
    # RegisterTaskDefinition refuses an image with '<' (ECS-A9: "Container.image contains invalid characters")
    assert by["<IMAGE_TAG>"].severity.value == "error"
    assert "(ECS-A9)" in by["<IMAGE_TAG>"].message
    assert by["<IMAGE_TAG>"].hint == (  # no ecsform.yaml here: it says what keeps deploys, not a command
        "write the image's repository and tag in the spec (the image the root runs until a deploy records "
        "another); with an ecsform.yaml, `ecsform image set` records each deploy's image beside it (docs/deploy.md)"
    )
    assert "${target.accountId}" in (by["ACCOUNT_ID"].hint or "")
    assert "leave taskRoleArn out" in (by["<TASK_ROLE_ARN>"].hint or "")
    # nothing else about the values that hold them; the shell command and ${NOT_A_TARGET} are not reported
    assert not [f for f in found if f.rule in ("ECS-A1", "ECS-A9", "ECS-M1", "ECS-H5", "ECS-H6")]
    assert len(found) == len(by) + len([f for f in found if f.rule in ("ECS-M4", "ECS-H9")])


def test_a_placeholder_nothing_complains_about_reaches_aws_as_written(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "family: s\ncontainerDefinitions:\n  - name: a\n    image: 'nginx:1.27'\n    memory: 128\n"
        "    readonlyRootFilesystem: true\n    environment: {A: '${NOT_A_TARGET}', B: '<b>'}\n"
    )
    plans, found = validation.build_plans([str(spec)], Options(region="us-east-1"))
    assert not [f for f in found if f.rule == "SPEC-PLACEHOLDER"]
    assert plans[0].register["containerDefinitions"][0]["environment"] == [
        {"name": "A", "value": "${NOT_A_TARGET}"},
        {"name": "B", "value": "<b>"},
    ]


def test_import_maps_accounts_regions_and_environments(tmp_path: Path) -> None:
    source = tmp_path / "template.json"
    source.write_text(json.dumps(TEMPLATE, indent=2))
    text, warnings = import_spec(str(source))
    spec = loaded_tasks(text)[None]
    assert spec["family"] == "orders"  # the environment's name: each overlay's family is orders-<environment>
    assert spec["executionRoleArn"] == "arn:aws:iam::${target.accountId}:role/ecsTaskExecutionRole"
    [container] = spec["containerDefinitions"]
    assert container["image"] == "${target.accountId}.dkr.ecr.us-east-1.amazonaws.com/orders:<IMAGE_TAG>"
    assert [s["valueFrom"] for s in container["secrets"]] == [
        "/orders/${target.environment}/db/host",
        "/orders/${target.environment}/db/user",
        "arn:aws:secretsmanager:${target.region}:${target.accountId}:secret:api-AbCdEf",
    ]
    assert container["command"] == ["sh", "-c", "echo ${HOME} $AWS_REGION <html>"]  # the container's to expand
    assert container["environment"] == [{"name": "GREETING", "value": "${NOT_A_TARGET}"}]
    lines = json.dumps(TEMPLATE, indent=2).split("\n")
    assert [(w.rule, w.path, w.line) for w in warnings] == [
        ("IMPORT-PLACEHOLDER", ("taskRoleArn",), next(i for i, s in enumerate(lines, 1) if "<TASK_ROLE_ARN>" in s)),
        (
            "IMPORT-PLACEHOLDER",
            ("containerDefinitions", 0, "image"),
            next(i for i, s in enumerate(lines, 1) if "<IMAGE_TAG>" in s),
        ),
        # it may be the template tool's or the application's to expand: said, and imported as it is
        (
            "IMPORT-PLACEHOLDER",
            ("containerDefinitions", 0, "environment", 0, "value"),
            next(i for i, s in enumerate(lines, 1) if "${NOT_A_TARGET}" in s),
        ),
    ]
    assert warnings[1].message.startswith(
        "<IMAGE_TAG> is a placeholder (a template's stand-in: <NAME>) ecsform cannot fill in"
    )
    # validate of the result: what remains is one finding per placeholder the template's tool must fill in
    result = tmp_path / "spec.yaml"
    result.write_text(text)
    errors = [
        f
        for f in validation.validate_findings([str(result)], Options(region="us-east-1"))
        if f.severity.value == "error"
    ]
    assert [(f.rule, f.message.split(" ")[0]) for f in errors] == [
        ("SPEC-PLACEHOLDER", "<TASK_ROLE_ARN>"),
        ("SPEC-PLACEHOLDER", "<IMAGE_TAG>"),  # AWS refuses the image until a tag or a deploy fills it in
    ]


def test_import_family_names_a_template_s_family(tmp_path: Path) -> None:
    source = tmp_path / "t.json"
    templated = {**TEMPLATE, "family": "<TASK_FAMILY>", "taskRoleArn": "app-task"}
    templated["executionRoleArn"] = "{{ must_env `EXECUTION_ROLE_ARN` }}"
    source.write_text(json.dumps(templated))
    text, warnings = import_spec(str(source))
    assert "executionRoleArn" not in text  # a templated execution role: ecsform creates it from what the task uses
    assert [w.path for w in warnings][:2] == [("family",), ("containerDefinitions", 0, "image")]
    assert "--family NAME" in (warnings[0].hint or "")
    text, warnings = import_spec(str(source), family="orders")
    assert text.startswith("family: orders\n") and ("family",) not in [w.path for w in warnings]


def test_import_environments_of_a_template_keep_each_environment_s_family(tmp_path: Path) -> None:
    # one template imported as dev and prod: its family's environment placeholder is each environment's name, so the
    # base family gives orders-dev and orders-prod (no overlay repeats a family, no FAMILY-DUPLICATE)
    source = tmp_path / "t.json"
    source.write_text(json.dumps({**TEMPLATE, "family": "orders-${environment}", "taskRoleArn": "app-task"}))
    text, _ = import_spec(environments=f"dev={source},prod={source}")
    assert text.startswith("family: orders\n")
    spec = tmp_path / "orders.yaml"
    spec.write_text(text)
    variants, _ = validation._from_text(text, str(spec), None)
    assert sorted(v.task["family"] for v in variants) == ["orders-dev", "orders-prod"]
    source.write_text(json.dumps({**TEMPLATE, "family": "${environment}-orders", "taskRoleArn": "app-task"}))
    text, _ = import_spec(environments=f"dev={source},prod={source}", family="orders")
    variants, _ = validation._from_text(text, str(spec), None)
    assert sorted(v.task["family"] for v in variants) == ["dev-orders", "prod-orders"]


def test_import_keeps_text_that_reads_as_a_target_value_as_text(tmp_path: Path) -> None:
    source = tmp_path / "t.json"
    doc = {
        "family": "a",
        "containerDefinitions": [
            {"name": "a", "image": "b", "memory": 128, "environment": [{"name": "X", "value": "${target.region}"}]}
        ],
    }
    source.write_text(json.dumps(doc))
    text, _ = import_spec(str(source))
    assert "$${target.region}" in text
    found = validation.check_text(text, "s.yaml", options=Options(region="eu-west-1"))
    plans, _ = validation.build_plans_from_text(text, "s.yaml", Options(region="eu-west-1"))
    assert plans[0].register["containerDefinitions"][0]["environment"] == [{"name": "X", "value": "${target.region}"}]
    assert not [f for f in found if f.severity.value == "error"]


IMAGES = """\
family: shop
cpu: 256
memory: 512
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
containerDefinitions:
  - name: web
    image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:{{ must_env `TAG` }}"
    readonlyRootFilesystem: true
  - name: worker
    image: "{{ must_env `TAG` }}"
    readonlyRootFilesystem: true
  - name: proxy
    image: <PROXY_IMAGE>
    readonlyRootFilesystem: true
environments:
  dev: {}
"""


def test_an_image_placeholder_maps_to_the_image_set_that_records_a_deploy(tmp_path: Path) -> None:
    """Issue 20's deployed images: the spec's image is what a root runs until a deploy records another in its images
    file. With an ecsform.yaml, validate's SPEC-PLACEHOLDER names the `ecsform image set` for the containers the
    placeholder stands in (the repository the spec writes, with TAG); a recorded image replaces the placeholder,
    so the finding goes."""
    from generators import config as project_config

    (tmp_path / "ecsform.yaml").write_text("defaults: {region: us-east-1}\n")
    (tmp_path / "specs").mkdir()
    spec = tmp_path / "specs" / "shop.yaml"
    spec.write_text(IMAGES)
    options = Options(config=project_config.load(tmp_path / "ecsform.yaml"))
    found = [f for f in validation.validate_findings([str(spec)], options) if f.rule == "SPEC-PLACEHOLDER"]
    tag, proxy = sorted(found, key=lambda f: f.line)
    assert tag.severity.value == "error" and tag.message.startswith("{{ must_env `TAG` }} is a placeholder")
    assert tag.hint.endswith(  # type: ignore[union-attr]
        f"`ecsform image set {spec.as_posix()} --env dev "
        "web=123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:TAG worker=IMAGE`"
    )
    assert tag.hint.startswith("write a tag of 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop in the spec")  # type: ignore[union-attr]
    assert proxy.hint.startswith("write the image's repository and tag in the spec")  # type: ignore[union-attr]
    assert proxy.hint.endswith(f"`ecsform image set {spec.as_posix()} --env dev proxy=IMAGE`")  # type: ignore[union-attr]
    (tmp_path / "images" / "shop").mkdir(parents=True)
    (tmp_path / "images" / "shop" / "dev.yaml").write_text(
        "proxy: public.ecr.aws/nginx/nginx:1.27\nweb: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:1.0\n"
        "worker: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:1.0\n"
    )
    after = validation.validate_findings([str(spec)], options)
    assert not [f for f in after if f.rule == "SPEC-PLACEHOLDER" or f.severity.value == "error"], after


def test_import_names_the_image_set_command_with_an_ecsform_yaml(tmp_path: Path) -> None:
    """`ecsform import` with an ecsform.yaml: a templated image's IMPORT-PLACEHOLDER names the spec's repository
    (a tag of it is what the root runs until a deploy) and the `ecsform image set` that records each deploy; without
    one, the tag alone and where deploys would be kept."""
    from conftest import ecsform

    source = tmp_path / "task.json"
    source.write_text(
        json.dumps(
            {
                "family": "shop",
                "containerDefinitions": [
                    {"name": "web", "image": "ACCOUNT_ID.dkr.ecr.us-east-1.amazonaws.com/shop:<TAG>", "memory": 128}
                ],
            }
        )
    )
    (tmp_path / ".git").mkdir()  # the project's root: no ecsform.yaml above it is read
    (tmp_path / "specs").mkdir()
    bare = ecsform("import", str(source), "--out", "specs/shop.yaml", cwd=tmp_path)
    assert bare.returncode == 0, bare.stderr
    assert (
        "hint: write a tag of ${target.accountId}.dkr.ecr.us-east-1.amazonaws.com/shop in the spec (the image the root "
        "runs until a deploy records another); with an ecsform.yaml, `ecsform image set` records each deploy's image "
        "beside it (docs/deploy.md)" in bare.stderr
    )
    (tmp_path / "ecsform.yaml").write_text("defaults: {region: us-east-1}\n")
    project = ecsform("import", str(source), "--out", "specs/shop.yaml", cwd=tmp_path)
    assert project.returncode == 0, project.stderr
    assert "not the spec: `ecsform image set specs/shop.yaml web=IMAGE`" in project.stderr  # ${...}: no shell word
    printed = ecsform("import", str(source), cwd=tmp_path)
    assert "`ecsform image set SPEC web=IMAGE`" in printed.stderr
    envs = ecsform("import", "--environments", f"dev={source},prod={source}", "--out", "specs/shop.yaml", cwd=tmp_path)
    assert "`ecsform image set specs/shop.yaml --env dev web=IMAGE`" in envs.stderr
    assert "`ecsform image set specs/shop.yaml --env prod web=IMAGE`" in envs.stderr


def test_a_placeholder_that_only_notes_speak_of_is_a_note() -> None:
    """The doctrine's three severities: SPEC-PLACEHOLDER is as severe as the worst finding it replaces, a note
    when it replaces notes alone (hardening advice about a value that is not written yet)."""
    from generators.errors import Finding, Severity

    [variant], _ = validation._from_text(IMAGES.split("environments:")[0], "s.yaml", None)
    path = ("containerDefinitions", 2, "image")
    note = Finding("SEC-IMAGE-TAG", Severity.NOTE, "no tag", path, file="s.yaml", line=15, col=12)
    [one] = placeholders.collapse([note], variant)
    assert (one.rule, one.severity, one.line) == ("SPEC-PLACEHOLDER", Severity.NOTE, 15)
    assert one.message.endswith("not a value: as written, AWS registers it (SEC-IMAGE-TAG)")
    warning = Finding("ECS-X", Severity.WARNING, "w", path, file="s.yaml", line=15, col=12)
    assert [f.severity for f in placeholders.collapse([note, warning], variant)] == [Severity.WARNING]
