"""
Tuning with the CV estimators: one warm-started path per fold
=============================================================

:class:`~mtmk.MTMKClassifierCV` computes the exact ``lam_max`` (the smallest
``lam_group`` at which every kernel is switched off) on the training data,
fits the whole geometric grid below it on every fold with warm starts, and
refits the value with the best mean validation score. This is the tuned
estimator of the real-data benchmark (``benchmarks/bench_real.py``).
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import KFold, train_test_split
from sklearn.preprocessing import StandardScaler

from mtmk import KernelDictionary, MTMKClassifier, MTMKClassifierCV

data = load_breast_cancer()
X_train, X_test, y_train, y_test = train_test_split(
    data.data, data.target, train_size=300, stratify=data.target, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
# The 30 features are ten measurements each as a mean, a standard error and a worst value.
kernels = KernelDictionary(feature_groups={"mean": range(0, 10), "error": range(10, 20),
                                           "worst": range(20, 30)})
cv = KFold(3, shuffle=True, random_state=0)
clf = MTMKClassifierCV(kernels=kernels, lam_groups=8, cv=cv).fit(X_train, y_train)
print(f"chosen lam_group = {clf.lam_group_:.3g} ({clf.lam_group_ / clf.lam_max_:.3g} lam_max)")
print("tuned test accuracy", round(clf.score(X_test, y_test), 3))
# The untuned default sets lam_group to a fraction of the same lam_max (lam_group="auto").
default = MTMKClassifier(kernels=kernels).fit(X_train, y_train)
print(f"default: lam_group = {default.lam_group_:.3g} "
      f"({default.lam_group_ / clf.lam_max_:.3g} lam_max), "
      f"test accuracy {default.score(X_test, y_test):.3f}")

# %%
# The validation accuracy along the path, one line per fold; the chosen value
# is the largest (sparsest) one with the best mean.
fig, ax = plt.subplots(figsize=(6, 3))
ax.semilogx(clf.lam_groups_ / clf.lam_max_, clf.cv_scores_.T, color="0.7")
ax.semilogx(clf.lam_groups_ / clf.lam_max_, clf.cv_scores_.mean(axis=0), "o-",
            label="mean over folds")
ax.axvline(clf.lam_group_ / clf.lam_max_, color="k", ls="--", label="chosen")
ax.set_xlabel("lam_group / lam_max")
ax.set_ylabel("validation accuracy")
ax.legend()
fig.tight_layout()

# %%
# The kernels the tuned model keeps.
for name, weight in zip(clf.kernel_names_, clf.kernel_weights_):
    if weight > 0:
        print(f"{name:24s} {weight:.2f}")
print("kernels switched off:", int(np.sum(clf.kernel_weights_ == 0)), "of",
      len(clf.kernel_names_))
