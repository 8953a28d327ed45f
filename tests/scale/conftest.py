"""Ray tests: Ray runtimes on loopback addresses only, started and stopped by the tests themselves.

``ray_local`` starts one runtime in this process (2 CPUs, a 256 MB object store, no dashboard) for a test
module. ``two_node_cluster`` starts a head and a second worker node with ``ray start`` (each with one CPU
and its own custom resource, ``node_a`` / ``node_b``), each in its own process group, and stops both by
their process group ids in ``finally``. Nodes bind to 127.0.0.2 and 127.0.0.3: Ray rewrites the address
127.0.0.1 to the machine's network address, while other loopback addresses are taken as given.

The tests skip, with the reason, only when Ray is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import scale_work
from scale_checks import TwoNodeCluster
from scale_work import RAY_SKIP_REASON

HEAD_IP = "127.0.0.2"
WORKER_IP = "127.0.0.3"
OBJECT_STORE_BYTES = 256 * 1024**2
NODE_OBJECT_STORE_BYTES = 128 * 1024**2
START_TIMEOUT_S = 150.0
STOP_TIMEOUT_S = 10.0
# Loopback test clusters: no usage reporting, and no auth token written to ~/.ray.
RAY_ENVIRONMENT = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}


def require_ray() -> ModuleType:
    """The ray module, or skip the test because Ray is not installed."""
    return pytest.importorskip("ray", reason=RAY_SKIP_REASON)


@pytest.fixture(scope="session", autouse=True)
def _ray_environment() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in RAY_ENVIRONMENT}
    os.environ.update(RAY_ENVIRONMENT)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _ship_test_code(ray: ModuleType) -> None:
    """Workers cannot import tests/scale: pickle its work functions by value."""
    ray.cloudpickle.register_pickle_by_value(scale_work)


@pytest.fixture(scope="module")
def ray_local() -> Iterator[ModuleType]:
    """A Ray runtime in this process for one test module: loopback, 2 CPUs, 256 MB object store."""
    ray = require_ray()
    if ray.is_initialized():
        ray.shutdown()
    temp = _short_temp_dir()
    ray.init(
        num_cpus=2,
        object_store_memory=OBJECT_STORE_BYTES,
        include_dashboard=False,
        _node_ip_address=HEAD_IP,
        _temp_dir=str(temp),
        log_to_driver=False,
    )
    _ship_test_code(ray)
    try:
        yield ray
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)


def _short_temp_dir() -> Path:
    """A fresh Ray temp dir with a short path (Ray's Unix socket paths must stay under 108 bytes)."""
    return Path(tempfile.mkdtemp(prefix="rt", dir="/tmp"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _node_ports() -> list[str]:
    """Distinct ports for the per-node services, so that two nodes share one machine."""
    names = [
        "node-manager-port",
        "object-manager-port",
        "dashboard-agent-listen-port",
        "dashboard-agent-grpc-port",
        "runtime-env-agent-port",
        "metrics-export-port",
    ]
    return [f"--{name}={_free_port()}" for name in names]


def _ray_start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    ray_cli = str(Path(sys.executable).with_name("ray"))
    command = [ray_cli, "start", "--block", "--num-cpus=1", "--disable-usage-stats", *args, *_node_ports()]
    command.append(f"--object-store-memory={NODE_OBJECT_STORE_BYTES}")
    with log.open("wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a ``ray start`` process and every process it started (its own process group)."""
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.5)


def _wait_for_nodes(ray: ModuleType, resources: list[str]) -> dict[str, str]:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        alive = [n for n in ray.nodes() if n["Alive"]]
        found = {r: n["NodeID"] for n in alive for r in resources if r in n["Resources"]}
        if len(found) == len(resources):
            return found
        time.sleep(1.0)
    raise TimeoutError(f"the nodes with resources {resources} did not join within {START_TIMEOUT_S} s")


def _connect(ray: ModuleType, address: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            ray.init(address=address, _node_ip_address=HEAD_IP, log_to_driver=False)
            return
        except (ConnectionError, RuntimeError, ray.exceptions.RpcError):
            if time.monotonic() > deadline:
                raise
            time.sleep(2.0)


@pytest.fixture(scope="module")
def two_node_cluster() -> Iterator[TwoNodeCluster]:
    """A head (``node_a``) and a worker node (``node_b``) started with ``ray start``, one CPU each."""
    ray = require_ray()
    if ray.is_initialized():
        ray.shutdown()
    temp = _short_temp_dir()
    port = _free_port()
    address = f"{HEAD_IP}:{port}"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes.append(
            _ray_start(
                ["--head", f"--node-ip-address={HEAD_IP}", f"--port={port}", "--include-dashboard=false",
                 f"--temp-dir={temp}", "--resources=" + json.dumps({"node_a": 1})],
                temp / "head.log",
            )
        )  # fmt: skip
        _connect(ray, address)
        processes.append(
            _ray_start(
                [f"--address={address}", f"--node-ip-address={WORKER_IP}",
                 "--resources=" + json.dumps({"node_b": 1})],
                temp / "worker.log",
            )
        )  # fmt: skip
        node_ids = _wait_for_nodes(ray, ["node_a", "node_b"])
        _ship_test_code(ray)
        yield TwoNodeCluster(address=address, node_ids=node_ids)
    finally:
        if ray.is_initialized():
            ray.shutdown()
        for process in reversed(processes):
            _stop(process)
        shutil.rmtree(temp, ignore_errors=True)
