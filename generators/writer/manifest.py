"""manifest.json: what ecsform wrote in an output, as types. pipeline.py builds a `Manifest[RootEntry]` (a
`RootEntry` per root, a `ModuleEntry` per module folder synth copies beside them), bootstrap.py a
`Manifest[BootstrapEntry]`; the writer publishes either (it needs of each folder what `Generated` names) and reads
the one on disk back as `Written` folders (a manifest edited by hand could name anything: each entry is checked)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Mapping, NotRequired, TypedDict, TypeVar

MANIFEST = "manifest.json"


class Generated(TypedDict):
    """What the writer needs of every folder a manifest names: its path in the output and the files it writes there.
    Every entry below has these two keys (so each is a `Generated`)."""

    path: str  # relative to the output, posix
    files: list[str]  # the names of the files ecsform writes in it


class ConfigUsed(TypedDict):
    """A root's `config`: the ecsform.yaml and the entries of it that shaped the root."""

    file: str
    entries: list[str]


class RootEntry(TypedDict):
    """A root as manifest.json names it (in "roots"), made where the root is rendered. JSON as it is: the render
    cache stores it, and its keys are written in this order."""

    family: str
    environment: str | None
    path: str  # relative to the output, posix
    engine: str
    spec: str
    files: list[str]  # the names of the files ecsform wrote in it
    config: NotRequired[ConfigUsed]
    images: NotRequired[str]  # its deployed images file
    modules: list[str]  # the sources of the local modules it calls
    hash: str  # "sha256:...": its files and those of the local modules it calls
    target: NotRequired[dict[str, str]]  # environment, accountId, region, roleArn
    state: NotRequired[dict[str, object]]  # the backend and its arguments by their Terraform names


class ConfigPart(TypedDict, total=False):
    """A root entry's `config` (only with an ecsform.yaml): the parts of an entry that may be absent are typed
    apart, so that the entry is built in its key order (`{..., **part, ...}`)."""

    config: ConfigUsed


class ImagesPart(TypedDict, total=False):
    """A root entry's `images` (only when its spec has a deployed images file)."""

    images: str


class DeploymentPart(TypedDict, total=False):
    """A root entry's `target` and `state` (only with an ecsform.yaml)."""

    target: dict[str, str]
    state: dict[str, object]


class ModuleEntry(TypedDict):
    """A module folder synth copies into the output (in "modules")."""

    path: str
    files: list[str]
    hash: str


class BootstrapEntry(TypedDict):
    """The root `ecsform bootstrap` writes (in "roots"): made from ecsform.yaml, not from a spec."""

    path: str
    files: list[str]
    bootstrap: str  # the CI engine it is made for


R = TypeVar("R", bound=Generated)  # the kind of root a manifest names


class Manifest(TypedDict, Generic[R]):
    """manifest.json. `orphaned`: roots no spec produces any more, kept for their state or files (their entries as
    the manifest before had them), so that the next run knows which of their files ecsform wrote."""

    roots: list[R]
    modules: NotRequired[list[ModuleEntry]]
    orphaned: NotRequired[list[Mapping[str, object]]]


@dataclass(frozen=True)
class Written:
    """A folder a manifest on disk says ecsform wrote: its path, the files ecsform wrote in it, the spec that
    produced it (roots only), and the entry as it reads (written back when the root is kept)."""

    path: str
    files: frozenset[str]
    spec: str | None
    entry: Mapping[str, object]


def generated(manifest: Manifest[R]) -> list[Generated]:
    """The folders a manifest this run made says ecsform writes: the roots, then the modules beside them."""
    return [*manifest["roots"], *manifest.get("modules", [])]


def read_manifest(out: Path) -> dict[str, Any]:
    """The manifest ecsform wrote in `out`, as JSON ({} when there is none or it cannot be read): unchecked, for
    readers of a field or two; the writer reads it through `written_entries`."""
    try:
        data = json.loads((out / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def written_entries(data: Mapping[str, object], key: str) -> list[Written]:
    """The well-formed entries of a manifest read from disk under `key` ("roots", "modules", "orphaned"): a
    relative path inside the output, a list of files (the names that are strings)."""
    found = data.get(key)
    if not isinstance(found, list):
        return []
    out = []
    for r in found:
        if not isinstance(r, dict):
            continue
        path, files, spec = r.get("path"), r.get("files", []), r.get("spec")
        if isinstance(path, str) and is_inside(path) and isinstance(files, list):
            names = frozenset(n for n in files if isinstance(n, str))
            out.append(Written(path, names, spec if isinstance(spec, str) else None, r))
    return out


def is_inside(rel: str) -> bool:
    """A relative path inside the output (a manifest edited by hand could name anything)."""
    parts = rel.split("/")
    return bool(rel) and not rel.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def ancestors(rel: str) -> list[str]:
    """The folders that lead to `rel` (a relative posix path), outermost first."""
    parts = rel.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def entry_text(entry: RootEntry) -> str:
    """A root's entry as manifest.json writes it (inside "roots"), made where the root was rendered: a manifest of
    ten thousand roots is then joined, not encoded, by the writer."""
    return "    " + _indented(entry, "    ")


_STRING = json.encoder.encode_basestring_ascii  # (json's C code: a string as json.dumps writes it)


def _indented(value: Any, pad: str) -> str:
    """`json.dumps(value, indent=2)`, each line after the first starting with `pad`, built directly: with an indent,
    json encodes in Python, with a generator call per value, at three times this cost on every root. What is not a
    string, int, bool, None, list or dict with string keys is json's to write (floats among them)."""
    kind = type(value)
    if kind is str:
        return _STRING(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = pad + "  "
        items = []
        for k, v in value.items():
            if type(k) is not str:
                return _json(value, pad)
            items.append(f"{inner}{_STRING(k)}: {_indented(v, inner)}")
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        inner = pad + "  "
        return "[\n" + ",\n".join(inner + _indented(v, inner) for v in value) + "\n" + pad + "]"
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    return _json(value, pad)


def _json(value: Any, pad: str) -> str:
    return json.dumps(value, indent=2).replace("\n", "\n" + pad)


def manifest_text(written: Manifest[R], texts: list[str] | None = None) -> str:
    """manifest.json: `json.dumps(written, indent=2)` and a newline, its roots joined from their `texts` when given."""
    roots = written["roots"]
    if texts is None or not texts or len(texts) != len(roots) or next(iter(written)) != "roots":
        return json.dumps(written, indent=2) + "\n"
    rest = json.dumps({k: v for k, v in written.items() if k != "roots"}, indent=2)
    tail = "\n" + rest[2:-2] if len(written) > 1 else ""  # its entries, indented as they are inside the whole
    return '{\n  "roots": [\n' + ",\n".join(texts) + "\n  ]" + ("," + tail if tail else "") + "\n}\n"
