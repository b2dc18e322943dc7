"""Where well-known images write, for the hint of SEC-READONLY-ROOT: a small table, each row from its image's own
documentation. An image that is not here gets the general advice only; add a row only with a source.
"""

from __future__ import annotations

import re

# (repositories as written in `image`, paths the image writes with its default configuration, source)
WRITE_PATHS: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...] = (
    (
        (
            "nginx",
            "library/nginx",
            "docker.io/library/nginx",
            "public.ecr.aws/nginx/nginx",
            "public.ecr.aws/docker/library/nginx",
        ),
        ("/var/cache/nginx", "/var/run"),
        'https://hub.docker.com/_/nginx, "Running nginx in read-only mode" (docker-library/docs nginx/content.md)',
    ),
    (
        ("nginxinc/nginx-unprivileged", "docker.io/nginxinc/nginx-unprivileged"),
        ("/tmp",),
        "https://github.com/nginxinc/docker-nginx-unprivileged (the pid file and *_temp_path moved to /tmp)",
    ),
)

_BY_REPOSITORY = {repo: paths for repos, paths, _ in WRITE_PATHS for repo in repos}
_TAG = re.compile(r"(@sha256:[0-9a-fA-F]+|:[\w][\w.-]{0,127})$")


def repository(image: str) -> str:
    """'nginx:alpine' -> 'nginx'; 'public.ecr.aws/nginx/nginx:1.27@sha256:...' -> 'public.ecr.aws/nginx/nginx'."""
    image = image.strip()
    while True:
        stripped = _TAG.sub("", image)
        if stripped == image:
            return image
        image = stripped


_REPOSITORIES = tuple(_BY_REPOSITORY)


def write_paths(image: object) -> tuple[str, ...]:
    """The paths a well-known image writes, or () when the table does not know it. (`repository` only takes a
    suffix off: an image that starts with no repository of the table is none of them.)"""
    if not isinstance(image, str) or not image.strip().startswith(_REPOSITORIES):
        return ()
    return _BY_REPOSITORY.get(repository(image), ())
