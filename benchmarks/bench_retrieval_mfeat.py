"""Cross-modal retrieval on real pairs: UCI multiple-features digits.

Two pairs of views of the same 2000 digits (``load_mfeat``): pixels <-> Fourier
and pixels <-> Zernike moments.  Each of 20 random splits (stratified by digit)
holds out 500 pairs for testing; the 1500 training pairs are standardised per
view (scaler fitted on them).  Every method embeds both views in 20 dimensions;
retrieval ranks the 500 test candidates of the other view by cosine
similarity.  Metrics, averaged over both directions: recall@1/5/10 (true
partner among the top k) and class match (the top-1 candidate shows the same
digit; chance 0.1).

Methods:

* ``CCA``, ``PLSSVD``: scikit-learn, 20 components, on the 1500 pairs.
* ``MMCL linear``, ``MMCL rbf``: closed-form MMCL (Nakada et al.), linear and
  RBF (200 Nystroem features), on the 1500 pairs.
* ``MMCL rbf, 750 pairs`` and ``MMCL rbf, 750 pairs + 750 unpaired``: half of
  the training pairs kept, the other half given as unpaired x's and shuffled
  y's (pairing hidden), 3 rounds of pair detection.
* ``CLIP``, ``CLIP reg``, ``InfoLOOB``, ``CLOOB``: ContrastiveAligner on
  Nystroem RBF features (256 per view), 1/tau = 14.3, reg = 0.1, beta = 14.3,
  batch 256, at most 1000 Adam steps with the default early stop.  Also the
  saturation mean(1 - p_ii) on test batches of 256 at the same temperature
  (near 0: the positive's softmax weight is near 1 and InfoNCE's gradient
  vanishes; higher: further from saturation).
* ``MTMK embed``: MTMKClassifier (one task per digit, default kernel
  dictionary with 150 Nystroem landmarks, lam_group = 0.04) fitted on 300
  training pairs pooled as 600 rows in one space (pixels / 6; the other view
  standardised, unit-normalised and zero-padded to 240 columns as in the
  alignment protocol), then ``embed`` of both views.  Unlike all the others it
  uses the digit labels.

Paired differences over the 20 splits test the seed papers' claims; they go
to ``retrieval_mfeat_claims.csv``.  The splits share their data (each training
set overlaps the others), so every interval and p-value uses the corrected
resampled t test of Nadeau and Bengio (``test_train_ratio = 500 / 1500`` in
:mod:`mtmk.stats`), about 2.8 times wider than the naive t interval here.
Run from the repository root: python -m benchmarks.bench_retrieval_mfeat [N_SPLITS]
(14 min on the loaded 2-core machine); ``--from-csv`` recomputes the tables
from ``retrieval_mfeat.csv`` without refitting.
"""

import warnings

import numpy as np
from sklearn.cross_decomposition import CCA, PLSSVD
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.preprocessing import StandardScaler

from benchmarks._harness import (
    ResultsCsv,
    argument_parser,
    machine_header,
    pyplot,
    read_csv,
    save_figure,
    timer,
    write_csv,
    write_text,
)
from mtmk import KernelDictionary, MTMKClassifier
from mtmk.contrastive import MMCL, ContrastiveAligner, recall_at_k, saturation
from mtmk.datasets import load_mfeat
from mtmk.stats import mean_interval, paired_difference

PAIRS = [("pix", "fou"), ("pix", "zer")]
R, N_TEST, N_MTMK = 20, 500, 300
N_TOTAL = 2000
#: n_test / n_train of the splits, for the corrected resampled t test.
RATIO = N_TEST / (N_TOTAL - N_TEST)
TAU = 1 / 14.3
LOSSES = {"CLIP": "clip", "CLIP reg": "clip_reg", "InfoLOOB": "infoloob", "CLOOB": "cloob"}
METRICS = ("recall@1", "recall@5", "recall@10", "class_match", "saturation")


def scores(U, V, y):
    U = U / np.maximum(np.linalg.norm(U, axis=1, keepdims=True), 1e-12)
    V = V / np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-12)
    rec = recall_at_k(U, V, k=(1, 5, 10))
    S = U @ V.T
    match = (np.mean(y[S.argmax(axis=1)] == y) + np.mean(y[S.argmax(axis=0)] == y)) / 2
    sat = np.mean([saturation(U[b:b + 256], V[b:b + 256], TAU)
                   for b in range(0, len(U) - 255, 256)])
    out = {f"recall@{k}": (rec["x_to_y"][k] + rec["y_to_x"][k]) / 2 for k in (1, 5, 10)}
    return dict(out, class_match=float(match), saturation=float(sat))


def to_common_space(X, Y):
    """MTMK input: pixels / 6 and the other view unit-normalised, zero-padded."""
    Yn = Y / np.linalg.norm(Y, axis=1, keepdims=True)
    return X / 6.0, np.hstack([Yn, np.zeros((Y.shape[0], X.shape[1] - Y.shape[1]))])


