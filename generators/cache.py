"""The render cache: what synth made of a spec file, kept by a key of everything that decided it, so that a synth
where one spec of thousands changed loads, checks and renders that one.

    key     = sha256(ecsform's code and the packages it renders with, the run's options, the output folder and
              where the modules are, the spec's path and bytes)
    entry   = the spec's findings, the families it declares (for the checks across specs), its roots (manifest
              entries and files), and its dependencies: the ecsform.yaml entries and the module folders it used and
              the input files of each root, each with the digest it had

An entry is used only when every dependency still has its digest (else it is stale: rendered again and replaced).
The entries live in one SQLite database (`renders-v2.sqlite3`) in the cache folder: `--cache-dir`, else
$ECSFORM_CACHE_DIR, else $XDG_CACHE_HOME/ecsform (~/.cache/ecsform), never inside the output. Each entry carries
the sha256 of its bytes and its own key: a corrupt, truncated or foreign entry, a database that cannot be read, a
schema from another version are ignored (missed, and written again), never trusted. An entry is a line of JSON and
then its files' bytes (read back without running anything); a run marks the entries it used, and entries unused
for `KEEP_DAYS` days are removed, so that a CI cache stays the size of the repository.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from .declarations import Declared
from .errors import EcsformError, Finding, Severity
from .options import CLI_CACHE
from .spec.nodes import Node
from .target import Backend

FORMAT = 2  # 2: the files' bytes after the JSON line, no longer strings inside it
FILE_NAME = f"renders-v{FORMAT}.sqlite3"
ENV_VAR = "ECSFORM_CACHE_DIR"
KEEP_DAYS = 30
_BUSY_MS = 5000  # another ecsform run writing the same cache: wait this long, then go on without storing

# the packages whose versions decide rendered bytes (the ECS API model, the templates, the spec and policy models)
_PACKAGES = ("botocore", "jinja2", "pydantic", "pydantic-core", "ruamel.yaml", "ruamel.yaml.clib")
_CDK_PACKAGES = ("cdktn", "cdktf", "constructs", "jsii")


def default_folder() -> Path:
    """$ECSFORM_CACHE_DIR, else $XDG_CACHE_HOME/ecsform, else ~/.cache/ecsform."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ecsform"


def inside(folder: Path, out: Path) -> bool:
    """True when `folder` is `out` or lies within it (the cache never lives in the output)."""
    a, b = os.path.realpath(folder), os.path.realpath(out)
    return a == b or a.startswith(b.rstrip(os.sep) + os.sep)


def folder_for(cache_dir: Path | None, no_cache: bool, out: Path) -> Path | None:
    """synth's render cache: --cache-dir, else the default (None with --no-cache); never inside the output."""
    if no_cache:
        if cache_dir is not None:
            raise _flag_error("--cache-dir and --no-cache contradict each other", "--no-cache", "keep one")
        return None
    folder = cache_dir if cache_dir is not None else default_folder()
    if inside(folder, out):
        raise _flag_error(
            f"the render cache {folder} lies inside the output {out}",
            "--cache-dir" if cache_dir is not None else ENV_VAR,
            "choose a cache folder outside --out (--cache-dir DIR or ECSFORM_CACHE_DIR), or --no-cache",
        )
    return folder


def _flag_error(message: str, flag: str, hint: str) -> EcsformError:
    """CLI-CACHE: located at the flag (or the variable) that named the folder."""
    return EcsformError([CLI_CACHE.finding(message, hint=hint, file=flag, mark=(1, 1))])


