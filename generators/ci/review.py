"""`ecsform review record|check|applied`: the plan reviewers saw is the plan that is applied, or the apply stops.

A pipeline plans each root (`terraform plan -out tfplan`) and shows the plan; after the approval, it applies that
saved plan file, never a new plan. These checks tie the file to what was reviewed, in ecsform rather than in the
pipeline's YAML, so that every engine (and a laptop) runs the same ones:

- `record`, right after the plan: `<out>/<root>/ecsform-plan.json`, the plan's receipt: the root, the git commit
  it was planned at, the sha256 of `tfplan`, the root's hash (manifest.json: its files and the modules it calls)
  and the state it was planned against (lineage and serial, from `terraform state pull`; none for a root never
  applied).
- `check`, after the approval and before `terraform apply tfplan`: prints one word on standard output,
  `apply` (go on), `applied` (this plan was applied already, at this commit: nothing to do) or `stale` (the state
  changed since the plan: someone applied in between; a REVIEW-STALE warning says so, and the pipeline plans again
  and asks again), and refuses (exit 2, a REVIEW-* finding) a plan that is not the one reviewed for this commit:
  no receipt, another commit, a plan file that changed, a root that changed, or, with `--changed`, a root whose
  earlier environments (`ci.promotion`) of the same change were not applied and deployed first.
- `applied`, after the apply and the deploy: `<out>/<root>/ecsform-applied.json` (the commit and the plan), what
  `check` of the next environment reads.

Terraform refuses a saved plan whose state changed since (its lineage and serial are in the plan file), but not
for a root that had no state when planned: the receipt covers that case too.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

from .. import about
from ..config import Config
from ..errors import Check, EcsformError, Finding, Severity
from ..writer.lock import output_lock
from ..writer.manifest import MANIFEST, read_manifest
from ..writer.single_file import write_file
from .chunks import read_changed
from .environments import promotion
from .shell import APPLIED_FILE, PLAN_FILE, RECEIPT_FILE

# The findings this module raises (collected by the catalog: generators/rules).
REVIEW_MISSING = Check(
    "REVIEW-MISSING", Severity.ERROR, "ecsform review: the root's saved plan has no receipt (the plan job's)."
)
REVIEW_COMMIT = Check(
    "REVIEW-COMMIT",
    Severity.ERROR,
    "ecsform review: the saved plan was made at another commit than the one checked out.",
)
REVIEW_PLAN = Check(
    "REVIEW-PLAN", Severity.ERROR, "ecsform review: the plan file is missing, or not the one the receipt names."
)
REVIEW_ROOT = Check(
    "REVIEW-ROOT", Severity.ERROR, "ecsform review: no such root, or the root synthesized here is not the one planned."
)
REVIEW_STATE = Check(
    "REVIEW-STATE", Severity.ERROR, "ecsform review: the root's state cannot be read (terraform state pull)."
)
REVIEW_STALE = Check(
    "REVIEW-STALE",
    Severity.WARNING,
    (
        "ecsform review check: the state changed since the plan (someone applied in between): not applied, "
        "planned again."
    ),
)
REVIEW_PROMOTION = Check(
    "REVIEW-PROMOTION",
    Severity.ERROR,
    (
        "ecsform review check: the same change is not yet applied and deployed in the environments before "
        "the root's (ci.promotion)."
    ),
)
REVIEW_APPLIED = Check(
    "REVIEW-APPLIED", Severity.ERROR, "ecsform review check: the root's applied mark cannot be read."
)


VERDICTS = ("apply", "applied", "stale")

E, W = Severity.ERROR, Severity.WARNING


def _refuse(rule: Check, message: str, where: str, hint: str) -> EcsformError:
    return EcsformError([rule.finding(message, hint=hint, file=where, mark=(1, 1), severity=E)])


class State(TypedDict):
    """Which state a plan was made against (`terraform state pull`): its lineage and serial."""

    lineage: str
    serial: int | None


@dataclass(frozen=True)
class Receipt:
    root: str
    commit: str
    plan: str  # sha256:<hex> of the plan file
    root_hash: str  # manifest.json's hash of the root
    state: State | None  # the state the plan was made against; None: no state yet

    def data(self) -> dict[str, object]:
        return {
            "root": self.root,
            "commit": self.commit,
            "plan": self.plan,
            "rootHash": self.root_hash,
            "state": self.state,
            "ecsform": about.version(),
        }


# --- what the checks read ---------------------------------------------------------------------------------------


def commit_of(folder: Path, commit: str | None) -> str:
    """The commit named (a revision git resolves), else the checked-out one (HEAD)."""
    revision = commit or "HEAD"
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "--verify", "--end-of-options", f"{revision}^{{commit}}"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise _refuse(
            REVIEW_COMMIT, f"cannot run git: {exc}", "--commit", "run it in the repository's checkout"
        ) from None
    if proc.returncode != 0:
        raise _refuse(
            REVIEW_COMMIT,
            f"no commit {revision!r} here",
            "--commit",
            "run it in the repository's checkout (the commit the pipeline planned and applies)",
        )
    return proc.stdout.strip()


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return "sha256:" + h.hexdigest()


def root_hash(out: Path, root: str) -> str:
    """The root's hash as the last synth wrote it (manifest.json)."""
    for entry in read_manifest(out).get("roots", []):
        if isinstance(entry, dict) and entry.get("path") == root and isinstance(entry.get("hash"), str):
            return str(entry["hash"])
    known = [e.get("path") for e in read_manifest(out).get("roots", []) if isinstance(e, dict)]
    raise _refuse(
        REVIEW_ROOT,
        f"no root {root!r} in {(out / MANIFEST).as_posix()}",
        root,
        "synthesize first (ecsform synth ... --out "
        + out.as_posix()
        + ")"
        + (f"; roots: {', '.join(str(k) for k in known[:10])}" if known else ""),
    )


