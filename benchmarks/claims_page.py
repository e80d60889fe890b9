"""The seed papers' claims, what mtmk measured, with intervals and a verdict.

Reads the CSV and JSON results the benchmarks wrote under benchmarks/results/
(no fitting here) and writes benchmarks/results/claims.md.  Every row is a
paired difference "A - B" in the direction the paper claims (A better), over
the seeds, subsamples or splits of that benchmark, summarised by
:func:`mtmk.stats.paired_difference` (95 % t interval, ddof = 1); the theory
rows use the bootstrap intervals of ``mtmk.theory.summarize``.  Verdicts:

* reproduced: the interval lies on the claimed side of 0;
* not reproduced: the interval lies on the other side (the claim is contradicted);
* not distinguishable: the interval contains 0.

Run from the repository root: python -m benchmarks.claims_page
"""

import json
import re

import numpy as np

from benchmarks._harness import argument_parser, read_csv, write_text
from mtmk.stats import paired_difference

MTMK = "MTMK paper (CLIP as multi-task multi-kernel learning)"
CHEN = "Chen et al. (positive-pair regularised CLIP)"
MMCL = "Nakada et al. (MMCL)"
CLOOB = "Fuerst et al. (CLOOB)"


def _read(results, name):
    """Rows of the CSV ``name`` under ``results``, or None when it is missing."""
    path = results / name
    return read_csv(path) if path.is_file() else None


def _verdict(low, high):
    if low > 0:
        return "reproduced"
    if high < 0:
        return "not reproduced"
    return "not distinguishable"


