"""mtmk's MKL family against MKLpy on four scikit-learn data sets.

Protocol: standardised features, the same 10 kernels (mtmk's default
KernelDictionary, computed once and given to both libraries as precomputed
Gram matrices), stratified 70/30 split with seed 0, medians of 3 runs;
accuracy, fit time (kernel weights + SVM, kernels excluded for both) and peak
traced memory (tracemalloc: numpy and torch CPU allocations go through it).
MKLpy runs with OMP_NUM_THREADS=1 (set before torch is imported).

Run:  OMP_NUM_THREADS=1 python benchmarks/bench_vs_mklpy.py
Needs: pip install torch==2.13.0 (CPU) && pip install -e .[bench]
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import csv  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from mtmk.kernels import KernelDictionary  # noqa: E402
from mtmk.mkl import (AlignfMKLClassifier, AverageMKLClassifier, EasyMKLClassifier,  # noqa: E402
                      LpMKLClassifier, SimpleMKLClassifier)

C = 1.0
REPEATS = 3
DATASETS = {"breast_cancer": load_breast_cancer, "wine": load_wine, "iris": load_iris,
            "digits": load_digits}


def mklpy_methods():
    try:
        import torch
        torch.set_num_threads(1)
        from MKLpy.algorithms import CKA, AverageMKL, EasyMKL
    except ImportError:
        return {}
    def run(cls, **kw):
        def fit_predict(Ktr, Kte, ytr):
            KLtr = [torch.tensor(k) for k in Ktr]
            KLte = [torch.tensor(k) for k in Kte]
            model = cls(learner=SVC(C=C), **kw).fit(KLtr, torch.tensor(ytr))
            return lambda: np.asarray(model.predict(KLte))
        return fit_predict
    return {"average": run(AverageMKL), "easymkl": run(EasyMKL, lam=0.1),
            "alignf": run(CKA)}


def mtmk_methods():
    def run(cls, **kw):
        def fit_predict(Ktr, Kte, ytr):
            model = cls(kernels="precomputed", C=C, **kw).fit(np.moveaxis(Ktr, 0, 2), ytr)
            return lambda: model.predict(np.moveaxis(Kte, 0, 2))
        return fit_predict
    return {"average": run(AverageMKLClassifier), "easymkl": run(EasyMKLClassifier, lam=0.1),
            "alignf": run(AlignfMKLClassifier), "simplemkl": run(SimpleMKLClassifier),
            "lpmkl_p2": run(LpMKLClassifier, p=2.0)}


def measure(fit_predict, Ktr, Kte, ytr, yte):
    tracemalloc.start()
    start = time.perf_counter()
    predict = fit_predict(Ktr, Kte, ytr)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return float(np.mean(predict() == yte)), elapsed, peak / 2**20


def main(out="benchmarks/results/bench_vs_mklpy.csv"):
    import warnings
    warnings.filterwarnings("ignore")
    theirs = mklpy_methods()
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, python {sys.version.split()[0]}, "
          f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, MKLpy {'yes' if theirs else 'absent'}")
    rows = []
    for name, loader in DATASETS.items():
        X, y = loader(return_X_y=True)
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
        scaler = StandardScaler().fit(Xtr)
        Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
        kd = KernelDictionary().fit(Xtr)
        Ktr, Kte = kd.gram(), kd.gram(Xte)
        for method, fit_predict in mtmk_methods().items():
            for lib, fp in (("mtmk", fit_predict), ("MKLpy", theirs.get(method))):
                if fp is None:
                    continue
                runs = [measure(fp, Ktr, Kte, ytr, yte) for _ in range(REPEATS)]
                acc, sec, mib = np.median(np.array(runs), axis=0)
                rows.append(dict(dataset=name, n_train=len(ytr), method=method, library=lib,
                                 accuracy=round(acc, 4), fit_s=round(sec, 4), peak_mib=round(mib, 1)))
                print(f"{name:14s} {method:10s} {lib:6s} acc={acc:.4f} fit={sec:8.3f}s "
                      f"peak={mib:8.1f}MiB", flush=True)
    with open(out, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print("\nratios mtmk / MKLpy (targets: accuracy >= , time <= 1/3, memory <= 1/4)")
    for r in rows:
        if r["library"] != "mtmk":
            continue
        other = [o for o in rows if o["library"] == "MKLpy" and o["dataset"] == r["dataset"]
                 and o["method"] == r["method"]]
        if other:
            o = other[0]
            print(f"{r['dataset']:14s} {r['method']:10s} acc {r['accuracy']:.4f} vs {o['accuracy']:.4f}  "
                  f"time x{r['fit_s'] / o['fit_s']:.3f}  memory x{r['peak_mib'] / max(o['peak_mib'], 1e-9):.3f}")


if __name__ == "__main__":
    main()
