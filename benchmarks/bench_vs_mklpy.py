"""mtmk's MKL family against MKLpy on four scikit-learn data sets.

Protocol: standardised features (scaler fitted on the training
part), the same 10 kernels (mtmk's default KernelDictionary fitted on the
training part, computed once and given to both libraries as precomputed Gram
matrices), stratified 70/30 split with seed 0, C = 1, medians of 3 fits.

Every (data set, library, method) runs in a fresh subprocess that imports its
library, loads the data, computes the kernels, then fits 3 times:

- fit time: wall time of ``fit`` (for MKLpy including the conversion of the
  numpy Gram matrices to torch tensors, which its API requires; for mtmk
  including the validation of the precomputed stack, reported separately as
  ``validate_s``: the symmetry and shifted-Cholesky PSD check of
  the kernel stack check of ``kernels="precomputed"``, timed once in the same subprocess);
- peak memory: the subprocess's peak RSS (``VmHWM``, read at its end) minus
  the peak RSS of a baseline subprocess of the same library that does the
  imports, the data loading and the kernels only.  This sees every allocation
  (numpy, torch, libsvm), unlike tracemalloc.  RSS granularity is a page;
  differences below about 1 MiB are noise.
- accuracy on the 30% test part.

MKLpy runs with OMP_NUM_THREADS=1 and torch.set_num_threads(1) (its default
threading is several times slower on two cores); mtmk too.  Rows are written
to the CSV as soon as they are measured.

Run (from the repository root):
    python -m benchmarks.bench_vs_mklpy [--datasets iris wine] [--csv other.csv]
Needs: pip install torch==2.13.0 (CPU) && pip install -e .[bench]
"""

import argparse
import statistics

from benchmarks._harness import (
    ResultsCsv,
    argument_parser,
    emit,
    machine_header,
    peak_rss_mib,
    run_isolated,
    timer,
)

C = 1.0
REPEATS = 3
DATASETS = ("breast_cancer", "wine", "iris", "digits")
MTMK_METHODS = ("average", "easymkl", "alignf", "simplemkl", "lpmkl_p2")
MKLPY_METHODS = ("average", "easymkl", "alignf")


