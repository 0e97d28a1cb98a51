"""Record insights for a portfolio of accounts on Dask (X7, issue 16).

Each account's record events are split into partitions; every partition is generated and counted
on a worker of a ``dask.distributed`` cluster (``RecordAggregate.ingest_columns`` on numpy
columns, the GIL released), the partial aggregates travel back pickled (their compact byte form)
and are merged pairwise in a tree, one tree per account. The merged aggregates equal those of a
single-process run over the same events, byte for byte, because merging is associative and
commutative.

    .venv/bin/python examples/python/dask_portfolio.py [--accounts 3] [--partitions 8] [--events 400000]

Only the numbers describing a partition (account, partition index, seed, size) are shipped to the
workers: the events are generated where they are counted, as a real job would read its own slice
of a journal or a Parquet dataset.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime, timezone
from typing import Any, Callable, Dict, List, Sequence, Tuple

import numpy as np

import connected_apps as ca

#: The instant the insights are read at, and the day they are as of (the last complete day).
NOW = datetime(2026, 3, 31, 12, 0, tzinfo=timezone.utc)
AS_OF = date(2026, 3, 30)
#: Events fall in the 30 days before NOW.
SPAN_US = 30 * 86_400_000_000
START_US = int(NOW.timestamp() * 1_000_000) - SPAN_US

RECORD_TYPES = ["contacts", "companies", "deals", "tickets", "2-1234567"]
#: Created, updated, deleted, merged: updates dominate, destruction is rare.
ACTION_WEIGHTS = np.array([0.25, 0.66, 0.07, 0.02])


def portfolio(accounts: int) -> List[Tuple[str, List[str]]]:
    """The accounts of the portfolio and their apps (3 to 7 apps each)."""
    names = ["salesforce", "zapier", "slack", "mailchimp", "zoom", "gmail", "jira", "docusign"]
    return [(f"portal-{100 + i}", names[i % 3 : i % 3 + 3 + i % 5]) for i in range(accounts)]


def partition_columns(account: int, apps: Sequence[str], partition: int, events: int, seed: int) -> Dict[str, Any]:
    """The record events of one partition of one account, as the columns `ingest_columns` takes.

    Deterministic in (seed, account, partition): a worker regenerates exactly the slice it is given.
    """
    rng = np.random.default_rng([seed, account, partition])
    return {
        "at_us": START_US + rng.integers(0, SPAN_US, events, dtype=np.int64),
        "apps": rng.integers(0, len(apps), events, dtype=np.uint32),
        "app_dictionary": list(apps),
        "record_types": rng.integers(0, len(RECORD_TYPES), events, dtype=np.uint32),
        "record_type_dictionary": RECORD_TYPES,
        "actions": rng.choice(4, events, p=ACTION_WEIGHTS).astype(np.uint8),
    }


def count_partition(account: int, apps: Sequence[str], partition: int, events: int, seed: int) -> ca.RecordAggregate:
    """Generates one partition and counts it: the work of one task on a worker."""
    cube = ca.RecordAggregate()
    cube.ingest_columns(**partition_columns(account, apps, partition, events, seed))
    return cube


def merged(a: ca.RecordAggregate, b: ca.RecordAggregate) -> ca.RecordAggregate:
    """A new aggregate holding both partials (inputs are left as they are, as Dask expects)."""
    out = ca.RecordAggregate()
    out.merge(a)
    out.merge(b)
    return out


def tree_reduce(client: Any, futures: List[Any], combine: Callable[[Any, Any], Any]) -> Any:
    """Combines futures pairwise, level by level, on the cluster; returns the last future."""
    while len(futures) > 1:
        pairs = [futures[i : i + 2] for i in range(0, len(futures), 2)]
        futures = [client.submit(combine, *pair) if len(pair) == 2 else pair[0] for pair in pairs]
    return futures[0]


def run_on_cluster(
    client: Any, accounts: int, partitions: int, events: int, seed: int = 16
) -> Dict[str, ca.RecordAggregate]:
    """Counts every account's partitions on the cluster and merges them: one aggregate per account."""
    ship_to(client)
    per_partition = events // partitions
    roots = {}
    for a, (account, apps) in enumerate(portfolio(accounts)):
        futures = [
            client.submit(count_partition, a, apps, p, per_partition, seed, pure=False) for p in range(partitions)
        ]
        roots[account] = tree_reduce(client, futures, merged)
    return dict(zip(roots, client.gather(list(roots.values()))))


def run_single_process(accounts: int, partitions: int, events: int, seed: int = 16) -> Dict[str, ca.RecordAggregate]:
    """The same events counted in this process, in one aggregate per account."""
    per_partition = events // partitions
    out = {}
    for a, (account, apps) in enumerate(portfolio(accounts)):
        cube = ca.RecordAggregate()
        for p in range(partitions):
            cube.ingest_columns(**partition_columns(a, apps, p, per_partition, seed))
        out[account] = cube
    return out


def ship_to(client: Any) -> None:
    """Makes this file importable on the workers (Dask pickles module-level functions by name);
    run as a script, its functions travel by value instead."""
    if __name__ != "__main__":
        client.upload_file(__file__)


def summary(cube: ca.RecordAggregate) -> List[str]:
    """Per app, the last 7 days' record events and any unexpected destruction (X2)."""
    view = cube.insights(NOW, AS_OF, group_by_app=True, window_days=7)
    lines = [f"  {row['app']:<12} {row['total']:>10,} events in 7 days" for row in view.rows]
    lines += [f"  flagged: {flag['app']} on {flag['day']}" for flag in view.flags]
    return lines


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=3)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--events", type=int, default=400_000, help="record events per account")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(list(argv))

    from dask.distributed import Client, LocalCluster

    started = time.perf_counter()
    with LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, Client(cluster) as client:
        distributed = run_on_cluster(client, args.accounts, args.partitions, args.events)
    elapsed = time.perf_counter() - started
    single = run_single_process(args.accounts, args.partitions, args.events)
    for account, cube in distributed.items():
        same = cube.to_bytes() == single[account].to_bytes()
        print(f"{account}: {cube.event_count:,} events, {cube.cell_count:,} cells, equal to one process: {same}")
        print("\n".join(summary(cube)))
        if not same:
            return 1
    print(f"{args.accounts} accounts × {args.partitions} partitions on {args.workers} workers in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
