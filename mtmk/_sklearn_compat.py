"""The private scikit-learn names mtmk uses, imported in this one module.

scikit-learn documents these helpers for authors of compatible estimators but
keeps them private, so they may move or change between releases.  Importing
them only here means a new scikit-learn release is checked, and if needed
adapted to, in one place; ``tests/test_sklearn_compat.py`` checks each name
for what mtmk uses it for, on the oldest and the newest supported release
(the range is stated in ``setup.cfg``).

- ``Interval``, ``StrOptions``, ``HasMethods``: entries of an estimator's
  ``_parameter_constraints``;
- ``validate_params``: the same constraints for public functions;
- ``_fit_context``: the ``fit`` decorator that validates those constraints
  once and skips nested validation;
- ``_check_sample_weight``: ``sample_weight`` as a float array of one weight
  per sample (``None`` and scalars expanded, negative weights refused);
- ``_safe_split``: the rows of one cross-validation fold of ``X`` and ``y``,
  Gram matrices included (rows and the training columns).
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions, validate_params
from sklearn.utils.metaestimators import _safe_split
from sklearn.utils.validation import _check_sample_weight

__all__ = ["HasMethods", "Interval", "StrOptions", "validate_params", "_fit_context",
           "_check_sample_weight", "_safe_split"]
