"""The one import seam for the CDK packages: CDK Terrain (`cdktn`, the default) or HashiCorp's `cdktf`.

CDK Terrain continues cdktf (deprecated by HashiCorp on 2025-12-10) with the same API, so the engine and the
construct use whichever one this module returns:

    ECSFORM_CDK_PACKAGE=cdktn   (default) CDK Terrain, `pip install 'ecsform[cdk]'`
    ECSFORM_CDK_PACKAGE=cdktf   HashiCorp's cdktf, `pip install 'ecsform[cdktf]'`

When the chosen package is not installed, the other one is used if it is. Both run on jsii, which starts a
Node.js process on first import: a missing `node`, or a runtime that fails to start, is reported as an ecsform
finding (CDK-RUNTIME), never as a jsii traceback.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import functools
import gc
import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from types import ModuleType
from typing import IO

from ..errors import Check, EcsformError, Severity

# The findings this module raises (collected by the catalog: generators/rules).
CDK_RUNTIME = Check(
    "CDK-RUNTIME", Severity.ERROR, "--engine cdk: the CDK runtime cannot start (Node.js is missing, or jsii fails)."
)
CDK_PACKAGE = Check(
    "CDK-PACKAGE",
    Severity.ERROR,
    "--engine cdk: neither cdktn nor cdktf is installed, or ECSFORM_CDK_PACKAGE names another package.",
)
CDK_STACK_NAME = Check("CDK-STACK-NAME", Severity.ERROR, "cdk-app: two roots would get the same stack name.")
CDK_ENV_REQUIRED = Check(
    "CDK-ENV-REQUIRED", Severity.ERROR, "CDK construct: a spec with environments needs environment=."
)
CDK_IMAGES = Check("CDK-IMAGES", Severity.ERROR, "CDK construct: images= names a container the task definition lacks.")
CDK_MODULE_SOURCE = Check(
    "CDK-MODULE-SOURCE",
    Severity.ERROR,
    "CDK construct: modules/ is not beside the code, so module_source= is required.",
)


ENV_VAR = "ECSFORM_CDK_PACKAGE"
PACKAGES = ("cdktn", "cdktf")
DEFAULT = "cdktn"


def _error(rule: Check, message: str, hint: str) -> EcsformError:
    return EcsformError([rule.finding(message, hint=hint, file="--engine", mark=(1, 1), severity=Severity.ERROR)])


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None and importlib.util.find_spec("constructs") is not None


def package_name() -> str:
    """The package to use: ECSFORM_CDK_PACKAGE (default cdktn), else whichever of the two is installed."""
    wanted = os.environ.get(ENV_VAR, "").strip() or DEFAULT
    if wanted not in PACKAGES:
        raise _error(
            CDK_PACKAGE,
            f"{ENV_VAR}={wanted!r} is not one of: {', '.join(PACKAGES)}",
            f"unset {ENV_VAR} (CDK Terrain, cdktn) or set it to cdktf",
        )
    for name in (wanted, *(p for p in PACKAGES if p != wanted)):
        if _installed(name):
            return name
    raise _error(
        CDK_PACKAGE,
        "the CDK engine needs CDK Terrain (cdktn) or cdktf, and neither is installed",
        "pip install 'ecsform[cdk]' (or 'ecsform[cdktf]'), or use --engine hcl",
    )


def node_command() -> str | None:
    """The Node.js executable jsii will start (JSII_NODE, else `node` on PATH), or None when there is none."""
    node = os.environ.get("JSII_NODE", "node")
    return shutil.which(node)


def runtime_error(exc: BaseException) -> EcsformError:
    """A jsii or Node.js failure as a finding: the first line of the message, not the JavaScript stack."""
    if isinstance(exc, (ValueError, OSError, AssertionError)):  # no handshake: the JSON hello never came
        detail = f"its Node.js process ({node_command()}) did not start ({type(exc).__name__}: {exc})"
    else:
        text = str(exc).strip().splitlines()
        detail = text[0] if text else type(exc).__name__
    return _error(
        CDK_RUNTIME,
        f"the CDK runtime (jsii on Node.js) failed: {detail}",
        "the CDK engine needs Node.js 20 or later on PATH; check `node --version`, or use --engine hcl",
    )


def _check_node(name: str) -> None:
    """Run `node --version` before jsii does: a missing or broken Node.js is reported here, in plain words."""
    node = node_command()
    hint = "install Node.js 20 or later (or set JSII_NODE to it), or use --engine hcl"
    if node is None:
        raise _error(
            CDK_RUNTIME,
            f"the CDK engine ({name}) runs on jsii, which needs Node.js, and "
            f"`{os.environ.get('JSII_NODE', 'node')}` is not on PATH",
            hint,
        )
    try:
        proc = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        raise _error(CDK_RUNTIME, f"`{node} --version` cannot run: {exc}", hint) from None
    if proc.returncode != 0 or not proc.stdout.startswith("v"):
        said = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[0]
        raise _error(CDK_RUNTIME, f"`{node} --version` failed (exit {proc.returncode}): {said}", hint)


def _stop_failed_runtime() -> None:
    """After a failed start, stop jsii's Node.js process and drop its exit hook (which would print a traceback)."""
    try:
        from jsii._kernel.providers.process import _NodeProcess
    except Exception:  # pragma: no cover - another jsii layout
        return
    for obj in gc.get_objects():
        if isinstance(obj, _NodeProcess):
            atexit.unregister(obj.stop)
            obj.stop = lambda: None  # type: ignore[method-assign]  # jsii's own object: __del__ calls stop() too
            process = getattr(obj, "_process", None)
            if process is None:
                continue
            if process.poll() is None:
                process.kill()
            for pipe in (process.stdin, process.stdout):
                with contextlib.suppress(OSError, ValueError):
                    if pipe is not None:
                        pipe.close()


def _stderr_sink(reader: IO[bytes]) -> None:
    """jsii's thread that copies its Node.js process's standard error, writing text: jsii 1.x prints a line that
    is not one of its JSON console records (the Node.js end-of-life notice) with print() on bytes: b'!!...\\n'."""
    for line in iter(reader.readline, b""):
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict) and ("stderr" in record or "stdout" in record):
            for key, stream in (("stderr", sys.stderr), ("stdout", sys.stdout)):
                if record.get(key) is not None:
                    stream.buffer.write(base64.b64decode(record[key]))
                    stream.flush()
        else:
            sys.stderr.write(line.decode("utf-8", "replace"))
            sys.stderr.flush()


def _decode_node_stderr() -> None:
    """Put `_stderr_sink` in place of jsii's before the runtime starts (no effect on another jsii layout)."""
    try:
        from jsii._kernel.providers import process
    except Exception:  # pragma: no cover - jsii missing: the import below reports it
        return
    if hasattr(process, "stderr_sink"):
        process.stderr_sink = _stderr_sink  # type: ignore[assignment]  # jsii declares IO[AnyStr]: it passes bytes


@functools.lru_cache(maxsize=None)
def _load(name: str) -> ModuleType:
    _check_node(name)
    _decode_node_stderr()
    try:
        return importlib.import_module(name)  # starts the jsii kernel: a Node.js child process
    except Exception as exc:  # jsii reports a failed start in many shapes (OSError, RuntimeError, JSON errors)
        _stop_failed_runtime()
        raise runtime_error(exc) from None


def load() -> ModuleType:
    """The CDK module (`cdktn` or `cdktf`): App, TerraformStack, TerraformHclModule, Token... Raises EcsformError."""
    return _load(package_name())
