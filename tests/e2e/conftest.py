"""A real moto server for the end-to-end tests, and the environment that points terraform and boto3 at it.

One server per pytest process (each xdist worker starts its own), on a free 127.0.0.1 port. It runs in its own
process group and is stopped at the end of the session, whether the tests passed or not. The server is moto's own,
started through tests/e2e/moto_server.py, which first patches the few places where moto's ECS departs from what AWS
documents (each patch cites its source there).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from .live_aws import Cleanup

DEFAULT_REGION = "us-east-1"  # for roots whose spec names no region (the provider reads AWS_REGION)
STARTUP_SECONDS = 30


@dataclass(frozen=True)
class MotoServer:
    url: str
    pid: int
    log: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _moto_server_command() -> list[str]:
    """moto's server entry point, started through tests/e2e/moto_server.py: the same server with moto's ECS made to
    match documented ECS behaviour where a spec the suite applies needs it (each patch cited there, shown through
    boto3 in test_moto_fidelity.py)."""
    try:
        import moto.server  # noqa: F401 - moto[server] brings flask and the server entry point
    except ImportError as exc:
        pytest.fail(f"moto[server] is not installed for {sys.executable}: {exc}")
    return [sys.executable, str(Path(__file__).with_name("moto_server.py"))]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=1) as resp:
            return resp.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server's whole process group: SIGTERM, then SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _start(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [*_moto_server_command(), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # its own process group, killed as a whole
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break  # exited: most likely the port was taken between _free_port() and bind
        if _answers(url):
            return proc, url
        time.sleep(0.1)
    _stop(proc)
    raise RuntimeError(f"moto_server on {url} did not answer within {STARTUP_SECONDS}s; see {log}")


@pytest.fixture(scope="session")
def moto_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> MotoServer:
    log = tmp_path_factory.mktemp("moto") / "moto_server.log"
    errors = []
    for _ in range(3):
        try:
            proc, url = _start(log)
            break
        except RuntimeError as exc:
            errors.append(str(exc))
    else:
        pytest.fail(
            "could not start moto_server:\n" + "\n".join(errors) + "\n" + log.read_text(errors="replace")[-4000:]
        )
    request.addfinalizer(lambda: _stop(proc))
    return MotoServer(url, proc.pid, log)


@pytest.fixture(scope="session")
def aws_env(
    moto_server: MotoServer, tf_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """terraform's environment pointed at moto: endpoint, fake credentials, a default region, no user AWS config."""
    home = tmp_path_factory.mktemp("aws")
    env = {k: v for k, v in tf_env.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_ENDPOINT_URL": moto_server.url,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": DEFAULT_REGION,
            "AWS_DEFAULT_REGION": DEFAULT_REGION,
            "AWS_CONFIG_FILE": str(home / "config"),  # absent files: nothing from ~/.aws leaks in
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "TF_LOG": "",
        }
    )
    return env


@pytest.fixture(scope="session")
def aws(moto_server: MotoServer):  # noqa: ANN201 - returns a factory of boto3 clients
    """boto3 clients on the moto server: aws("ecs", "eu-west-1")."""
    import boto3

    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test")

    def client(service: str, region: str = DEFAULT_REGION):  # noqa: ANN202
        return session.client(service, region_name=region, endpoint_url=moto_server.url)

    return client


@pytest.fixture
def cleanup() -> Iterator[Cleanup]:
    """What a test seeds in the moto account, deleted again after the test (live_aws.Cleanup)."""
    c = Cleanup()
    yield c
    c.run()
