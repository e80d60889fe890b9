"""Tuning ``lam_group`` by closed-form leave-one-out against K-fold and a KernelRidge grid search.

Protocol: one 75 / 25 train / test split per set (``random_state=0``), the
features standardised and the target centred and scaled on the training part.
Three tuned models, each fitted on the training part and scored by R^2 on the
test part:

* ``MTMKRegressorCV()``: the default, 20 values of ``lam`` on one path per
  mix (``l1_ratio`` 0.5 and 1), scored by closed-form leave-one-out
  (``cv=None``);
* ``MTMKRegressorCV(l1_ratio=1)``: the group penalty alone, one path;
* ``MTMKRegressorCV(cv=KFold(5))``: the same mixes and values, a path per
  fold and mix, and the refit;
* ``GridSearchCV(KernelRidge(kernel="rbf"))`` with the same 5 folds and 20
  candidates: 10 values of ``alpha`` from 1e-2 to 1e2 times 2 widths
  (``gamma`` 0.2 / p and 1 / p), as in ``bench_real``.

Fit times are wall clock (and processor time) on one BLAS thread of a shared
machine; the ratio to the grid search's time is measured in the same run.

Sets: diabetes (scikit-learn, 442 rows, 10 features) and the air time of
``--rows`` flights drawn from ``mtmk.datasets.load_flights(target="air_time")``
(seed 0).

Run from the repository root: python -m benchmarks.bench_loo
"""

import time

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.kernel_ridge import KernelRidge
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, KFold, train_test_split
from sklearn.preprocessing import StandardScaler

from benchmarks._harness import (
    argument_parser,
    load_average,
    machine_header,
    print_table,
    timer,
    write_csv,
)
from mtmk import MTMKRegressorCV
from mtmk.datasets import load_flights


def data_sets(rows):
    X, y = load_diabetes(return_X_y=True)
    yield "diabetes", X, y
    X, y = load_flights(target="air_time", return_X_y=True)
    pick = np.random.default_rng(0).choice(len(y), size=rows, replace=False)
    yield f"flights air_time ({rows} rows)", np.asarray(X)[pick], np.asarray(y)[pick]


def methods(p):
    folds = KFold(5, shuffle=True, random_state=0)
    grid = {"alpha": list(10.0 ** np.linspace(-2, 2, 10)), "gamma": [0.2 / p, 1.0 / p]}
    return [("MTMKRegressorCV() leave-one-out", MTMKRegressorCV()),
            ("MTMKRegressorCV(l1_ratio=1) leave-one-out", MTMKRegressorCV(l1_ratio=1.0)),
            ("MTMKRegressorCV(cv=5)", MTMKRegressorCV(cv=folds)),
            ("KernelRidge grid search", GridSearchCV(KernelRidge(kernel="rbf"), grid, cv=folds))]


def main(argv=None):
    parser = argument_parser(__spec__.name, __doc__)
    parser.add_argument("--rows", type=int, default=3000, help="flights drawn (default 3000)")
    args = parser.parse_args(argv)
    machine_header(__spec__.name, argv)
    rows = []
    for name, X, y in data_sets(args.rows):
        X_tr, X_te, y_tr, y_te = train_test_split(X, np.ravel(y), test_size=0.25,
                                                  random_state=0)
        scaler = StandardScaler().fit(X_tr)
        X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
        mean, sd = y_tr.mean(), y_tr.std()
        y_tr, y_te = (y_tr - mean) / sd, (y_te - mean) / sd
        for method, model in methods(X.shape[1]):
            start = time.process_time()
            with timer() as watch:
                model.fit(X_tr, y_tr)
            row = dict(data=name, n_train=len(y_tr), method=method, seconds=watch.seconds,
                       cpu_seconds=time.process_time() - start,
                       test_r2=r2_score(y_te, model.predict(X_te)))
            if isinstance(model, MTMKRegressorCV):
                row["lam_group"] = model.lam_group_
                row["kernels"] = " ".join(
                    f"{n}:{w:.2f}" for n, w in zip(model.kernel_names_, model.kernel_weights_)
                    if w > 0.01)
            else:
                row["lam_group"] = ""
                row["kernels"] = str(model.best_params_)
            rows.append(row)
            print_table(rows[-1:], ["data", "method", "seconds", "test_r2"])
        grid_seconds = rows[-1]["seconds"]
        grid_cpu = rows[-1]["cpu_seconds"]
        for row in rows[-4:]:
            row["ratio_to_grid_search"] = row["seconds"] / grid_seconds
            row["cpu_ratio_to_grid_search"] = row["cpu_seconds"] / grid_cpu
    print()
    print_table(rows, ["data", "n_train", "method", "seconds", "cpu_seconds",
                       "ratio_to_grid_search", "cpu_ratio_to_grid_search", "test_r2"])
    print(f"load average at the end: {load_average()}")
    write_csv(args.out / "bench_loo.csv", rows)


if __name__ == "__main__":
    main()
