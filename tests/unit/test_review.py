"""Issue 13 items 6 and 7: each root's README.md (diagram model, Mermaid and DOT renderers, IAM table, target),
`ecsform graph`, and skip_destroy from ecsform.yaml and x-ecsform."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pydot
import pytest
from conftest import NO_CONFIG, REPO, ecsform
from hypothesis import given
from hypothesis import strategies as st

from generators import config as project_config
from generators import validation
from generators.emit import diagram, readme
from generators.options import Options

# pydot 4.0.1 calls pyparsing names that pyparsing 3.3 deprecates
pytestmark = pytest.mark.filterwarnings("ignore:.setParseAction. deprecated")

# every character that could end a label, a cell, a code fence or a Terraform/Markdown/Mermaid construct
HOSTILE = "a\"b|c[d]e`f${g}h%{i}\nj\\k<l>&m#n;o{p}q*r_s~t$u!v'w(x)y```z\r\nend"

SPEC = """\
family: shop
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: 512
memory: 1024
containerDefinitions:
  - name: web
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:1.0
    readonlyRootFilesystem: true
    portMappings: [{containerPort: 8080, name: http}]
    dependsOn: [{containerName: init, condition: SUCCESS}]
    mountPoints: [{sourceVolume: data, containerPath: /data, readOnly: true}]
    secrets:
      DB: arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/db-AbCdEf
      API_KEY: ecsform:secret/api-key
    logConfiguration:
      logDriver: awslogs
      options: {awslogs-group: /ecs/shop, awslogs-region: us-east-1, awslogs-stream-prefix: ecs}
  - name: init
    image: public.ecr.aws/docker/library/busybox:1.36
    essential: false
    readonlyRootFilesystem: true
volumes:
  - name: data
    efsVolumeConfiguration:
      fileSystemId: ecsform:efs/data
      transitEncryption: ENABLED
      authorizationConfig: {accessPointId: "ecsform:efs/data/access-point/app", iam: ENABLED}
x-ecsform:
  region: us-east-1
  secrets:
    api-key: {description: the API key}
  efs:
    data:
      accessPoints:
        app: {posixUser: {uid: 1000, gid: 1000}, rootDirectory: {path: /app}}