def run_split(X, Y, y, train, test, seed):
    sx, sy = StandardScaler().fit(X[train]), StandardScaler().fit(Y[train])
    Xs, Ys = sx.transform(X), sy.transform(Y)
    Xtr, Ytr, Xte, Yte, yte = Xs[train], Ys[train], Xs[test], Ys[test], y[test]
    models = {
        "CCA": CCA(n_components=R, max_iter=1000),
        "PLSSVD": PLSSVD(n_components=R),
        "MMCL linear": MMCL(n_components=R),
        "MMCL rbf": MMCL(n_components=R, kernel="rbf", random_state=seed),
        **{name: ContrastiveAligner(loss=loss, n_components=R, feature_map="nystroem",
                                    tau=TAU, random_state=seed)
           for name, loss in LOSSES.items()},
    }
    out = {}
    for name, model in models.items():
        with timer() as fit:  # the scoring is in the time, as it always was
            model.fit(Xtr, Ytr)
            U, V = model.transform(Xte, Yte)
            measured = scores(U, V, yte)
        out[name] = dict(measured, fit_seconds=fit.seconds)

    # Half the pairs kept, the other half unpaired (y's shuffled).
    rng = np.random.RandomState(seed)
    order = rng.permutation(len(train))
    kept, hidden = order[:len(train) // 2], order[len(train) // 2:]
    Yu = Ytr[hidden][rng.permutation(hidden.size)]
    for name, extra in (("MMCL rbf, 750 pairs", {}),
                        ("MMCL rbf, 750 pairs + 750 unpaired",
                         dict(X_unpaired=Xtr[hidden], Y_unpaired=Yu))):
        with timer() as fit:
            model = MMCL(n_components=R, kernel="rbf", random_state=seed)
            model.fit(Xtr[kept], Ytr[kept], **extra)
            U, V = model.transform(Xte, Yte)
            measured = scores(U, V, yte)
        out[name] = dict(measured, fit_seconds=fit.seconds)

    # MTMK on the two views pooled in one space, labels as tasks.
    sub = rng.choice(train, size=N_MTMK, replace=False)
    Pi, Pt = to_common_space(X[sub], Ys[sub])
    Yd = np.eye(10, dtype=int)[y[sub]]
    with timer() as fit:
        mtmk = MTMKClassifier(kernels=KernelDictionary(n_components=150, random_state=seed),
                              lam_group=0.04, tol=1e-3)
        mtmk.fit(np.vstack([Pi, Pt]), np.vstack([Yd, Yd]))
        Ti, Tt = to_common_space(X[test], Yte)
        measured = scores(mtmk.embed(Ti), mtmk.embed(Tt), yte)
    out["MTMK embed"] = dict(measured, fit_seconds=fit.seconds)
    return out


#: (claim, metric, method A, method B): the differences A - B reported.
COMPARISONS = [
    ("contrastive beats PLS-style", "recall@1", "CLIP", "PLSSVD"),
    ("contrastive beats PLS-style", "class_match", "CLIP", "PLSSVD"),
    ("contrastive beats CCA", "recall@1", "CLIP", "CCA"),
    ("contrastive beats CCA", "class_match", "CLIP", "CCA"),
    ("kernel MMCL beats PLS-style", "recall@1", "MMCL rbf", "PLSSVD"),
    ("unpaired data helps MMCL", "recall@1", "MMCL rbf, 750 pairs + 750 unpaired",
     "MMCL rbf, 750 pairs"),
    ("unpaired data helps MMCL", "class_match", "MMCL rbf, 750 pairs + 750 unpaired",
     "MMCL rbf, 750 pairs"),
    ("positive-pair regulariser helps", "recall@1", "CLIP reg", "CLIP"),
    ("positive-pair regulariser helps", "class_match", "CLIP reg", "CLIP"),
    ("CLOOB beats CLIP", "recall@1", "CLOOB", "CLIP"),
    ("CLOOB beats CLIP", "class_match", "CLOOB", "CLIP"),
    ("InfoLOOB beats CLIP", "recall@1", "InfoLOOB", "CLIP"),
    ("InfoLOOB avoids saturation", "saturation", "InfoLOOB", "CLIP"),
    ("CLOOB avoids saturation", "saturation", "CLOOB", "CLIP"),
    ("MTMK embedding aligns views", "recall@1", "MTMK embed", "PLSSVD"),
]


def main(argv=None):
    parser = argument_parser(__spec__.name, __doc__, resume=True)
    parser.add_argument("n_splits", nargs="?", type=int, default=20,
                        help="random splits (default 20)")
    parser.add_argument("--from-csv", action="store_true",
                        help="recompute the tables from retrieval_mfeat.csv, no fitting")
    args = parser.parse_args(argv)
    header = machine_header(__spec__.name, argv)
    path = args.out / "retrieval_mfeat.csv"
    if args.from_csv:
        rows = read_csv(path)
        report(rows, header, args.out, total=None, n_splits=len({r["split"] for r in rows}))
        return
    print(f"protocol: {args.n_splits} stratified splits, {N_TEST} test pairs, {R} components")
    results = ResultsCsv(path, key=("pair", "split"), resume=args.resume)
    with timer() as total:
        for first, second in PAIRS:
            run_pair(first, second, args.n_splits, results)
    report(results.rows, header, args.out, total.seconds, args.n_splits)


def run_pair(first, second, n_splits, results):
    """Every split of one pair of views not yet in ``results``."""
    pair = f"{first}-{second}"
    (X, Y), y = load_mfeat(views=[first, second], return_X_y=True)
    splits = StratifiedShuffleSplit(n_splits=n_splits, test_size=N_TEST, random_state=0)
    for split, (train, test) in enumerate(splits.split(X, y)):
        if results.done({"pair": pair, "split": split}):
            continue
        with timer() as watch, warnings.catch_warnings():
            # CCA's NIPALS may stop at max_iter on some components; the
            # scores then reflect what scikit-learn returns.
            warnings.filterwarnings("ignore", message=".*Maximum number of iterations.*")
            result = run_split(X, Y, y, train, test, seed=split)
        results.extend([dict(pair=pair, split=split, method=method, **vals)
                        for method, vals in result.items()])
        print(f"{pair} split {split}: {watch.seconds:.1f} s", flush=True)
    print(f"wrote {results.path}")


def report(rows, header, out, total, n_splits):
    """Summary and claim tables (CSV, Markdown) and the figure from the per-split rows."""
    summary, claims = [], []
    pairs = list(dict.fromkeys(r["pair"] for r in rows))
    methods = list(dict.fromkeys(r["method"] for r in rows))

    def values(pair, method, metric):
        return np.array([r[metric] for r in rows if r["pair"] == pair and r["method"] == method])

    for pair in pairs:
        for method in methods:
            row = dict(pair=pair, method=method)
            for metric in METRICS + ("fit_seconds",):
                mean, sd, low, high = mean_interval(values(pair, method, metric),
                                                    test_train_ratio=RATIO)
                row.update({metric: mean, f"{metric}_low": low, f"{metric}_high": high})
            summary.append(row)
        for claim, metric, a, b in COMPARISONS:
            d = paired_difference(values(pair, a, metric), values(pair, b, metric),
                                  test_train_ratio=RATIO)
            claims.append(dict(pair=pair, claim=claim, metric=metric, a=a, b=b,
                               **d.as_dict(), verdict=d.verdict((a, b))))
    write_csv(out / "retrieval_mfeat_summary.csv", summary)
    write_csv(out / "retrieval_mfeat_claims.csv", claims)

    lines = ["# Cross-modal retrieval on the UCI multiple-features digits", "",
             *[f"    {h}" for h in header], "",
             f"{n_splits} splits, {N_TEST} held-out pairs each, {R}-dimensional embeddings; "
             "mean over splits [95 % interval, corrected resampled t (Nadeau-Bengio, "
             f"n_test / n_train = {RATIO:.3g}), ddof = 1]. Recall and class match averaged "
             "over both directions. "
             + (f"Total {total:.0f} s." if total is not None else
                "Tables recomputed from `retrieval_mfeat.csv` (`--from-csv`)."), ""]
    for pair in pairs:
        lines += [f"## {pair}", "", "| method | recall@1 | recall@5 | recall@10 | class match "
                  "| saturation | fit (s) |", "|---|---|---|---|---|---|---|"]
        for row in (r for r in summary if r["pair"] == pair):
            cells = [f"{row[m]:.3f} [{row[m + '_low']:.3f}, {row[m + '_high']:.3f}]"
                     for m in METRICS]
            lines.append(f"| {row['method']} | " + " | ".join(cells)
                         + f" | {row['fit_seconds']:.2f} |")
        lines += ["", "| claim | metric | A - B | mean [95 % CI] | p | verdict |",
                  "|---|---|---|---|---|---|"]
        for c in (c for c in claims if c["pair"] == pair):
            lines.append(f"| {c['claim']} | {c['metric']} | {c['a']} - {c['b']} | "
                         f"{c['mean']:+.4f} [{c['low']:+.4f}, {c['high']:+.4f}] | "
                         f"{c['p_value']:.2g} | {c['verdict']} |")
        lines.append("")
    text = "\n".join(lines)
    print(text)
    write_text(out / "retrieval_mfeat.md", text)

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.2), sharey=False)
    for ax, metric in zip(axes, ("recall@1", "class_match")):
        width = 0.8 / len(pairs)
        for j, pair in enumerate(pairs):
            sel = [r for r in summary if r["pair"] == pair]
            x = np.arange(len(sel)) + j * width
            mean = np.array([r[metric] for r in sel])
            err = np.array([[r[metric] - r[f"{metric}_low"] for r in sel],
                            [r[f"{metric}_high"] - r[metric] for r in sel]])
            ax.bar(x, mean, width, yerr=err, capsize=2, label=pair)
        ax.set_xticks(np.arange(len(methods)) + 0.4 - width / 2)
        ax.set_xticklabels(methods, rotation=60, ha="right", fontsize=8)
        ax.set_title(f"{metric} (500 candidates; 95 % CI over {n_splits} splits)")
        ax.legend(fontsize=8)
    save_figure(fig, out / "retrieval_mfeat.png")


if __name__ == "__main__":
    main()
