"""Screening on the regularisation path: a 20-value path with and without it.

Protocol: the path of ``mtmk_path`` (20 values of ``lam_group`` from the exact
``lam_max`` down to ``1e-3 lam_max``, warm starts, ``tol=1e-4``) fitted twice on
the same kernels, with ``fit_kernel_path(screening=False)`` and with the
default screening (strong and gap safe rules, fits on the kept kernels
checked on all of them).  Each path runs ``--repeats`` times each way (median
wall and processor time), one BLAS thread.  Also counted: products with a
kernel matrix (the block solver and the screening make them through the
operator; the Newton solver factors ``K_theta`` instead) and the largest
relative difference of the objectives between the two paths (both are
certified to ``tol``).

Cases: digits (exact default dictionary, logistic loss, 10 one-vs-rest tasks:
block steps), diabetes (least squares: Newton steps by default, which the path
does not screen, and block steps forced), and per-covariate RBF dictionaries,
where most kernels stay out of the model (diabetes, 20 kernels; 600 digits,
74 kernels; 1,000 simulated rows whose 3 labels depend on 2 of 40
covariates, 50 kernels).

Run from the repository root: python -m benchmarks.bench_screening
"""

import statistics
import time

import numpy as np
from sklearn.datasets import load_diabetes, load_digits
from sklearn.preprocessing import StandardScaler

from benchmarks._harness import (
    argument_parser,
    load_average,
    machine_header,
    print_table,
    timer,
    write_csv,
)
from mtmk import KernelDictionary, lam_group_grid
from mtmk._fit import fit_kernel_path
from mtmk._targets import encode_outputs, encode_tasks
from mtmk.solvers import GramStack, GroupPenalty, Logistic, Quadratic, _screening, lam_max


class Counted(GramStack):
    """A GramStack that counts its products."""

    products = 0

    def dot(self, m, A):
        Counted.products += 1
        return super().dot(m, A)


def count_products():
    """Count the products of the restricted operators too."""
    original = _screening._GramSubset.dot

    def dot(self, m, A):
        Counted.products += 1
        return original(self, m, A)

    _screening._GramSubset.dot = dot


def cases():
    X, y = load_digits(return_X_y=True)
    Xd, yd = load_diabetes(return_X_y=True)
    Xd = StandardScaler().fit_transform(Xd)
    yd = (yd - yd.mean()) / yd.std()
    digits, diabetes = encode_tasks(y), encode_outputs(yd)
    small = encode_tasks(y[:600])
    yield "digits", KernelDictionary().fit(X), digits, Logistic(), "auto"
    yield "diabetes", KernelDictionary().fit(Xd), diabetes, Quadratic(), "auto"
    yield "diabetes", KernelDictionary().fit(Xd), diabetes, Quadratic(), "bcd"
    per_feature = KernelDictionary(per_feature="rbf")
    yield "diabetes per covariate", per_feature.fit(Xd), diabetes, Quadratic(), "auto"
    yield "diabetes per covariate", per_feature.fit(Xd), diabetes, Quadratic(), "bcd"
    yield ("600 digits per covariate", KernelDictionary(per_feature="rbf").fit(X[:600]), small,
           Logistic(), "auto")
    # a sparse model: 3 labels that depend on 2 of 40 covariates
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(1000, 40))
    logits = np.c_[2 * Xs[:, 0], Xs[:, 1] ** 2 - 1, Xs[:, 0] * Xs[:, 1]]
    labels = (logits + 0.5 * rng.normal(size=logits.shape) > 0).astype(int)
    yield ("sparse simulation", KernelDictionary(per_feature="rbf").fit(Xs),
           encode_tasks(labels), Logistic(), "auto")


def main(argv=None):
    parser = argument_parser(__spec__.name, __doc__)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    args = parser.parse_args(argv)
    machine_header(__spec__.name, argv)
    count_products()
    rows = []
    for name, dictionary, targets, datafit, solver in cases():
        if args.only not in name:
            continue
        operator = Counted(dictionary.gram())
        Y, W = targets.values, targets.weights
        penalty = GroupPenalty(0.0)
        lams = lam_group_grid(lam_max(operator, Y, W, datafit, penalty), 20, 1e-3)
        row = dict(case=name, n=Y.shape[0], kernels=operator.n_kernels, tasks=Y.shape[1],
                   loss=type(datafit).__name__, solver=solver)
        paths = {}
        for screening in (False, True):
            Counted.products = 0
            seconds, cpu = [], []
            for _ in range(args.repeats):
                start_cpu = time.process_time()
                with timer() as watch:
                    paths[screening] = fit_kernel_path(operator, Y, W, datafit, penalty, lams,
                                                       solver=solver, tol=1e-4, max_iter=5000,
                                                       screening=screening)
                seconds.append(watch.seconds)
                cpu.append(time.process_time() - start_cpu)
            key = "on" if screening else "off"
            row[f"seconds_{key}"] = statistics.median(seconds)
            row[f"cpu_{key}"] = statistics.median(cpu)
            row[f"products_{key}"] = Counted.products // args.repeats
            row[f"iterations_{key}"] = int(sum(r.n_iter for r in paths[screening]))
        row["ratio"] = row["seconds_on"] / row["seconds_off"]
        row["cpu_ratio"] = row["cpu_on"] / row["cpu_off"]
        row["objective_difference"] = float(max(
            abs(a.objective - b.objective) / abs(a.objective)
            for a, b in zip(paths[False], paths[True])))
        row["certificate_on"] = float(max(r.violation for r in paths[True]))
        rows.append(row)
        print_table(rows[-1:], ["case", "solver", "seconds_off", "seconds_on", "cpu_ratio"])
    print()
    print_table(rows, ["case", "solver", "kernels", "seconds_off", "seconds_on", "ratio",
                       "cpu_ratio", "products_off", "products_on", "objective_difference"])
    print(f"load average at the end: {load_average()}")
    write_csv(args.out / "bench_screening.csv", rows)


if __name__ == "__main__":
    main()
