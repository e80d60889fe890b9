"""MMCL against unimodal PCA as the fraction of correctly matched pairs falls.

Nakada linear model (d1 = 40, d2 = 39, r = 10, n = 2000; heteroscedastic noise
plus modality-specific nuisance directions), sin-theta distance (sine of the
largest principal angle) to the true subspaces U1 and U2, 5 seeds.
Expected (Nakada et al.): MMCL ahead until few pairs are right.
Run from the repository root: python -m benchmarks.bench_contrastive_mmcl_pca
"""

import numpy as np
from sklearn.decomposition import PCA

from benchmarks._harness import argument_parser, machine_header, pyplot, save_figure, write_csv
from mtmk.contrastive import MMCL, make_nakada_linear, sin_theta_distance


def main(argv=None):
    args = argument_parser(__spec__.name, __doc__).parse_args(argv)
    machine_header(__spec__.name, argv)
    fractions = [1.0, 0.8, 0.6, 0.4, 0.3, 0.2, 0.15, 0.1, 0.05, 0.02]
    seeds = range(5)
    rows = []
    for frac in fractions:
        for seed in seeds:
            data = make_nakada_linear(n_samples=2000, clean_fraction=frac, random_state=seed)
            mmcl = MMCL(n_components=10).fit(data.X, data.Y)
            row = dict(clean_fraction=frac, seed=seed)
            for view, U_true, W_mmcl, V in (("x", data.U1, mmcl.x_weights_, data.X),
                                            ("z", data.U2, mmcl.y_weights_, data.Y)):
                pca = PCA(n_components=10).fit(V).components_.T
                row[f"mmcl_{view}"] = sin_theta_distance(W_mmcl, U_true)
                row[f"pca_{view}"] = sin_theta_distance(pca, U_true)
            rows.append(row)
    write_csv(args.out / "contrastive_mmcl_vs_pca.csv", rows)

    print(f"{'clean':>6} | {'MMCL x':>14} {'PCA x':>14} | {'MMCL y':>14} {'PCA y':>14}  "
          "(mean +- sd over 5 seeds)")
    summary = {}
    for frac in fractions:
        sel = [r for r in rows if r["clean_fraction"] == frac]
        stats = {k: (np.mean([r[k] for r in sel]), np.std([r[k] for r in sel]))
                 for k in ("mmcl_x", "pca_x", "mmcl_z", "pca_z")}
        summary[frac] = stats
        print(f"{frac:6.2f} | " + " ".join(f"{stats[k][0]:7.3f}+-{stats[k][1]:5.3f}"
                                           for k in ("mmcl_x", "pca_x", "mmcl_z", "pca_z")))
    ahead = [f for f in fractions if summary[f]["mmcl_x"][0] < summary[f]["pca_x"][0]]
    print(f"MMCL (view x) ahead of PCA for clean fractions >= {min(ahead) if ahead else 'none'}")

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, label in (("mmcl_x", "MMCL (x)"), ("pca_x", "PCA (x)"), ("mmcl_z", "MMCL (z)"),
                       ("pca_z", "PCA (z)")):
        m = np.array([summary[f][key][0] for f in fractions])
        s = np.array([summary[f][key][1] for f in fractions])
        ax.errorbar(fractions, m, yerr=s, marker="o", capsize=3, label=label,
                    linestyle="-" if key.startswith("mmcl") else "--")
    ax.set_xscale("log")
    ax.set_xlabel("fraction of correctly matched pairs")
    ax.set_ylabel("sin-theta distance to true subspace")
    ax.set_title("Nakada linear model, n = 2000, 5 seeds")
    ax.legend()
    save_figure(fig, args.out / "contrastive_mmcl_vs_pca.png")


if __name__ == "__main__":
    main()