def _today() -> int:
    """The day (since the epoch, UTC) that entries are marked used on."""
    return int(time.time() // 86400)


# --- what decides the bytes ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def build_id(engine: str = "hcl") -> str:
    """ecsform's code (every file of the package but its Terraform modules, which are dependencies of their own)
    and the versions of the packages it renders with, as one digest: a changed line of ecsform misses every entry."""
    from importlib import metadata

    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"format {FORMAT}\0python {sys.version_info[:2]}\0".encode())
    found = []
    for dirpath, dirnames, filenames in os.walk(package):
        dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__", "modules") and not d.startswith("."))
        for name in filenames:
            if not name.endswith((".pyc", ".pyo")) and not name.startswith("."):
                path = os.path.join(dirpath, name)
                found.append((os.path.relpath(path, package), path))
    for rel, path in sorted(found):
        with open(path, "rb") as fh:
            data = fh.read()
        digest.update(f"{rel}\0{len(data)}\0".encode())
        digest.update(data)
    for name in _PACKAGES + (_CDK_PACKAGES if engine == "cdk" else ()):
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{name}=={version}\0".encode())
    return digest.hexdigest()


def node_digest(node: Node | None) -> str:
    """A part of ecsform.yaml as written: its values and the lines and columns findings point at."""

    def plain(n: Node) -> Any:
        v = n.value
        if type(v) is dict:
            v = {k: plain(c) for k, c in v.items()}
        elif type(v) is list:
            v = [plain(c) for c in v]
        return [v, list(n.mark), list(n.key_mark) if n.key_mark else None]

    text = json.dumps(None if node is None else plain(node), sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def file_digest(path: str | Path) -> str:
    """A file's bytes ("missing" when there is none: creating it later changes the digest)."""
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "unreadable"


def key(parts: Iterable[str], spec_bytes: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(spec_bytes)
    return digest.hexdigest()


# --- what a spec file gives synth ----------------------------------------------------------------------------


@dataclass
class Rendered:
    """One root: its manifest.json entry and its files (paths relative to the output). On the way to the writer:
    `same`, the files found on disk as they are already (by their writer tokens, kept out of `files`), and
    `text`, the entry as manifest.json writes it."""

    entry: dict[str, Any]
    files: dict[str, bytes]
    same: dict[str, Any] = field(default_factory=dict)
    text: str = ""

    @property
    def path(self) -> str:
        return self.entry["path"]


@dataclass
class Outcome:
    """What synth made of one spec file: its findings, the families it declares (for the checks across specs),
    its roots (none when it has errors), and what it depended on beyond its bytes: [kind, name, digest]."""

    findings: list[Finding]
    declared: list[Declared]
    roots: list[Rendered] = field(default_factory=list)
    deps: list[list[str]] = field(default_factory=list)


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "severity": f.severity.value,
        "message": f.message,
        "path": list(f.path),
        "hint": f.hint,
        "file": f.file,
        "line": f.line,
        "col": f.col,
        "environment": f.environment,
        "at_key": f.at_key,
        "suppressed": f.suppressed,
        "data": f.data,
    }


def _unfinding(d: dict[str, Any]) -> Finding:
    return Finding(
        rule=str(d["rule"]),
        severity=Severity(d["severity"]),
        message=str(d["message"]),
        path=tuple(d["path"]),
        hint=d["hint"],
        file=str(d["file"]),
        line=int(d["line"]),
        col=int(d["col"]),
        environment=d["environment"],
        at_key=bool(d["at_key"]),
        suppressed=d["suppressed"],
        data=d.get("data"),
    )


def _declared(d: Declared) -> dict[str, Any]:
    state = None
    if d.state is not None:
        root, environment, backend = d.state
        state = [root, environment, backend.type, backend.arguments, backend.assume_role, backend.partial]
    return {
        "family": d.family,
        "where": d.where,
        "duplicate": _finding(d.duplicate),
        "file": d.file,
        "environment": d.environment,
        "state": state,
        "account": d.account,
        "root": d.root,
        "region": d.region,
    }


def _undeclared(d: dict[str, Any]) -> Declared:
    state = None
    if d["state"] is not None:
        root, environment, kind, arguments, assume_role, partial = d["state"]
        backend = Backend(
            kind, tuple((str(k), v) for k, v in arguments), tuple((str(k), str(v)) for k, v in assume_role), partial
        )
        state = (root, environment, backend)
    return Declared(
        d["family"],
        d["where"],
        _unfinding(d["duplicate"]),
        d["file"],
        d["environment"],
        state,
        d["account"],
        d["root"],
        d["region"],
    )


def encode(entry_key: str, outcome: Outcome) -> bytes:
    """An Outcome as the cache keeps it: one line of JSON that names its key and each root's files with their sizes,
    then those files' bytes one after another (escaping them into JSON strings cost as much as the rest of the entry;
    not compressed: compressing cost more time than the bytes it saved, and CI caches compress what they store)."""
    bodies: list[bytes] = []
    roots = []
    for r in outcome.roots:
        roots.append({"entry": r.entry, "files": [[name, len(data)] for name, data in r.files.items()]})
        bodies += r.files.values()
    payload = {
        "format": FORMAT,
        "key": entry_key,
        "findings": [_finding(f) for f in outcome.findings],
        "declared": [_declared(d) for d in outcome.declared],
        "roots": roots,
        "deps": outcome.deps,
    }
    # (json.dumps escapes every newline inside a string: the first b"\n" ends the JSON)
    return b"".join([json.dumps(payload, separators=(",", ":")).encode(), b"\n", *bodies])


def decode(entry_key: str, blob: bytes) -> Outcome | None:
    """The Outcome an entry holds; None when it is not one this ecsform wrote for this key."""
    try:
        end = blob.index(b"\n")
        payload = json.loads(blob[:end])
        if payload["format"] != FORMAT or payload["key"] != entry_key:
            return None
        at, roots = end + 1, []
        for r in payload["roots"]:
            files = {}
            for name, size in r["files"]:
                if type(size) is not int or size < 0:
                    return None
                files[str(name)] = blob[at : at + size]
                at += size
            roots.append(Rendered(r["entry"], files))
        if at != len(blob):  # (a file cut short, or bytes no file claims)
            return None
        return Outcome(
            [_unfinding(f) for f in payload["findings"]],
            [_undeclared(d) for d in payload["declared"]],
            roots,
            [[str(kind), str(name), str(digest)] for kind, name, digest in payload["deps"]],
        )
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeError):
        return None