class Page:
    """The rows of the claims table, from the results under ``results``."""

    def __init__(self, results):
        self.results = results
        self.rows = []

    def paired(self, paper, claim, evidence, source, a, b, test_train_ratio=None):
        """Add a row for the paired difference a - b (claimed: positive)."""
        if a is None or len(a) < 2:
            self.rows.append((paper, claim, evidence, source, "-", "not measured", "-"))
            return
        d = paired_difference(a, b, test_train_ratio=test_train_ratio)
        self.rows.append((paper, claim, evidence, source, str(d.n), d.format(4),
                          _verdict(d.low, d.high)))

    def interval(self, paper, claim, evidence, source, n, mean, low, high, verdict):
        self.rows.append((paper, claim, evidence, source, str(n),
                          f"{mean:+.3g} [{low:+.3g}, {high:+.3g}]", verdict))

    def markdown(self):
        lines = ["| paper | claim | evidence: A - B (claimed > 0) | source | n | mean [95 % CI] "
                 "| verdict |", "|---|---|---|---|---|---|---|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


def _by(rows, key_fields, value_field, **match):
    """Values of value_field for rows matching ``match``, ordered by key_fields."""
    sel = [r for r in rows if all(str(r[k]) == str(v) for k, v in match.items())]
    sel.sort(key=lambda r: tuple(float(r[k]) for k in key_fields))
    return np.array([float(r[value_field]) for r in sel])


def mtmk_claims(page):
    sharing = _read(page.results, "alignment_sharing.csv")
    if sharing:
        for protocol in dict.fromkeys(r["protocol"] for r in sharing):
            sub = [r for r in sharing if r["protocol"] == protocol]
            page.paired(MTMK, "sharing helps the text side",
                        f"text AUC, MTMK L1 - single-task MKL; simulated, {protocol}",
                        "alignment_sharing.csv",
                        _by(sub, ["seed"], "mtmk_text"), _by(sub, ["seed"], "single_text"))
    rerun = page.results / "alignment_sharing_rerun_partial.txt"
    if rerun.is_file():
        # A rerun stopped by hand: its printed per-seed text AUCs, paper protocol.
        pairs = [(float(a), float(b)) for a, b in re.findall(
            r"^paper \(lam_group 0\.04, 50 texts/task\), seed \d+: text MTMK L1 ([0-9.]+) "
            r"vs single-task ([0-9.]+)", rerun.read_text(), flags=re.M)]
        if pairs:
            a, b = np.array(pairs).T
            page.paired(MTMK, "sharing helps the text side",
                        "text AUC, MTMK L1 - single-task MKL; simulated, paper protocol, "
                        "rerun with the current solver (printed AUCs)",
                        "alignment_sharing_rerun_partial.txt", a, b)
    real = {"alignment_mfeat_rows.csv": "mfeat pix vs fou (pad)"}
    views = page.results / "alignment_mfeat_views"
    if views.is_dir():
        for path in sorted(views.glob("alignment_mfeat*_rows.csv")):
            stem = path.name[len("alignment_mfeat"):-len("_rows.csv")].strip("_")
            view, _, embedding = stem.partition("_")
            label = f"mfeat pix vs {view or 'fou'} ({embedding or 'pad'})"
            real[f"alignment_mfeat_views/{path.name}"] = label
    for name, label in real.items():
        rows = _read(page.results, name)
        if not rows:
            continue
        for tuning in dict.fromkeys(r["tuning"] for r in rows):
            def vals(method, kind, tuning=tuning):
                return _by(rows, ["subsample"], kind, tuning=tuning, method=method)
            for variant in ("MTMK L1", "MTMK mix"):
                page.paired(MTMK, "sharing helps the text side",
                            f"text AUC, {variant} - single-task MKL; {label}, {tuning} "
                            "penalties", name, vals(variant, "text"),
                            vals("single-task multi-kernel", "text"))
            for other in ("MTMK mix", "MTMK L2"):
                page.paired(MTMK, "L1 is the best MTMK variant",
                            f"AUC (all rows), MTMK L1 - {other}; {label}, {tuning} penalties",
                            name, vals("MTMK L1", "all"), vals(other, "all"))
    path = page.results / "theory" / "fair" / "summary.json"
    if path.is_file():
        summary = json.loads(path.read_text())
        reps = f"{summary.get('config', {}).get('n_reps', '-')} reps"
        for e in summary.get("kernel_slope_differences", []):
            page.interval(MTMK, "the kernel count costs L1 less than L2",
                          f"log-M slope of the estimation error, L2 - L1 (n = {e['n']}, "
                          f"T = {e['n_tasks']}; each tuned on validation data)",
                          "theory/fair/summary.json (bootstrap over replications)",
                          reps, e["slope_difference"], e["ci_low"], e["ci_high"],
                          _verdict(e["ci_low"], e["ci_high"]))
        for e in summary.get("task_effect", []):
            if e.get("loglog_slope") is None or "ci_low" not in e:
                continue
            low, high = e["ci_low"], e["ci_high"]
            verdict = ("consistent with -1" if low <= -1 <= high and high < 0 else
                       "not reproduced" if not low <= -1 <= high else "not distinguishable")
            page.interval(MTMK, "sharing shrinks the log M term like 1/T (reconstructed rate)",
                          f"exponent of the log-M slope in T, {e['method']} (predicted -1; "
                          "verdict on the interval containing -1 and excluding 0)",
                          "theory/fair/summary.json (bootstrap over replications)", reps,
                          e["loglog_slope"], low, high, verdict)


def _retrieval(page, paper, claim, a, b, metric):
    rows = _read(page.results, "retrieval_mfeat.csv")
    if not rows:
        return
    for pair in dict.fromkeys(r["pair"] for r in rows):
        page.paired(paper, claim, f"{metric}, {a} - {b}; mfeat {pair}, 500 held-out pairs "
                    "(corrected resampled t)", "retrieval_mfeat.csv",
                    _by(rows, ["split"], metric, pair=pair, method=a),
                    _by(rows, ["split"], metric, pair=pair, method=b),
                    test_train_ratio=500 / 1500)


def chen_claims(page):
    rows = _read(page.results, "contrastive_clip_reg.csv")
    if rows:
        # The default weight 0.1 and the largest one measured, at every temperature.
        for tau in sorted({float(r["tau"]) for r in rows}):
            for reg in (0.1, 1.0):
                page.paired(CHEN, "the positive-pair regulariser helps",
                            f"zero-shot accuracy, reg {reg:g} - reg 0; simulated, "
                            f"tau = {tau:g}", "contrastive_clip_reg.csv",
                            _by(rows, ["seed"], "zero_shot_accuracy", tau=tau, reg=reg),
                            _by(rows, ["seed"], "zero_shot_accuracy", tau=tau, reg=0.0))
    _retrieval(page, CHEN, "the positive-pair regulariser helps", "CLIP reg", "CLIP",
               "recall@1")


def mmcl_claims(page):
    rows = _read(page.results, "contrastive_mmcl_unpaired.csv")
    if rows:
        page.paired(MMCL, "unpaired data helps",
                    "top-1 retrieval, 300 pairs + 4000 unpaired - 300 pairs; simulated",
                    "contrastive_mmcl_unpaired.csv",
                    _by(rows, ["seed"], "mmcl_unpaired", n_unpaired=4000),
                    _by(rows, ["seed"], "mmcl_unpaired", n_unpaired=0))
    _retrieval(page, MMCL, "unpaired data helps", "MMCL rbf, 750 pairs + 750 unpaired",
               "MMCL rbf, 750 pairs", "recall@1")
    rows = _read(page.results, "contrastive_mmcl_vs_pca.csv")
    if rows:
        for fraction in (1.0, 0.2):
            page.paired(MMCL, "contrastive beats PCA under noise",
                        f"sin-theta to the true subspace, PCA - MMCL (lower is better); "
                        f"simulated, {fraction:.0%} of pairs correct",
                        "contrastive_mmcl_vs_pca.csv",
                        _by(rows, ["seed"], "pca_x", clean_fraction=fraction),
                        _by(rows, ["seed"], "mmcl_x", clean_fraction=fraction))
    for a in ("CLIP", "MMCL rbf"):
        _retrieval(page, MMCL, "contrastive beats PCA/PLS-style baselines", a, "PLSSVD",
                   "recall@1")
    _retrieval(page, MMCL, "contrastive beats PCA/PLS-style baselines", "CLIP", "CCA",
               "recall@1")


def cloob_claims(page):
    rows = _read(page.results, "contrastive_clip_vs_cloob.csv")
    if rows:
        for loss in ("infoloob", "cloob"):
            page.paired(CLOOB, "InfoLOOB avoids saturation",
                        f"mean 1 - p_ii on test batches (higher: further from saturation), "
                        f"{loss} - clip; simulated co-occurrence model",
                        "contrastive_clip_vs_cloob.csv",
                        _by(rows, ["seed"], "saturation", loss=loss),
                        _by(rows, ["seed"], "saturation", loss="clip"))
        page.paired(CLOOB, "CLOOB beats CLIP", "zero-shot accuracy, cloob - clip; simulated",
                    "contrastive_clip_vs_cloob.csv",
                    _by(rows, ["seed"], "zero_shot_accuracy", loss="cloob"),
                    _by(rows, ["seed"], "zero_shot_accuracy", loss="clip"))
    for loss in ("InfoLOOB", "CLOOB"):
        _retrieval(page, CLOOB, "InfoLOOB avoids saturation", loss, "CLIP", "saturation")
    _retrieval(page, CLOOB, "CLOOB beats CLIP", "CLOOB", "CLIP", "recall@1")


def main(argv=None):
    args = argument_parser(__spec__.name, __doc__).parse_args(argv)
    page = Page(args.out)
    for add in (mtmk_claims, chen_claims, mmcl_claims, cloob_claims):
        add(page)
    counts = {}
    for row in page.rows:
        counts[row[-1]] = counts.get(row[-1], 0) + 1
    text = "\n".join([
        "# The seed papers' claims as measured by mtmk", "",
        "Generated by `python -m benchmarks.claims_page` from the results "
        "under `benchmarks/results/` (each source names the benchmark's output; its "
        "command and machine are in the benchmark's docstring and Markdown). Each row is "
        "a paired difference A - B in the direction the paper claims, over that "
        "benchmark's seeds, subsamples or splits (n), with a 95 % Student t interval "
        "(ddof = 1; for the retrieval splits, which share their data, the Nadeau-Bengio "
        "corrected resampled t) unless a bootstrap is named. Verdicts: **reproduced** "
        "(interval on "
        "the claimed side of 0), **not reproduced** (interval on the other side), **not "
        "distinguishable** (interval contains 0). Small n gives wide intervals: a 'not "
        "distinguishable' is no evidence of equality.", "",
        "Verdict counts: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())), "",
        page.markdown(), ""])
    print(text)
    write_text(args.out / "claims.md", text)


if __name__ == "__main__":
    main()