"""


def plans(tmp_path: Path, spec: str = SPEC, config: str | None = None, env: str | None = None):
    (tmp_path / "shop.yaml").write_text(spec)
    found = None
    if config is not None:
        (tmp_path / "ecsform.yaml").write_text(config)
        found = project_config.load(tmp_path / "ecsform.yaml")
    result, _ = validation.build_plans([str(tmp_path / "shop.yaml")], Options(env=env, config=found))
    return result


# --- the diagram model -------------------------------------------------------------------------------------------


def test_the_model_holds_containers_dependencies_ports_volumes_secrets_and_roles(tmp_path: Path) -> None:
    d = diagram.model(plans(tmp_path)[0])
    label = {n.id: n.lines for n in d.nodes}
    by_first = {n.lines[0]: n.id for n in d.nodes}
    web, init = by_first["container web"], by_first["container init"]
    assert "ports 8080/tcp (http)" in label[web] and "not essential" in label[init]
    edges = {(e.source, e.target): e for e in d.edges}
    assert edges[(web, init)].label == "SUCCESS"
    volume = by_first["volume data"]
    assert edges[(web, volume)].label == "/data (read-only)"
    ap = by_first["access point app of file system data (created by this root)"]
    fs = by_first["EFS file system data (created by this root)"]
    assert edges[(volume, ap)].label == "transit encryption ENABLED, IAM ENABLED" and (ap, fs) in edges
    secrets = [n for n in d.nodes if n.kind == "secret"]
    assert [s.lines[1] for s in secrets] == [
        "api-key (created by this root)",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/db-AbCdEf",
    ]
    assert {edges[(web, s.id)].label for s in secrets} == {"DB", "API_KEY"}
    roles = [n.lines[0] for n in d.nodes if n.kind == "role"]
    assert roles == ["execution role", "task role"]  # the task role: EFS with IAM authorization


def test_a_brought_role_is_shown_by_its_arn_and_nothing_is_created(tmp_path: Path) -> None:
    spec = SPEC.replace(
        "family: shop\n",
        "family: shop\nexecutionRoleArn: arn:aws:iam::123456789012:role/exec\n"
        "taskRoleArn: arn:aws:iam::123456789012:role/task\n",
    )
    d = diagram.model(plans(tmp_path, spec)[0])
    assert [n.lines for n in d.nodes if n.kind == "role"] == [
        ("execution role", "arn:aws:iam::123456789012:role/exec"),
        ("task role", "arn:aws:iam::123456789012:role/task"),
    ]


def hostile_spec() -> str:
    import json

    return json.dumps(
        {
            "family": "hostile",
            "cpu": "256",
            "memory": "512",
            "networkMode": "bridge",
            "requiresCompatibilities": ["EC2"],
            "containerDefinitions": [
                {
                    "name": "app",
                    "image": "public.ecr.aws/x/y:1",
                    "readonlyRootFilesystem": True,
                    "secrets": [{"name": "S", "valueFrom": f"arn:aws:ssm:us-east-1:123456789012:parameter/{HOSTILE}"}],
                    "mountPoints": [{"sourceVolume": "v", "containerPath": f"/{HOSTILE}"}],
                    "dependsOn": [{"containerName": "side", "condition": "START"}],
                },
                {"name": "side", "image": HOSTILE, "essential": False, "readonlyRootFilesystem": True},
            ],
            "volumes": [{"name": "v", "host": {"sourcePath": f"/{HOSTILE}"}}],
            # no SSM parameter can have this name (ECS-H6: the task would never start) and AWS refuses this image
            # (ECS-A9); the policy lowers the errors, as a team's may, so that the hostile string reaches the
            # diagram and the README
            "x-ecsform": {"policy": {"rules": {"ECS-H6": "warning", "ECS-A9": "warning"}}},
        }
    )


def test_mermaid_labels_keep_no_character_that_could_end_them() -> None:
    text = diagram.mermaid_text(HOSTILE)
    assert re.fullmatch(r"[A-Za-z0-9 .,:/@=+_#;-]*", text), text
    # decoding the entity codes gives back exactly what the user wrote
    assert re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), text) == HOSTILE


def test_hostile_names_stay_inside_their_labels_in_mermaid_and_markdown(tmp_path: Path) -> None:
    plan = plans(tmp_path, hostile_spec().replace("hostile", "hostile"))[0]
    out = diagram.mermaid(diagram.model(plan))
    for line in out.splitlines()[1:]:
        # every line is a node, an edge, a classDef or a class statement: user text only inside "..."
        assert re.fullmatch(
            r'  (n\d+(\[|\[\(|\[/|\{\{|\(\[)"[^"`|\[\]{}\n$]*"(\]|\)\]|/\]|\}\}|\]\))'
            r'|n\d+ (-->|-\.->)(\|"[^"`|\n]*"\|)? n\d+|classDef \w+ [^"]+|class [n\d,]+ \w+)',
            line,
        ), line
    text = readme.render(plan, "# header")
    fences = [line for line in text.splitlines() if line.startswith("```")]
    assert fences == ["```mermaid", "```"]  # a backtick run in a name cannot close the fence
    assert not re.search(r"(?<!\\)\$", text)  # every $ escaped: GitHub would start math at one


def test_markdown_cells_escape_what_would_break_a_table() -> None:
    cell = readme.md(HOSTILE)
    assert "\n" not in cell and "\r" not in cell
    assert not re.search(r"(?<!\\)[|`<>*_\[\]$&~!]", cell.replace("<br>", ""))


@given(st.text(alphabet=st.sampled_from(list("ab -:/#;é\\`*_[]<>!|&~$\r\n\"'{}"))))
def test_markdown_and_mermaid_skip_only_text_with_nothing_to_escape(text: str) -> None:
    escaped = re.sub(r"([\\`*_\[\]<>!|&~$])", r"\\\1", text)
    assert readme.md(text) == escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")
    assert diagram.mermaid_text(text) == re.sub(r"[^A-Za-z0-9 .,:/@=+_-]", lambda m: f"#{ord(m.group())};", text)


MERMAID_PARSE = REPO / "tests" / "tools" / "mermaid_parse.mjs"


def test_mermaids_own_parser_accepts_every_diagram_and_refuses_a_broken_one(tmp_path: Path) -> None:
    """Mermaid's parser (npm `mermaid`, pinned in package.json; jsdom stands in for the browser) reads the diagram
    of every bundled spec's root, the feature fixture's, and hostile names; a diagram with an unclosed label fails,
    so the check can fail."""
    out = tmp_path / "build"
    proc = ecsform(
        "synth", str(REPO / "specs"), str(REPO / "tests" / "fixtures" / "features"), "--out", str(out), NO_CONFIG
    )
    assert proc.returncode == 0, proc.stderr
    files = []
    roots = json.loads((out / "manifest.json").read_text())["roots"]  # not the modules synth copies beside them
    for n, doc in enumerate(sorted(out / r["path"] / "README.md" for r in roots)):
        block = re.search(r"```mermaid\n(.*?)```\n", doc.read_text(), re.S)
        assert block, doc
        files.append(tmp_path / f"root{n}.mmd")
        files[-1].write_text(block.group(1))
    assert len(files) >= 6
    (tmp_path / "hostile").mkdir()
    files.append(tmp_path / "hostile.mmd")
    files[-1].write_text(diagram.mermaid(diagram.model(plans(tmp_path / "hostile", hostile_spec())[0])))
    (tmp_path / "broken.mmd").write_text('flowchart LR\n  n0["a"] --> n1(["b"\n')
    proc = subprocess.run(
        ["node", str(MERMAID_PARSE), *map(str, files), str(tmp_path / "broken.mmd")],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=120,
    )
    lines = proc.stdout.splitlines()
    assert lines[:-1] == [f"ok {f} flowchart-v2" for f in files], proc.stdout + proc.stderr
    assert lines[-1].startswith(f"FAIL {tmp_path / 'broken.mmd'} Parse error") and proc.returncode == 1


def test_dot_output_parses_and_keeps_hostile_names(tmp_path: Path) -> None:
    plan = plans(tmp_path, hostile_spec())[0]
    text = diagram.dot(diagram.model(plan))
    graphs = pydot.graph_from_dot_data(text)
    assert graphs is not None and len(graphs) == 1
    labels = [n.get_label() for n in graphs[0].get_nodes() if n.get_label()]
    side = next(lab for lab in labels if lab.startswith('"container side'))
    # the label is the DOT string as written: unescape it and compare with what the spec said
    unescaped = side[1:-1].replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
    assert HOSTILE.replace("\r\n", "\n") in unescaped


# --- README.md ---------------------------------------------------------------------------------------------------

CONFIG = """\
defaults: {accountId: "123456789012", region: us-east-1, roleArn: "arn:aws:iam::123456789012:role/deploy"}
environments:
  dev: {skipDestroy: false}
  prod: {}
