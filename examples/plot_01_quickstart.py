"""
Quickstart: one learned kernel shared by ten tasks
==================================================

:class:`~mtmk.MTMKClassifier` treats every digit class as a one-vs-rest task
and learns one sparse combination of candidate kernels that all ten tasks
share. The group penalty switches most candidate kernels off for all tasks at
once.
"""

import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mtmk import MTMKClassifier
from mtmk.datasets import load_task_dataset

digits = load_task_dataset("digits")
# A subsample keeps the example quick; `python -m mtmk demo` runs the full split.
X_train, X_test, y_train, y_test = train_test_split(
    digits.data, digits.labels, train_size=600, test_size=400, stratify=digits.labels,
    random_state=0)
clf = make_pipeline(StandardScaler(), MTMKClassifier()).fit(X_train, y_train)
print("test accuracy", round(clf.score(X_test, y_test), 3))

# %%
# The shared kernel weights (``kernel_weights_``, on the simplex).
mtmk = clf[-1]
fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(mtmk.kernel_names_, mtmk.kernel_weights_)
ax.set_xlabel("kernel weight (shared by all 10 tasks)")
fig.tight_layout()

# %%
# Probabilities per task: one column per digit, each a one-vs-rest task.
print(clf.predict_proba(X_test[:3]).round(2))
