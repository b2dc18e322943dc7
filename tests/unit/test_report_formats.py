"""--format json|sarif|github: findings for machines (generators/report.py), through the real CLI.

The SARIF log carries what GitHub code scanning reads ("SARIF support for code scanning", docs.github.com):
version 2.1.0 and $schema; runs[].tool.driver.name (and version, rules with id, shortDescription, help and
defaultConfiguration.level); results[] with ruleId, message.text and a location whose physicalLocation has an
artifactLocation.uri relative to the repository root and a region.startLine. A SARIF consumer, sarif-tools, reads
it back with every result.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, ecsform
from sarif import loader

from generators import about, report
from generators.errors import Finding, Severity

# three mistakes, each at a known place (test_cli_errors.py's spec, with read-only root filesystems: no warning)
BAD = """\
{
  "family": "web",
  "requiresCompatibilities": ["FARGATE"],
  "networkMode": "awsvpc",
  "cpu": "256",
  "memory": "512",
  "containerDefinitions": [
    {
      "name": "web",
      "image": "nginx:1.27", "readonlyRootFilesystem": true,
      "portMapping": [{"containerPort": 80}],
      "essential": true
    },
    {
      "name": "sidecar",
      "image": "busybox:1.36", "readonlyRootFilesystem": true,
      "portMappings": [{"containerPort": "eighty", "protocol": "tcpx"}]
    }
  ]
}
"""

WANT = [  # (line, column, rule, field path), in the order of the file
    (11, 7, "SPEC-UNKNOWN-FIELD", "containerDefinitions[0].portMapping"),
    (17, 42, "SPEC-TYPE", "containerDefinitions[1].portMappings[0].containerPort"),
    (17, 64, "SPEC-ENUM", "containerDefinitions[1].portMappings[0].protocol"),
]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository with the bad spec in a folder: paths in the reports are relative to its root."""
    root = tmp_path_factory.mktemp("repo")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "specs").mkdir()
    (root / "specs" / "bad spec.json").write_text(BAD)
    return root


