"""Two Ray nodes on loopback (a head and a worker node, started with ``ray start``): work runs on both."""

from __future__ import annotations

from pathlib import Path

import pytest
from scale_checks import (
    GRID_KWARGS,
    TwoNodeCluster,
    assert_same_decoder_results,
    assert_same_training,
    train_toy,
)
from scale_work import RAY_SKIP_REASON

from gradiend.executors import LocalExecutor, RayExecutor

pytest.importorskip("ray", reason=RAY_SKIP_REASON)

pytestmark = pytest.mark.slow  # starting two nodes alone takes about a minute on two busy cores


def test_seeds_and_grid_run_on_both_nodes_and_match_the_local_executor(
    two_node_cluster: TwoNodeCluster, tmp_path: Path
) -> None:
    local = train_toy(tmp_path / "local", LocalExecutor())
    on_local = local.evaluate_decoder(**GRID_KWARGS)
    # One CPU per node and one CPU per worker: the two workers must sit on different nodes.
    with RayExecutor(address=two_node_cluster.address, num_workers=2, timeout_s=180.0) as executor:
        remote = train_toy(tmp_path / "ray", executor)
        assert executor.nodes == set(two_node_cluster.node_ids.values()), "seeds ran on both nodes"
        seed_groups = len(executor.placements)
        on_ray = local.evaluate_decoder(executor=executor, **GRID_KWARGS)
        grid_nodes = {p.node for p in executor.placements[seed_groups:]}
    assert grid_nodes == set(two_node_cluster.node_ids.values()), "grid groups ran on both nodes"
    assert_same_training(local, remote)
    assert_same_decoder_results(on_local, on_ray)