backend:
  s3: {bucket: tfstate, key: "ecsform/{root}/terraform.tfstate", region: us-east-1}
"""


def test_readme_lists_target_permissions_and_the_diagram(tmp_path: Path) -> None:
    spec = SPEC + "environments:\n  dev: {}\n  prod: {}\n"
    dev, prod = plans(tmp_path, spec, CONFIG)
    text = readme.render(prod, "# Generated")
    assert "| account | 123456789012 |" in text and "| region | us-east-1 |" in text
    assert "| state | s3://tfstate/ecsform/shop/prod/terraform.tfstate |" in text
    assert (
        "| execution role | secretsmanager:GetSecretValue | arn:aws:secretsmanager:us-east-1:123456789012:secret:"
        "shop-prod/api-key-??????<br>arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/db-AbCdEf |" in text
    )
    assert "| execution role | kms:Decrypt | the key of managed secret api-key (created by this root) |" in text
    assert (
        "| task role | elasticfilesystem:ClientMount | arn:aws:elasticfilesystem:us-east-1:123456789012:"
        "file-system/ID\\_OF\\_data<br>if StringEquals elasticfilesystem:AccessPointArn = "
    ) in text
    assert "keeps the old one ACTIVE" in text and "deregisters the old one" in readme.render(dev, "# Generated")


def test_synth_writes_a_readme_per_root_listed_in_the_manifest_byte_identical(tmp_path: Path) -> None:
    (tmp_path / "shop.yaml").write_text(SPEC)
    outs = []
    for n in (1, 2):
        proc = ecsform("synth", str(tmp_path / "shop.yaml"), "--out", str(tmp_path / f"out{n}"), NO_CONFIG)
        assert proc.returncode == 0, proc.stderr
        outs.append((tmp_path / f"out{n}" / "shop" / "README.md").read_bytes())
    assert outs[0] == outs[1] and outs[0].startswith(b"<!-- Generated by ecsform from ")
    assert '"README.md"' in (tmp_path / "out1" / "manifest.json").read_text()


# --- ecsform graph -----------------------------------------------------------------------------------------------


def test_graph_prints_the_readme_diagram_and_dot(tmp_path: Path) -> None:
    (tmp_path / "shop.yaml").write_text(SPEC)
    proc = ecsform("graph", str(tmp_path / "shop.yaml"), NO_CONFIG)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == diagram.mermaid(diagram.model(plans(tmp_path)[0]))
    proc = ecsform("graph", str(tmp_path / "shop.yaml"), NO_CONFIG, "--format", "dot")
    assert proc.returncode == 0 and pydot.graph_from_dot_data(proc.stdout)


def test_graph_reports_errors_as_validate_does(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(SPEC.replace("cpu: 512", "cpu: lots"))
    proc = ecsform("graph", str(tmp_path / "bad.yaml"), NO_CONFIG)
    check = ecsform("validate", str(tmp_path / "bad.yaml"), NO_CONFIG)
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    assert proc.stderr == check.stderr
    (tmp_path / "two.yaml").write_text(SPEC + "environments:\n  dev: {}\n  prod: {}\n")
    proc = ecsform("graph", str(tmp_path / "two.yaml"), NO_CONFIG)
    assert proc.returncode == 2 and "CLI-ENV-REQUIRED" in proc.stderr


# --- skip_destroy --------------------------------------------------------------------------------------------


def skip(plan) -> object:
    return dict(plan.module_inputs).get("skip_destroy", "unset")


def test_skip_destroy_defaults_true_with_a_target_and_is_unset_without(tmp_path: Path) -> None:
    spec = SPEC + "environments:\n  dev: {}\n  prod: {}\n"
    dev, prod = plans(tmp_path, spec, CONFIG)
    assert skip(prod) is True and skip(dev) is False  # dev: skipDestroy: false in ecsform.yaml
    (tmp_path / "none").mkdir()
    # without ecsform.yaml: the module's default (false), and the output of before
    assert [skip(p) for p in plans(tmp_path / "none", spec)] == ["unset", "unset"]


def test_x_ecsform_skip_destroy_wins_over_ecsform_yaml(tmp_path: Path) -> None:
    spec = (
        SPEC.replace("x-ecsform:\n", "x-ecsform:\n  skipDestroy: false\n")
        + "environments:\n  dev: {}\n  prod:\n    x-ecsform: {skipDestroy: true}\n"
    )
    config = CONFIG.replace("dev: {skipDestroy: false}", "dev: {skipDestroy: true}")
    dev, prod = plans(tmp_path, spec, config)
    assert skip(dev) is False and skip(prod) is True


def test_skip_destroy_must_be_a_boolean_in_both_places(tmp_path: Path) -> None:
    (tmp_path / "shop.yaml").write_text(SPEC.replace("x-ecsform:\n", "x-ecsform:\n  skipDestroy: 'yes'\n"))
    proc = ecsform("validate", str(tmp_path / "shop.yaml"), NO_CONFIG)
    assert proc.returncode == 2 and "X-INVALID" in proc.stderr and "x-ecsform.skipDestroy" in proc.stderr
    (tmp_path / "ecsform.yaml").write_text("defaults: {skipDestroy: 1}\n")
    proc = ecsform("validate", str(tmp_path / "shop.yaml"), "--config", str(tmp_path / "ecsform.yaml"))
    assert proc.returncode == 2 and "CONFIG-INVALID" in proc.stderr and "ecsform.yaml:1:" in proc.stderr
