"""Suite members on Ray (loopback, two workers): same results as the local executor, lost workers retried."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import torch
from gradiend_toy import ToyTrainer, make_toy_data
from scale_work import RAY_SKIP_REASON

from gradiend import SymmetricTrainerSuite
from gradiend.executors import RayExecutor
from gradiend.testing import quick_arguments

pytest.importorskip("ray", reason=RAY_SKIP_REASON)


class DieOnceTrainer(ToyTrainer):
    """A toy trainer whose worker process dies the first time the member (a, c) trains."""

    marker_dir: str = ""

    def train(self, *args: Any, **kwargs: Any) -> Any:
        marker = Path(self.marker_dir) / "died"
        if self.target_classes == ["a", "c"] and not marker.exists():
            marker.write_text(str(os.getpid()))
            os._exit(1)
        return super().train(*args, **kwargs)


def _suite(directory: Path, cls: type[ToyTrainer] = ToyTrainer) -> SymmetricTrainerSuite:
    return SymmetricTrainerSuite(
        cls,
        data=make_toy_data(),
        target_classes=["a", "b", "c"],
        args=quick_arguments(directory, max_steps=60),
    )


@pytest.mark.slow
def test_members_on_two_ray_workers_match_the_local_executor(ray_local: ModuleType, tmp_path: Path) -> None:
    local = _suite(tmp_path / "local")
    local.train()
    remote = _suite(tmp_path / "ray")
    with RayExecutor(num_workers=2, timeout_s=300) as executor:
        results = remote.train(executor=executor)
        pids = {r.pid for r in results.values()}
    assert len(pids) == 2 and os.getpid() not in pids, "members ran on the two workers"
    for child_id in local.trainers:
        mine = local.get_model(child_id).gradiend.weight_tensors()
        theirs = remote.get_model(child_id).gradiend.weight_tensors()
        for name, tensor in mine.items():
            torch.testing.assert_close(theirs[name], tensor, msg=f"{child_id} {name}")
    local_corr = {k: v["correlation"] for k, v in local.evaluate_encoder().items()}
    remote_corr = {k: v["correlation"] for k, v in remote.evaluate_encoder().items()}
    assert remote_corr == pytest.approx(local_corr, abs=1e-6)


@pytest.mark.slow
def test_a_killed_worker_member_is_retried(ray_local: ModuleType, tmp_path: Path) -> None:
    ray_local.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    DieOnceTrainer.marker_dir = str(tmp_path)
    suite = _suite(tmp_path / "run", DieOnceTrainer)
    for trainer in suite.values():
        trainer.marker_dir = str(tmp_path)  # travels with the pickled trainer
    with RayExecutor(num_workers=2, max_retries=2, timeout_s=300) as executor:
        results = suite.train(executor=executor)
    assert all(r.ok for r in results.values())
    dead = int((tmp_path / "died").read_text())
    assert results["a__c"].pid != dead, "the member ran again in a new worker"
    assert abs(suite.evaluate_encoder()["a__c"]["correlation"]) > 0.5
