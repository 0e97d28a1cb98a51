"""Record insights for a portfolio of accounts on a dask.distributed LocalCluster (X7, issue 16):
partitions counted on two worker processes, partials pickled back and tree-merged, the result equal
to a single-process run. Runs the example `examples/python/dask_portfolio.py`."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from dask.distributed import Client, LocalCluster, get_task_stream

import connected_apps as ca

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "python" / "dask_portfolio.py"


def load_example():
    spec = importlib.util.spec_from_file_location("dask_portfolio", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["dask_portfolio"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(
        cluster
    ) as c:
        yield c


def test_a_portfolio_counted_on_two_workers_equals_one_process(client) -> None:
    example = load_example()
    accounts, partitions, events = 3, 6, 60_000
    with get_task_stream(client) as stream:
        distributed = example.run_on_cluster(client, accounts, partitions, events)
    single = example.run_single_process(accounts, partitions, events)
    assert list(distributed) == ["portal-100", "portal-101", "portal-102"]
    # The partitions were counted on both worker processes, and the merges ran there too.
    counted = [t for t in stream.data if t["key"].startswith("count_partition")]
    assert len(counted) == accounts * partitions
    assert len({t["worker"] for t in counted}) == 2
    assert sum(t["key"].startswith("merged") for t in stream.data) == accounts * (partitions - 1)
    for account, cube in distributed.items():
        assert isinstance(cube, ca.RecordAggregate)
        assert cube.event_count == events
        assert cube.to_bytes() == single[account].to_bytes()
        assert cube.cells() == single[account].cells()
        want = single[account].insights(example.NOW, example.AS_OF, group_by_app=True, window_days=7)
        got = cube.insights(example.NOW, example.AS_OF, group_by_app=True, window_days=7)
        assert got == want and sum(row["total"] for row in got.rows) > 0
    # portal-101's apps are zapier, slack, mailchimp and zoom.
    assert {c["app"] for c in distributed["portal-101"].cells()} == {"zapier", "slack", "mailchimp", "zoom"}


def test_a_partial_that_fails_on_a_worker_raises_the_typed_error(client) -> None:
    example = load_example()
    good = client.submit(example.count_partition, 0, ["salesforce"], 0, 1_000, 16, pure=False)
    # Bytes of another format version reach a worker: unpickling them there raises, nothing merges.
    data = good.result().to_bytes()
    newer = data[:4] + bytes([data[4] + 1]) + data[5:]
    bad = client.submit(ca.RecordAggregate.from_bytes, newer, pure=False)
    merged = client.submit(example.merged, good, bad, pure=False)
    with pytest.raises(ca.InvalidInputError, match="partial format version 2 is not supported"):
        merged.result()
    assert good.result().event_count == 1_000
