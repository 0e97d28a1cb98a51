"""Record insights on Dask (issue 16; not part of tests): N record events over P partitions.

Run after `RELEASE=1 scripts/test-python.sh -k dask` has built the release module into .venv:

    .venv/bin/python benches/python/dask_bench.py [--events 100000000] [--partitions 16] [--workers 2]

Each partition's events are generated on the worker that counts them (only four integers travel to
it), counted by `RecordAggregate.ingest_columns`, pickled back as the partial's byte form and merged
in a tree on the cluster. The same partitions are then generated and counted in this process, one
after the other, and the merged aggregate must equal the cluster's byte for byte. Printed:

    cluster  wall_s=…  events_per_s=…  events_per_s_per_core=…  count_events_per_s_per_core=…
    single   wall_s=…  events_per_s=…  (one core)                count_events_per_s=…
    partial  bytes=…  cells=…

`events_per_s` includes generating the columns with numpy (most of the time); `count_…` is the
engine's `ingest_columns` alone, timed inside each task. Per core = divided by the workers (one
thread each). Partitions are at most `--chunk` events generated at a time, bounding each worker's
memory.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, List, Tuple

import numpy as np

import connected_apps as ca

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "python"))
import dask_portfolio as example  # noqa: E402  (the example's generator, counter and merge)

APPS = ["salesforce", "zapier", "slack", "mailchimp", "zoom", "gmail", "jira", "docusign"]


def count_partition(partition: int, events: int, chunk: int, seed: int) -> Tuple[ca.RecordAggregate, float]:
    """Generates and counts one partition in chunks; returns the partial and the counting seconds."""
    cube = ca.RecordAggregate()
    counting = 0.0
    for i, start in enumerate(range(0, events, chunk)):
        columns = example.partition_columns(partition, APPS, i, min(chunk, events - start), seed)
        t = time.perf_counter()
        cube.ingest_columns(**columns)
        counting += time.perf_counter() - t
    return cube, counting


def merge_timed(a: Tuple[ca.RecordAggregate, float], b: Tuple[ca.RecordAggregate, float]) -> Tuple[ca.RecordAggregate, float]:
    return example.merged(a[0], b[0]), a[1] + b[1]


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000_000)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args(argv)
    per = args.events // args.partitions
    total = per * args.partitions

    from dask.distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, Client(cluster) as client:
        example.ship_to(client)  # the example module, imported on the workers (workers are up after it)
        t = time.perf_counter()
        futures = [
            client.submit(count_partition, p, per, args.chunk, args.seed, pure=False) for p in range(args.partitions)
        ]
        cube, counting = example.tree_reduce(client, futures, merge_timed).result()
        wall = time.perf_counter() - t
    print(
        f"cluster  wall_s={wall:.2f}  events_per_s={total / wall:,.0f}  "
        f"events_per_s_per_core={total / wall / args.workers:,.0f}  "
        f"count_events_per_s_per_core={total / counting:,.0f}"
    )

    t = time.perf_counter()
    single, single_counting = None, 0.0
    for p in range(args.partitions):
        part, seconds = count_partition(p, per, args.chunk, args.seed)
        single_counting += seconds
        single = part if single is None else example.merged(single, part)
    single_wall = time.perf_counter() - t
    assert single is not None
    print(
        f"single   wall_s={single_wall:.2f}  events_per_s={total / single_wall:,.0f}  (one core)  "
        f"count_events_per_s={total / single_counting:,.0f}"
    )
    same = single.to_bytes() == cube.to_bytes()
    print(f"partial  bytes={len(cube.to_bytes()):,}  cells={cube.cell_count:,}  events={cube.event_count:,}  equal={same}")
    return 0 if same and cube.event_count == total else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