def state_of(folder: Path) -> State | None:
    """The lineage and serial of the root's current state (`terraform state pull`); None when it has none."""
    try:
        proc = subprocess.run(
            ["terraform", f"-chdir={folder}", "state", "pull"],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "TF_IN_AUTOMATION": "true"},
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise _refuse(
            REVIEW_STATE, f"cannot run terraform state pull: {exc}", folder.as_posix(), "put terraform on PATH"
        ) from None
    if proc.returncode != 0:
        plain = re.sub(r"\x1b\[[0-9;]*m", "", proc.stderr)  # `state pull` has no -no-color
        words = [w.strip(" │╷╵") for w in plain.strip().splitlines() if w.strip(" │╷╵")]
        raise _refuse(
            REVIEW_STATE,
            f"terraform state pull failed: {' '.join(words[-3:])[:400]}",
            folder.as_posix(),
            "run terraform init in the root first, with credentials that may read its state",
        )
    if not proc.stdout.strip():
        return None
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        raise _refuse(
            REVIEW_STATE, "terraform state pull printed no state", folder.as_posix(), "check the root's backend"
        ) from None
    if not isinstance(data, dict) or not data.get("lineage"):
        return None
    return {"lineage": data["lineage"], "serial": data.get("serial")}


def _read(path: Path, rule: Check, hint: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise _refuse(rule, f"{path.as_posix()} does not exist", path.as_posix(), hint) from None
    except (OSError, ValueError) as exc:
        raise _refuse(rule, f"cannot read {path.as_posix()}: {exc}", path.as_posix(), hint) from None
    if not isinstance(data, dict):
        raise _refuse(rule, f"{path.as_posix()} is not a receipt ecsform wrote", path.as_posix(), hint)
    return data


def _write(path: Path, data: Mapping[str, object], lock_timeout: float) -> None:
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    with output_lock(path, lock_timeout):
        write_file(path, text.encode())


def _folder(out: Path, root: str) -> Path:
    folder = out / root
    if not (folder / "main.tf").is_file() and not (folder / "cdk.tf.json").is_file():
        raise _refuse(
            REVIEW_ROOT,
            f"no root in {folder.as_posix()}",
            root,
            "synthesize first, with the same --out (the root as manifest.json names it)",
        )
    return folder


# --- record, check, applied -------------------------------------------------------------------------------------


def record(root: str, out: Path, commit: str | None = None, lock_timeout: float = 5.0) -> Receipt:
    """The receipt of the plan `terraform plan -out tfplan` just wrote in the root's folder."""
    folder = _folder(out, root)
    plan = folder / PLAN_FILE
    if not plan.is_file():
        raise _refuse(
            REVIEW_PLAN,
            f"no plan file {plan.as_posix()}",
            plan.as_posix(),
            f"plan first: terraform -chdir={folder.as_posix()} plan -out={PLAN_FILE}",
        )
    receipt = Receipt(root, commit_of(Path.cwd(), commit), digest(plan), root_hash(out, root), state_of(folder))
    _write(folder / RECEIPT_FILE, receipt.data(), lock_timeout)
    return receipt


def earlier_environments(config: Config | None, environment: str | None) -> list[str]:
    """The environments whose applies the root's waits for (ci.promotion, default: the declared order)."""
    if config is None or environment is None:
        return []
    order = promotion(config)
    return order[: order.index(environment)] if environment in order else []


def check(
    root: str, out: Path, config: Config | None, commit: str | None = None, changed: str | None = None
) -> tuple[str, list[Finding]]:
    """The verdict on the saved plan of one root (`apply`, `applied`, `stale`) and the warnings that explain it;
    raises EcsformError when the plan is not the one reviewed for this commit."""
    folder = _folder(out, root)
    here = commit_of(Path.cwd(), commit)
    where = (folder / RECEIPT_FILE).as_posix()
    receipt = _read(folder / RECEIPT_FILE, REVIEW_MISSING, "apply only a plan the pipeline planned and showed")
    hint = "plan this commit's root again (the pipeline's plan job) and have it reviewed; never apply another plan"
    if receipt.get("root") != root:
        raise _refuse(REVIEW_ROOT, f"the receipt is for root {receipt.get('root')!r}, not {root!r}", where, hint)
    if receipt.get("commit") != here:
        raise _refuse(
            REVIEW_COMMIT,
            f"the plan of {root} was made at commit {str(receipt.get('commit'))[:12]}, this checkout is {here[:12]}: "
            "it is not the plan reviewed for this commit",
            where,
            hint,
        )
    plan = folder / PLAN_FILE
    if not plan.is_file() or digest(plan) != receipt.get("plan"):
        raise _refuse(
            REVIEW_PLAN,
            f"{plan.as_posix()} is not the plan file that was reviewed (its sha256 differs from the receipt's)",
            where,
            hint,
        )
    current = root_hash(out, root)
    if current != receipt.get("rootHash"):
        raise _refuse(
            REVIEW_ROOT,
            f"the root synthesized here ({current[:19]}...) is not the one planned ({str(receipt.get('rootHash'))[:19]}"
            "...): another ecsform, ecsform.yaml or module gave other files at the same commit",
            where,
            "synthesize with the same ecsform and inputs as the plan job, or plan again",
        )
    applied = folder / APPLIED_FILE
    if applied.is_file():
        done = _read(applied, REVIEW_APPLIED, "remove the file: it is written after an apply")
        if done.get("commit") == here and done.get("plan") == receipt.get("plan"):
            return "applied", []
    if changed is not None:
        _check_promotion(root, out, config, here, changed)
    state = state_of(folder)
    if state != receipt.get("state"):
        before: Mapping[str, object] = receipt.get("state") or {}
        after: Mapping[str, object] = state or {}
        return "stale", [
            REVIEW_STALE.finding(
                f"the state of {root} changed since its plan (serial {before.get('serial', 'none')} -> "
                f"{after.get('serial', 'none')}{', another lineage' if before.get('lineage') != after.get('lineage') and before and after else ''}): "
                "someone applied in between; the reviewed plan is not applied",
                hint="the pipeline plans the root again at the default branch's head and asks for approval again",
                file=where,
                mark=(1, 1),
                severity=W,
            )
        ]
    return "apply", []


def _check_promotion(root: str, out: Path, config: Config | None, here: str, changed: str) -> None:
    """A root waits for the same change's roots of the same spec in the environments before its own (applied and
    deployed at this commit: their ecsform-applied.json)."""
    entries = read_changed(changed).changed
    mine = next((e for e in entries if e.root == root), None)
    if mine is None:
        raise _refuse(
            REVIEW_ROOT,
            f"{root} is not in {changed}: this change does not touch it",
            changed,
            "apply only the roots `ecsform changed` named",
        )
    earlier = earlier_environments(config, mine.environment)
    waiting = []
    for e in entries:
        if e.spec == mine.spec and e.environment in earlier:
            done = out / e.root / APPLIED_FILE
            try:
                data = json.loads(done.read_bytes())
            except (OSError, ValueError):
                data = {}
            if not isinstance(data, dict) or data.get("commit") != here:
                waiting.append(e.root)
    if waiting:
        raise _refuse(
            REVIEW_PROMOTION,
            f"{root} waits for {', '.join(waiting)}: the same change is applied and deployed there first "
            f"(ci.promotion: {' -> '.join(promotion(config)) if config else ''})",
            changed,
            "apply (and deploy) the earlier environment's root of this change first; its job failed or has not run",
        )


def applied(root: str, out: Path, commit: str | None = None, lock_timeout: float = 5.0) -> None:
    """Mark the root's reviewed plan applied and deployed at this commit (what `check` of later environments and of
    a re-run reads)."""
    folder = _folder(out, root)
    receipt = _read(folder / RECEIPT_FILE, REVIEW_MISSING, "record the plan first (ecsform review record)")
    data = {"root": root, "commit": commit_of(Path.cwd(), commit), "plan": receipt.get("plan")}
    _write(folder / APPLIED_FILE, data, lock_timeout)
