"""Speed-up of a 6-member suite on 2 Ray workers over 1 (loopback Ray runtime on this machine).

Run: ``python -m benchmarks.suite_ray_speedup [--steps N]``. Trains a SymmetricTrainerSuite over the
four toy classes (6 members) once on a one-worker and once on a two-worker RayExecutor (fresh run
folders each time, so nothing is resumed) and prints the wall times, their ratio, the machine's load
averages and the CPU count as JSON. Needs ``gradiend-core[ray]`` and the toy plugin (tests/plugin_contract).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

NODE_IP = "127.0.0.2"
OBJECT_STORE_BYTES = 256 * 1024**2


def _train(directory: Path, workers: int, steps: int) -> float:
    from gradiend_toy import ToyTrainer, make_toy_data

    from gradiend import SymmetricTrainerSuite
    from gradiend.executors import RayExecutor
    from gradiend.testing import quick_arguments

    suite = SymmetricTrainerSuite(
        ToyTrainer,
        data=make_toy_data(),
        target_classes=["a", "b", "c", "d"],
        args=quick_arguments(directory, max_steps=steps, eval_steps=steps),
    )
    with RayExecutor(num_workers=workers, timeout_s=1800) as executor:
        executor.connect()
        start = time.perf_counter()
        suite.train(executor=executor)
        return time.perf_counter() - start


def measure(steps: int) -> dict[str, Any]:
    """Wall seconds of the suite on 1 and on 2 workers, the ratio and the machine's state."""
    import ray

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    temp = Path(tempfile.mkdtemp(prefix="rt", dir="/tmp"))
    ray.init(
        num_cpus=2,
        object_store_memory=OBJECT_STORE_BYTES,
        include_dashboard=False,
        _node_ip_address=NODE_IP,
        _temp_dir=str(temp),
        log_to_driver=False,
    )
    runs = Path(tempfile.mkdtemp(prefix="suite-speedup-"))
    try:
        load_start = os.getloadavg()
        one = _train(runs / "one", 1, steps)
        two = _train(runs / "two", 2, steps)
        load_end = os.getloadavg()
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)
        shutil.rmtree(runs, ignore_errors=True)
    return {
        "members": 6,
        "steps_per_member": steps,
        "one_worker_s": round(one, 1),
        "two_workers_s": round(two, 1),
        "speedup": round(one / two, 2),
        "cpus": os.cpu_count(),
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_end": [round(x, 2) for x in load_end],
    }


def main() -> None:
    """Parse the arguments, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=1500, help="training steps per member")
    print(json.dumps(measure(parser.parse_args().steps), indent=2))


if __name__ == "__main__":
    main()
