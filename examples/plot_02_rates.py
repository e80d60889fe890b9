"""
Rates: does MTMK's error fall at the predicted speed?
=====================================================

A small simulation with :mod:`mtmk.theory`: data from the sparse multi-task
kernel model (two active kernels shared by three tasks, padded with irrelevant
kernels), MTMK-L1 fitted at doubling sample sizes, and the log-log slope of the
estimation error with a bootstrap interval next to the slope the theory
predicts. ``python -m mtmk simulate --preset quick`` runs the full quick
version.
"""

import matplotlib.pyplot as plt
import numpy as np

from mtmk.theory import fit_loglog_slope, predicted_n_slope, rademacher_curve, simulate

grid = dict(experiment="rate_n", n=[200, 400, 800, 1600], n_features=10, n_kernels=16,
            n_tasks=3, family="polynomial", c_group=0.5, methods=[("mtmk_l1",)])
rows = simulate(grid, n_reps=3, n_test=1000, random_state=0, progress=False)
n = np.array([r["n"] for r in rows], dtype=float)
err = np.array([r["estimation_error"] for r in rows])
fit = fit_loglog_slope(n, err, random_state=0)
print(f"fitted slope {fit.slope:.2f}, 95% interval [{fit.ci_low:.2f}, {fit.ci_high:.2f}], "
      f"predicted {predicted_n_slope('polynomial'):.2f}")

# %%
# Replications, their means and the predicted slope.
sizes = np.unique(n)
means = np.array([err[n == s].mean() for s in sizes])
fig, ax = plt.subplots(figsize=(4.5, 3.5))
ax.loglog(n, err, "o", alpha=0.4, label="replications")
ax.loglog(sizes, means, "s-", label=f"mean (slope {fit.slope:.2f})")
ax.loglog(sizes, means[0] * (sizes / sizes[0]) ** predicted_n_slope("polynomial"), "k--",
          label="predicted slope")
ax.set_xlabel("n")
ax.set_ylabel("estimation error")
ax.legend()
fig.tight_layout()

# %%
# The kernel-count side: the empirical Rademacher complexity of
# L1-constrained kernel combinations grows like sqrt(log M).
curve, fits = rademacher_curve([4, 16, 64, 256], n=100, n_draws=100, random_state=0)
print(fits)
