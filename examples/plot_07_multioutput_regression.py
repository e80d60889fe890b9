"""
Multi-output regression: one kernel combination for five outputs
=================================================================

:class:`~mtmk.MTMKRegressor` fits every output with its own coefficients but
one shared, sparse combination of candidate kernels. Here five outputs
``sin(x_t) + 0.5 x_{t+5} x_{t+10}`` plus noise depend on different columns of
20 features; :class:`~mtmk.MTMKRegressorCV` tunes the penalty's strength and
its mix of group and ridge terms (``l1_ratio``, by default 0.5 and 1) along
warm-started paths and is compared with a grid-searched RBF
:class:`~sklearn.kernel_ridge.KernelRidge` with six candidates.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.kernel_ridge import KernelRidge
from sklearn.model_selection import GridSearchCV, KFold

from mtmk import KernelDictionary, MTMKRegressorCV

rng = np.random.default_rng(0)
n, p, T = 500, 20, 5
X = rng.normal(size=(n, p))
Y = np.column_stack([np.sin(X[:, t]) + 0.5 * X[:, t + 5] * X[:, t + 10] for t in range(T)])
Y += 0.3 * rng.normal(size=Y.shape)
X_train, X_test, Y_train, Y_test = X[:300], X[300:], Y[:300], Y[300:]

cv = KFold(3, shuffle=True, random_state=0)
reg = MTMKRegressorCV(kernels=KernelDictionary(rbf=4), lam_groups=6, cv=cv)
reg.fit(X_train, Y_train)
print("MTMKRegressorCV test R^2", round(reg.score(X_test, Y_test), 3),
      f"(l1_ratio {reg.l1_ratio_:g}, lam_group {reg.lam_group_:.3g}, "
      f"lam_ridge {reg.lam_ridge_:.3g})")
krr = GridSearchCV(KernelRidge(kernel="rbf"),
                   {"alpha": [0.01, 0.1, 1.0], "gamma": [0.01, 0.05]}, cv=cv)
krr.fit(X_train, Y_train)
print("KernelRidge (6 candidates) test R^2", round(krr.score(X_test, Y_test), 3))

# %%
# On this problem the tuned KernelRidge is ahead: the group penalty favours
# the narrow, high-capacity kernels, which fit the noise of 300 rows. The
# results page measures the same comparison on real data sets, and candidate
# corrections such as per-kernel penalty weights.

# %%
# The shared kernel weights: every output uses the same kernels.
fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(reg.kernel_names_, reg.kernel_weights_)
ax.set_xlabel("kernel weight (shared by the 5 outputs)")
fig.tight_layout()

# %%
# Per-output test R^2 of the tuned model.
residual = ((reg.predict(X_test) - Y_test) ** 2).sum(axis=0)
total = ((Y_test - Y_test.mean(axis=0)) ** 2).sum(axis=0)
print("per-output R^2", np.round(1 - residual / total, 3))