# --- the store -----------------------------------------------------------------------------------------------


class Store:
    """The cache's SQLite database. Reads happen in any process (each opens its own connection); one process
    writes. Every failure to read or write is a miss or a skipped store, never an error of the run: the cache
    only ever saves time."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / FILE_NAME
        self._db: dict[bool, Any] = {}  # write? -> sqlite3.Connection (sqlite3 is imported when the cache is used)
        self._pid = 0
        self._unreadable = False
        self._rebuilt = False
        self._busy = False
        self._empty = False  # it held no entry when the run began: every read would miss

    def prepare(self) -> None:
        """Make the database (WAL mode, the table) before worker processes read it: readers only read, so they never
        wait for one another or for the writer, and no connection crosses a fork. A database that holds no entry
        yet is not read in this run (an entry another run stores meanwhile is only missed: made again)."""
        import sqlite3

        db = self._connect(write=True)
        if db is not None:
            try:
                self._empty = db.execute("SELECT 1 FROM entries LIMIT 1").fetchone() is None
            except sqlite3.Error:
                pass
        self.close()

    def _connect(self, *, write: bool) -> Any:
        import sqlite3

        if self._pid != os.getpid():
            self._db, self._pid = {}, os.getpid()  # connections made before a fork are the parent's
        if write in self._db:
            return self._db[write]
        if (not write and (self._unreadable or not self.path.is_file())) or (write and self._busy):
            return None
        db = None
        try:
            if write:
                self.folder.mkdir(parents=True, exist_ok=True)
                _tag(self.folder)
                db = sqlite3.connect(self.path, timeout=_BUSY_MS / 1000, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(
                    "PRAGMA synchronous=OFF"
                )  # a cache need not survive a power cut: entries are checked on read
                db.execute(
                    "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, sha TEXT NOT NULL, "
                    "blob BLOB NOT NULL, used INTEGER NOT NULL)"
                )
            else:  # read only: no schema, no journal mode (those would wait for the writer)
                db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=_BUSY_MS / 1000)
            db.execute("SELECT key, sha, blob, used FROM entries LIMIT 0")
        except (sqlite3.Error, OSError) as exc:
            if db is not None:
                with _quiet():
                    db.close()
            if not write:
                self._unreadable = True  # (the process that writes makes it again)
                return None
            if _is_busy(exc):  # another run is writing it: this run stores nothing (it never waits twice)
                self._busy = True
                return None
            return self._connect(write=True) if self._rebuild() else None
        self._db[write] = db
        return db

    def _rebuild(self) -> bool:
        """A database that cannot be read as this cache's: removed, to be made again (once)."""
        if self._rebuilt:
            return False
        self._rebuilt = True
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(f"{self.path}{suffix}")
            except FileNotFoundError:
                pass
            except OSError:
                return False
        return True

    def get(self, entry_key: str) -> tuple[Outcome, bool] | None:
        """The entry stored under the key, and whether `used` is to mark it (not marked today yet); None when there
        is none that can be trusted."""
        import sqlite3

        db = None if self._empty else self._connect(write=False)
        if db is None:
            return None
        try:
            row = db.execute("SELECT sha, blob, used FROM entries WHERE key = ?", (entry_key,)).fetchone()
        except sqlite3.Error:
            return None
        if row is None or not isinstance(row[1], bytes) or hashlib.sha256(row[1]).hexdigest() != row[0]:
            return None
        outcome = decode(entry_key, row[1])
        return None if outcome is None else (outcome, type(row[2]) is not int or row[2] < _today())

    def put(self, rows: Iterable[tuple[str, bytes]]) -> None:
        """Store entries made now (marked as used today)."""
        today = _today()
        self._write(
            "INSERT OR REPLACE INTO entries (key, sha, blob, used) VALUES (?, ?, ?, ?)",
            [(k, hashlib.sha256(b).hexdigest(), b, today) for k, b in rows],
        )

    def used(self, keys: Iterable[str]) -> None:
        """Mark the entries a run used (those `get` found not marked today), and once a day remove those unused for
        KEEP_DAYS days: the database's user_version holds the day of the last removal (the removal reads every row,
        and most runs of a day would find nothing to remove)."""
        today = _today()
        self._write("UPDATE entries SET used = ? WHERE key = ? AND used < ?", [(today, k, today) for k in keys])
        db = self._connect(write=True)
        if db is None or self._swept_on(db) == today:
            return
        self._write("DELETE FROM entries WHERE used < ?", [(today - KEEP_DAYS,)], f"PRAGMA user_version = {today:d}")

    def _swept_on(self, db: Any) -> int | None:
        import sqlite3

        try:
            return int(db.execute("PRAGMA user_version").fetchone()[0])
        except (sqlite3.Error, TypeError, ValueError):
            return None

    def _write(self, statement: str, rows: list[tuple[Any, ...]], then: str | None = None) -> None:
        """`statement` for each of `rows`, and `then` once, in one transaction."""
        import sqlite3

        if not rows:
            return
        db = self._connect(write=True)
        if db is None:
            return
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(statement, rows)
            if then is not None:
                db.execute(then)
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            with _quiet():
                db.execute("ROLLBACK")
            if _is_busy(exc) or not isinstance(exc, sqlite3.DatabaseError):
                self._busy = True  # another run held it longer than we wait: these entries are not kept
            elif self._rebuild():  # not a database, or a corrupt one: made again, once
                self.close()
                self._write(statement, rows, then)

    def close(self) -> None:
        if self._pid == os.getpid():
            for db in self._db.values():
                with _quiet():
                    db.close()
        self._db = {}


def _is_busy(exc: BaseException) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED: another connection holds the database (not a fault of the database)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (5, 6)


class _quiet:
    """Ignore what fails while tidying up (a rollback, a close, the tag file)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, *_: object) -> bool:
        import sqlite3

        return kind is not None and issubclass(kind, (sqlite3.Error, OSError))


_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by ecsform (its render cache).\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


def _tag(folder: Path) -> None:
    """CACHEDIR.TAG: backup tools leave the folder out."""
    path = folder / "CACHEDIR.TAG"
    if not path.exists():
        with _quiet():
            path.write_text(_TAG)


Verify = Callable[[str, str], str]  # (kind, name) -> the dependency's digest now