# ---------------------------------------------------------------- child side
def _load(dataset):
    import numpy as np
    from sklearn import datasets
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from mtmk import KernelDictionary
    X, y = getattr(datasets, f"load_{dataset}")(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    scaler = StandardScaler().fit(Xtr)
    Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
    kd = KernelDictionary().fit(Xtr)
    Ktr, Kte = kd.gram(), kd.gram(Xte)           # (M, n, n) and (M, n_test, n)
    return np.ascontiguousarray(Ktr), np.ascontiguousarray(Kte), ytr, yte


def _mklpy_fit(method):
    import numpy as np
    import torch
    from MKLpy.algorithms import CKA, AverageMKL, EasyMKL
    from sklearn.svm import SVC
    cls, kw = {"average": (AverageMKL, {}), "easymkl": (EasyMKL, {"lam": 0.1}),
               "alignf": (CKA, {})}[method]

    def fit(Ktr, ytr):
        model = cls(learner=SVC(C=C), **kw).fit([torch.tensor(k) for k in Ktr],
                                               torch.tensor(ytr))
        return lambda Kte: np.asarray(model.predict([torch.tensor(k) for k in Kte]))
    return fit


def _mtmk_fit(method):
    import numpy as np

    from mtmk import (
        AlignfMKLClassifier,
        AverageMKLClassifier,
        EasyMKLClassifier,
        LpMKLClassifier,
        SimpleMKLClassifier,
    )
    cls, kw = {"average": (AverageMKLClassifier, {}),
               "easymkl": (EasyMKLClassifier, {"lam": 0.1}),
               "alignf": (AlignfMKLClassifier, {}), "simplemkl": (SimpleMKLClassifier, {}),
               "lpmkl_p2": (LpMKLClassifier, {"p": 2.0})}[method]

    def fit(Ktr, ytr):
        # (M, n, n) -> the (n, n, M) layout of kernels="precomputed": a view, no copy.
        model = cls(kernels="precomputed", C=C, **kw).fit(np.moveaxis(Ktr, 0, 2), ytr)
        return lambda Kte: model.predict(np.moveaxis(Kte, 0, 2))
    return fit


def child(dataset, library, method):
    import warnings
    warnings.filterwarnings("ignore")
    if library == "MKLpy":
        import torch
        torch.set_num_threads(1)
        import MKLpy.algorithms  # noqa: F401
        make = _mklpy_fit
    else:
        import mtmk  # noqa: F401
        make = _mtmk_fit
    Ktr, Kte, ytr, yte = _load(dataset)
    out = {"rss_mib": None, "n_train": int(len(ytr)), "n_classes": int(len(set(ytr)))}
    if method == "baseline":
        out["rss_mib"] = peak_rss_mib()
        emit(out)
        return
    import numpy as np
    fit = make(method)
    times, accuracy = [], None
    for _ in range(REPEATS):
        with timer() as watch:
            predict = fit(Ktr, ytr)
        times.append(watch.seconds)
        accuracy = float(np.mean(predict(Kte) == yte))
        del predict
    out["rss_mib"] = peak_rss_mib()
    validate = ""
    if library == "mtmk":
        from mtmk._validation import check_gram_stack
        with timer() as watch:
            check_gram_stack(Ktr)
        validate = watch.seconds
    out.update(accuracy=accuracy, fit_s=statistics.median(times),
               fit_s_runs=" ".join(f"{t:.4f}" for t in times), validate_s=validate)
    emit(out)


# --------------------------------------------------------------- parent side
def main(argv=None):
    parser = argument_parser(__spec__.name, __doc__, resume=True)
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--csv", default="bench_vs_mklpy.csv", help="results file name")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(*args.child)
    try:
        import MKLpy  # noqa: F401
        have_mklpy = True
    except ImportError:
        have_mklpy = False
    machine_header(__spec__.name, argv)
    print(f"MKLpy {'yes' if have_mklpy else 'absent'}", flush=True)
    results = ResultsCsv(args.out / args.csv, key=("dataset", "library", "method"),
                         resume=args.resume)
    for dataset in args.datasets:
        libraries = [("mtmk", MTMK_METHODS)] + ([("MKLpy", MKLPY_METHODS)] if have_mklpy else [])
        for library, methods in libraries:
            todo = [m for m in methods
                    if not results.done(dict(dataset=dataset, library=library, method=m))]
            if not todo:
                continue
            base = run_isolated(__spec__.name, "--child", dataset, library, "baseline")
            for method in todo:
                r = run_isolated(__spec__.name, "--child", dataset, library, method)
                row = dict(dataset=dataset, n_train=r["n_train"], n_classes=r["n_classes"],
                           method=method, library=library, accuracy=round(r["accuracy"], 4),
                           fit_s=round(r["fit_s"], 4), fit_s_runs=r["fit_s_runs"],
                           validate_s=(round(r["validate_s"], 4) if r["validate_s"] != ""
                                       else ""),
                           peak_mib=round(r["rss_mib"] - base["rss_mib"], 1),
                           rss_mib=round(r["rss_mib"], 1),
                           baseline_rss_mib=round(base["rss_mib"], 1))
                results.add(row)
                print(f"{dataset:14s} {method:10s} {library:6s} acc={row['accuracy']:.4f} "
                      f"fit={row['fit_s']:8.3f}s (runs {row['fit_s_runs']}; validation "
                      f"{row['validate_s'] if row['validate_s'] != '' else '-'}) "
                      f"peak={row['peak_mib']:7.1f}MiB", flush=True)
    rows = results.rows
    print(f"wrote {results.path}")
    print("\nratios mtmk / MKLpy (targets: accuracy >=, time <= 1/3, memory <= 1/4)")
    for r in rows:
        if r["library"] != "mtmk":
            continue
        other = [o for o in rows if o["library"] == "MKLpy" and o["dataset"] == r["dataset"]
                 and o["method"] == r["method"]]
        if not other:
            continue
        o = other[0]
        t_ratio = r["fit_s"] / o["fit_s"]
        m_ratio = r["peak_mib"] / o["peak_mib"] if o["peak_mib"] > 0 else float("nan")
        fit_wo = r["fit_s"] - (r["validate_s"] or 0.0)
        print(f"{r['dataset']:14s} {r['method']:10s} acc {r['accuracy']:.4f} vs "
              f"{o['accuracy']:.4f} ({'ok' if r['accuracy'] >= o['accuracy'] else 'WORSE'})  "
              f"time x{t_ratio:.3f} ({'ok' if t_ratio <= 1 / 3 else 'MISSED'}; without "
              f"validation x{fit_wo / o['fit_s']:.3f})  memory {r['peak_mib']:.1f} vs "
              f"{o['peak_mib']:.1f} MiB x{m_ratio:.3f} "
              f"({'ok' if m_ratio <= 0.25 else 'MISSED'})")


if __name__ == "__main__":
    main()
