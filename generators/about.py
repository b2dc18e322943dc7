"""What ecsform says about itself: its name, its version and where to read about it.

The version has one source of truth, pyproject.toml's `[project] version`, read back from the installed
distribution's metadata (`pip install .`, or the editable install `make setup` makes).
"""

from __future__ import annotations

import functools

NAME = "ecsform"
# The documentation site (mkdocs.yml's site_url; the JSON Schemas' ids live under it too). A rule's page is the
# rules reference, at the rule's own anchor: what SARIF's helpUri names.
DOCS_URL = "https://ecsform.dev/"


def rule_uri(rule_id: str) -> str:
    """The rule's row in the rules reference (docs/rules.md, each row anchored by its id)."""
    return f"{DOCS_URL}rules/#{rule_id}"


@functools.lru_cache(maxsize=None)
def version() -> str:
    """The installed distribution's version; "0+unknown" when ecsform runs from a checkout it was not installed from."""
    from importlib import metadata  # only when asked: start-up time is most of a small run

    try:
        return metadata.version(NAME)
    except metadata.PackageNotFoundError:
        return "0+unknown"


@functools.lru_cache(maxsize=None)
def information_uri() -> str | None:
    """The project's home page from pyproject.toml's [project.urls] (Homepage, else Repository, else the first
    one), or None when it declares none."""
    from importlib import metadata

    try:
        entries = metadata.metadata(NAME).get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    urls: dict[str, str] = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        urls.setdefault(label.strip().lower(), url.strip())
    for label in ("homepage", "repository", "source", "documentation"):
        if urls.get(label):
            return urls[label]
    return next(iter(urls.values()), None)