def run(repo: Path, fmt: str, *extra: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return ecsform(
        "validate",
        "specs/bad spec.json" if cwd is None else str(repo / "specs" / "bad spec.json"),
        "--no-config",
        "--format",
        fmt,
        *extra,
        cwd=cwd or repo,
    )


def test_json_one_object_per_finding_sorted_on_stdout(repo: Path) -> None:
    proc = run(repo, "json")
    assert proc.returncode == 2, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["version"] == report.JSON_VERSION
    assert doc["summary"] == {"errors": 3, "warnings": 0, "notes": 0, "suppressed": 0}
    got = [(f["line"], f["column"], f["rule"], f["path"]) for f in doc["findings"]]
    assert got == WANT
    first = doc["findings"][0]
    assert set(first) == {
        "rule",
        "severity",
        "file",
        "line",
        "column",
        "path",
        "message",
        "hint",
        "environment",
        "suppressed",
    }
    assert first["file"] == "specs/bad spec.json" and first["severity"] == "error"
    assert first["hint"] == "did you mean 'portMappings'?" and first["suppressed"] is None
    # the summary line is on standard error; the document alone on standard output
    assert proc.stderr.strip() == "3 error(s), 0 warning(s)"
    assert run(repo, "json").stdout == proc.stdout  # same inputs, same bytes


def test_sarif_three_results_with_locations_read_back_by_sarif_tools(repo: Path, tmp_path: Path) -> None:
    proc = run(repo, "sarif")
    assert proc.returncode == 2, proc.stderr
    log = json.loads(proc.stdout)

    # what GitHub code scanning requires or reads
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    (run_,) = log["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "ecsform" and driver["version"] == about.version()
    rules = {r["id"]: r for r in driver["rules"]}
    assert sorted(rules) == sorted({w[2] for w in WANT})
    for rule in rules.values():
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] == "error"
    # the rule's own help, one per rule (issue 22 item 8): what one finding should do is in its result, not here
    unknown = rules["SPEC-UNKNOWN-FIELD"]
    assert "did you mean" not in unknown["help"]["text"] + unknown["help"]["markdown"]
    for rid, rule in rules.items():
        assert rule["helpUri"] == f"https://ecsform.dev/rules/#{rid}" and rule["helpUri"] in rule["help"]["markdown"]
        assert rule["help"]["text"].startswith(rule["shortDescription"]["text"])
    anchors = (REPO / "docs" / "rules.md").read_text()
    assert all(f'<a id="{rid}"></a>' in anchors for rid in rules)  # the row helpUri points at
    results = run_["results"]
    assert len(results) == 3
    for result, (line, col, rule, path) in zip(results, WANT):
        assert result["ruleId"] == rule and driver["rules"][result["ruleIndex"]]["id"] == rule
        assert result["level"] == "error"
        assert result["message"]["text"].startswith(f"{path}: ")
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": "specs/bad%20spec.json", "uriBaseId": "%SRCROOT%"}
        assert physical["region"] == {"startLine": line, "startColumn": col}
        assert result["properties"]["path"] == path
    assert any("did you mean 'portMappings'?" in r["message"]["text"] for r in results)  # the finding's own hint

    # a SARIF consumer reads every result back, at its place
    path = tmp_path / "ecsform.sarif"
    path.write_text(proc.stdout)
    records = loader.load_sarif_file(str(path)).get_records()
    assert sorted((r["Code"], r["Location"], str(r["Line"]), r["Severity"]) for r in records) == sorted(
        (rule, "specs/bad%20spec.json", str(line), "error") for line, _col, rule, _path in WANT
    )


def test_sarif_paths_are_relative_to_the_repository_root_from_a_subfolder(repo: Path) -> None:
    proc = run(repo, "sarif", cwd=repo / "specs")
    log = json.loads(proc.stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"specs/bad%20spec.json"}


def test_github_three_annotations(repo: Path) -> None:
    proc = run(repo, "github")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 3
    for text, (line, col, rule, path) in zip(lines, WANT):
        assert text.startswith(f"::error file=specs/bad spec.json,line={line},col={col},title={rule}::{path}: "), text
    assert lines[0].endswith("%0Ahint: did you mean 'portMappings'?")
    assert proc.stderr.strip() == "3 error(s), 0 warning(s)"


def test_github_escapes_data_and_properties(tmp_path: Path) -> None:
    spec = tmp_path / "a,b:c.yaml"
    spec.write_text("x\n")
    f = Finding(
        "RULE-X", Severity.WARNING, "100% wrong\r\nsecond line", ("a",), "fix: it", file=str(spec), line=1, col=2
    )
    out = report.github_commands([f], root=tmp_path)
    assert out == (
        "::warning file=a%2Cb%3Ac.yaml,line=1,col=2,title=RULE-X::a: 100%25 wrong%0D%0Asecond line%0Ahint: fix: it\n"
    )


def test_suppressed_findings_json_and_sarif_keep_them_github_and_text_do_not(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("x\n")
    kept = Finding("SEC-X", Severity.WARNING, "kept", file=str(spec), line=1, col=1)
    gone = Finding("SEC-Y", Severity.WARNING, "gone", file=str(spec), line=1, col=1).suppress("accepted: reason")
    doc = json.loads(report.json_document([kept, gone]))
    assert [f["suppressed"] for f in doc["findings"]] == [None, "accepted: reason"]
    assert doc["summary"] == {"errors": 0, "warnings": 1, "notes": 0, "suppressed": 1}
    log = report.sarif_log([kept, gone], root=tmp_path)
    results = log["runs"][0]["results"]
    assert "suppressions" not in results[0]
    assert results[1]["suppressions"] == [{"kind": "inSource", "justification": "accepted: reason"}]
    assert results[0]["level"] == "warning"
    assert report.github_commands([kept, gone], root=tmp_path).count("::warning") == 1
    assert "gone" not in report.text([kept, gone])


def test_notes_are_counted_in_text_and_github_and_kept_in_json_and_sarif(tmp_path: Path) -> None:
    """A note (hardening advice) is not printed one by one unless asked: the summary line counts it and names the
    command that lists it; json and sarif (level note) always hold it, with its structured data."""
    spec = tmp_path / "s.yaml"
    spec.write_text("x\n")
    warning = Finding("ECS-X", Severity.WARNING, "may fail", file=str(spec), line=1, col=1)
    note = Finding("SEC-X", Severity.NOTE, "advice", file=str(spec), line=1, col=1, data={"k": ["v"]})
    shown = report.text([warning, note])
    assert "advice" not in shown and "may fail" in shown
    assert (
        shown.splitlines()[-1] == "0 error(s), 1 warning(s), 1 note(s) not shown (ecsform validate --notes lists them)"
    )
    listed = report.text([warning, note], notes=True)
    assert f"{spec}:1:1: note SEC-X: advice" in listed.splitlines()
    assert listed.splitlines()[-1] == "0 error(s), 1 warning(s), 1 note(s)"
    assert report.github_commands([warning, note], root=tmp_path).startswith("::warning ")
    assert report.github_commands([warning, note], root=tmp_path).count("\n") == 1
    assert "::notice file=s.yaml,line=1,col=1,title=SEC-X::advice" in report.github_commands(
        [warning, note], root=tmp_path, notes=True
    )
    doc = json.loads(report.json_document([warning, note]))
    assert doc["summary"] == {"errors": 0, "warnings": 1, "notes": 1, "suppressed": 0}
    assert [(f["severity"], f.get("data")) for f in doc["findings"]] == [("warning", None), ("note", {"k": ["v"]})]
    log = report.sarif_log([warning, note], root=tmp_path)
    assert [r["level"] for r in log["runs"][0]["results"]] == ["warning", "note"]
    assert log["runs"][0]["results"][1]["properties"]["data"] == {"k": ["v"]}


def test_a_finding_about_an_option_has_no_location() -> None:
    f = Finding(
        "CLI-ENGINE", Severity.ERROR, "unknown engine 'x'", hint="use --engine hcl", file="--engine", line=1, col=1
    )
    (result,) = report.sarif_log([f])["runs"][0]["results"]
    assert "locations" not in result
    assert (
        report.github_commands([f])
        == "::error title=CLI-ENGINE::--engine: unknown engine 'x'%0Ahint: use --engine hcl\n"
    )


def test_no_findings_give_empty_documents(repo: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps(
            {
                "family": "ok",
                "x-ecsform": {"region": "us-east-1"},
                "containerDefinitions": [
                    {"name": "app", "image": "nginx:1.27", "memory": 128, "readonlyRootFilesystem": True}
                ],
            }
        )
    )
    ok = ecsform("validate", str(good), "--no-config", "--format", "json", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {
        "version": 1,
        "summary": {"errors": 0, "warnings": 0, "notes": 0, "suppressed": 0},
        "findings": [],
    }
    assert ok.stderr == ""
    sarif = ecsform("validate", str(good), "--no-config", "--format", "sarif", cwd=tmp_path)
    assert sarif.returncode == 0
    assert json.loads(sarif.stdout)["runs"][0]["results"] == []
    github = ecsform("validate", str(good), "--no-config", "--format", "github", cwd=tmp_path)
    assert github.returncode == 0 and github.stdout == ""


def test_synth_takes_the_format_and_writes_nothing_on_error(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = ecsform("synth", "specs/bad spec.json", "--no-config", "--out", str(out), "--format", "github", cwd=repo)
    assert proc.returncode == 2 and not out.exists()
    assert len(proc.stdout.splitlines()) == 3


def test_an_unknown_format_is_a_usage_error(repo: Path) -> None:
    proc = run(repo, "xml")
    assert proc.returncode == 2
    assert "xml" in proc.stderr and "Traceback" not in proc.stderr
