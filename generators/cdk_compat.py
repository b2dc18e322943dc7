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

import functools
import importlib
import importlib.util
import os
import shutil
from types import ModuleType

from .errors import EcsformError, Finding, Severity

ENV_VAR = "ECSFORM_CDK_PACKAGE"
PACKAGES = ("cdktn", "cdktf")
DEFAULT = "cdktn"
_WHERE = {"file": "--engine", "line": 1, "col": 1}


def _error(rule: str, message: str, hint: str) -> EcsformError:
    return EcsformError([Finding(rule, Severity.ERROR, message, hint=hint, **_WHERE)])


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None and importlib.util.find_spec("constructs") is not None


def package_name() -> str:
    """The package to use: ECSFORM_CDK_PACKAGE (default cdktn), else whichever of the two is installed."""
    wanted = os.environ.get(ENV_VAR, "").strip() or DEFAULT
    if wanted not in PACKAGES:
        raise _error("CDK-PACKAGE", f"{ENV_VAR}={wanted!r} is not one of: {', '.join(PACKAGES)}",
                     f"unset {ENV_VAR} (CDK Terrain, cdktn) or set it to cdktf")
    for name in (wanted, *(p for p in PACKAGES if p != wanted)):
        if _installed(name):
            return name
    raise _error("CDK-PACKAGE", "the CDK engine needs CDK Terrain (cdktn) or cdktf, and neither is installed",
                 "pip install 'ecsform[cdk]' (or 'ecsform[cdktf]'), or use --engine hcl")


def node_command() -> str | None:
    """The Node.js executable jsii will start (JSII_NODE, else `node` on PATH), or None when there is none."""
    node = os.environ.get("JSII_NODE", "node")
    return shutil.which(node)


def runtime_error(exc: BaseException) -> EcsformError:
    """A jsii or Node.js failure as a finding: the first line of the message, not the JavaScript stack."""
    text = str(exc).strip().splitlines()
    detail = text[0] if text else type(exc).__name__
    return _error("CDK-RUNTIME", f"the CDK runtime (jsii on Node.js) failed: {detail}",
                  "the CDK engine needs Node.js 20 or later on PATH; check `node --version`, or use --engine hcl")


@functools.lru_cache(maxsize=None)
def _load(name: str) -> ModuleType:
    if node_command() is None:
        raise _error("CDK-RUNTIME", f"the CDK engine ({name}) runs on jsii, which needs Node.js, and `node` is not "
                     "on PATH", "install Node.js 20 or later (or set JSII_NODE), or use --engine hcl")
    try:
        return importlib.import_module(name)  # starts the jsii kernel: a Node.js child process
    except EcsformError:
        raise
    except Exception as exc:  # jsii reports a failed start in many shapes (OSError, RuntimeError, JSON errors)
        raise runtime_error(exc) from None


def load() -> ModuleType:
    """The CDK module (`cdktn` or `cdktf`): App, TerraformStack, TerraformHclModule, Token... Raises EcsformError."""
    return _load(package_name())
