"""The same low-rank fit in one process and on a 2-worker dask LocalCluster.

Simulated data of ``bench_scale.py`` (x ~ N(0, I_20), T = 5 tasks), n = 200,000
rows, the default dictionary (M = 10 kernels) with r = 200 shared Nystroem
landmarks, float32 factors, lam_group = 1e-3, logistic loss, group penalty,
tol = 1e-4.

1. In process: ``MTMKClassifier(...).fit(X, Y)`` on NumPy arrays, in a fresh
   subprocess (peak resident memory of that process).
2. On a ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)``:
   ``fit(da.from_array(X, chunks=(50_000, 20)), Y)`` from a fresh client
   process: 4 row blocks, 2 per worker.  Reported: fit time (set-up =
   dictionary, shipping the row chunks, features on the workers; then the
   solver), sweeps, certificate, each worker's peak resident memory, the
   client's, and the bytes exchanged between the solver and the row blocks
   per sweep (pickled arguments and results of every block call).
3. The same cluster with the workers' allocator tuned (``TUNED_ALLOCATOR``
   through ``distributed.nanny.pre-spawn-environ``).

The fits must agree (same sweeps, objective to rounding).  Times are
wall-clock on a shared 2-core machine (load average recorded): the cluster's
two workers compete with other jobs for the same two cores, so its time shows
the cost of the protocol, not a speed-up.

Run from the repository root:  python -m benchmarks.bench_distributed [--n 200000]
"""

import argparse
import os

from benchmarks._harness import (
    argument_parser,
    emit,
    limit_threads,
    machine_header,
    peak_rss_mib,
    print_table,
    run_isolated,
    timer,
    write_csv,
)
from benchmarks.bench_scale import LAM_GROUP, TOL_RELATIVE, make_data

RANK = 200


def _estimator():
    from mtmk import KernelDictionary, MTMKClassifier
    return MTMKClassifier(kernels=KernelDictionary(n_components=RANK, random_state=0,
                                                   dtype="float32"),
                          lam_group=LAM_GROUP, tol=TOL_RELATIVE)


def in_process(n):
    X, Y = make_data(n)
    load = os.getloadavg()[0]
    with timer() as fit:
        clf = _estimator().fit(X, Y)
    return dict(mode="in process", n=n, fit_seconds=fit.seconds, sweeps=int(clf.n_iter_),
                certificate=float(clf.optimality_violation_), objective=float(clf.objective_),
                peak_rss_gib=peak_rss_mib() / 1024, load_before=load,
                load_after=os.getloadavg()[0])


#: glibc settings for the workers' processes in the "allocator tuned" run: dask's
#: nanny sets MALLOC_TRIM_THRESHOLD_=65536 by default, which also fixes the mmap
#: threshold at 128 KiB, so every per-row temporary of the solver is a fresh
#: mapping whose page faults cost more than the arithmetic on it.
TUNED_ALLOCATOR = {"MALLOC_TRIM_THRESHOLD_": 2 ** 28, "MALLOC_MMAP_THRESHOLD_": 2 ** 25}


def on_cluster(n, chunk, tuned):
    import dask
    import dask.array as da
    from distributed import Client, LocalCluster

    X, Y = make_data(n)
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
    if tuned:
        environ.update(TUNED_ALLOCATOR)
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                         dashboard_address=None, memory_limit="10GiB") as cluster, \
            Client(cluster) as client:
        client.run(limit_threads)
        before = client.run(peak_rss_mib)
        X_dask = da.from_array(X, chunks=(chunk, X.shape[1]))
        load = os.getloadavg()[0]
        with timer() as fit:
            clf = _estimator().fit(X_dask, Y)
        seconds = fit.seconds
        peaks = client.run(peak_rss_mib)
        stats = clf._distributed_stats
    sweeps = int(clf.n_iter_)
    exchanged = stats["bytes_sent"] + stats["bytes_received"]
    mode = "2-worker LocalCluster" + (", allocator tuned" if tuned else "")
    return dict(mode=mode, n=n, fit_seconds=seconds,
                setup_seconds=stats["setup_seconds"],
                solver_seconds=seconds - stats["setup_seconds"], sweeps=sweeps,
                certificate=float(clf.optimality_violation_), objective=float(clf.objective_),
                row_blocks=stats["n_blocks"],
                rows_per_worker=";".join(str(v) for v in stats["rows_per_worker"].values()),
                worker_peak_rss_gib=";".join(f"{v / 1024:.2f}" for v in peaks.values()),
                worker_rss_at_start_gib=";".join(f"{v / 1024:.2f}" for v in before.values()),
                client_peak_rss_gib=peak_rss_mib() / 1024, block_calls=stats["calls"],
                calls_per_sweep=stats["calls"] / sweeps,
                kib_per_sweep=exchanged / sweeps / 1024,
                bytes_per_call=exchanged / stats["calls"],
                load_before=load, load_after=os.getloadavg()[0])


def main(argv=None):
    parser = argument_parser(__spec__.name, __doc__)
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--child", choices=["local", "cluster", "tuned"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        row = (in_process(args.n) if args.child == "local"
               else on_cluster(args.n, args.chunk, tuned=args.child == "tuned"))
        emit(row)
        return
    machine_header(__spec__.name, argv)
    rows = []
    for child in ("local", "cluster", "tuned"):
        rows.append(run_isolated(__spec__.name, "--child", child, "--n", args.n,
                                 "--chunk", args.chunk))
        print_table(rows[-1:], list(rows[-1]))
        print(flush=True)
    for r in rows:
        gap = abs(rows[0]["objective"] - r["objective"]) / abs(rows[0]["objective"])
        print(f"{r['mode']}: objective relative difference to in process {gap:.2e}, "
              f"sweeps {r['sweeps']} (in process {rows[0]['sweeps']})")
        r.update(p=20, T=5, M=10, r=RANK, dtype="float32", lam_group=LAM_GROUP,
                 tol=TOL_RELATIVE, objective_gap=gap)
    write_csv(args.out / "bench_distributed.csv", rows)


if __name__ == "__main__":
    main()
