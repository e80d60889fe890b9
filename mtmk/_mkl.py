"""The classic multiple kernel learning family beside MTMK.

Five estimators with one interface: :class:`AverageMKLClassifier`,
:class:`EasyMKLClassifier`, :class:`AlignfMKLClassifier`,
:class:`SimpleMKLClassifier` and :class:`LpMKLClassifier`.  Each learns, for
every task (the one binary task of a binary target, one-vs-rest tasks of a
multiclass target, the columns of a multilabel target), kernel weights
``d_t`` and an SVM-type model on the combined kernel ``sum_m d_tm K_m``:

    f_t(x) = b_t + sum_m d_tm sum_i beta_ti k_m(x_i, x).

They share the candidate kernels (:class:`~mtmk.KernelDictionary` or
precomputed Gram stacks), the target encoding and the prediction code through
the private base class :class:`_BaseMKL`; the algorithms differ only in
``_fit_task``.  The numerical work lives in :mod:`mtmk.solvers` (libsvm for
the inner SVMs, an SMO solver for p-norm MKL, cvxpy references for tests).
"""

import warnings
from numbers import Integral, Real

import numpy as np

from ._base import KernelTaskClassifier
from ._sklearn_compat import Interval, StrOptions, _fit_context
from .solvers._alignf import alignment_matrix, solve_alignf
from .solvers._easymkl import solve_easymkl
from .solvers._result import SolverResult
from .solvers._simplemkl import solve_simplemkl
from .solvers._smo import DenseColumns, solve_smo
from .solvers._svm import svm_dual

_KERNEL_DOC = """kernels : KernelDictionary, "precomputed" or None, default=None
        Candidate kernels.  ``None`` uses ``KernelDictionary()`` (7 RBF widths
        around the median heuristic, linear, polynomial of degree 2 and 3).
        With ``"precomputed"``, ``X`` is a stack of Gram matrices of shape
        ``(n_samples, n_samples, n_kernels)`` in ``fit`` and
        ``(n_samples_test, n_samples_train, n_kernels)`` afterwards."""

_ATTRIBUTES_DOC = """classes_ : ndarray
        Class labels, or ``arange(n_tasks)`` for a multilabel target.
    n_tasks_ : int
        Number of binary tasks (1, the number of classes, or of labels).
    kernel_weights_ : ndarray of shape (n_kernels,)
        Kernel weights on the simplex: the mean over tasks of each task's
        weights normalised to sum 1.
    task_kernel_weights_ : ndarray of shape (n_tasks, n_kernels)
        The weights ``d_t`` each task's decision function uses (not normalised
        for :class:`LpMKLClassifier`).
    kernel_names_ : list of str
        Names of the candidate kernels.
    dual_coef_ : ndarray of shape (n_kernels, n_samples_fit, n_tasks)
        ``d_tm * beta_t``: ``f_t(x) = sum_m k_m(x, X_fit) @ dual_coef_[m, :, t] + b_t``.
    intercept_ : ndarray of shape (n_tasks,)
    kernel_dictionary_ : KernelDictionary
        The fitted dictionary (absent with precomputed kernels).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names."""


class _BaseMKL(KernelTaskClassifier):
    """Targets, kernels and prediction shared by the MKL family.

    Subclasses implement ``_fit_task(K, s, c, context) -> SolverResult`` (with
    ``weights``, ``beta`` and ``intercept``) for one
    binary task (labels ``s`` in {-1, +1}, per-sample multipliers ``c`` of C:
    the raw sample weights, 1 for every sample when none are given, 0 for a
    label the task does not observe) and may override
    ``_prepare(K)`` to compute what all tasks share.
    """

    def _check_params(self):
        """Cross-parameter checks that ``_parameter_constraints`` cannot express."""

    def _prepare(self, K):
        return None

    def _fit_task(self, K, s, c, context):  # pragma: no cover - abstract
        raise NotImplementedError

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit kernel weights and a classifier on the combined kernel per task.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs, or with ``kernels="precomputed"`` a stack of Gram
            matrices of shape (n_samples, n_samples, n_kernels).
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Class labels, or a 0/1 multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Non-negative weights multiplying each sample's loss (``C``); a 0 in
            column t marks a label not observed for task t.

        Returns
        -------
        self
        """
        self._check_params()
        X, tasks = self._validate_training_data(X, y, sample_weight)
        gram, names, dictionary = self._training_kernels(X, sample_weight, exact=True)
        K = gram.K
        n, n_tasks = tasks.signs.shape
        # C multiplies the raw sample weights, as in SVC.
        raw = (np.ones((n, n_tasks)) if sample_weight is None else
               np.broadcast_to(np.asarray(sample_weight, float).reshape(n, -1), (n, n_tasks)))
        self._check_weights(raw)
        context = self._prepare(K)
        weights = np.zeros((n_tasks, K.shape[0]))
        coef = np.zeros((K.shape[0], n, n_tasks))
        intercept = np.zeros(n_tasks)
        results = []
        for t in range(n_tasks):
            result = self._fit_task(K, tasks.signs[:, t], raw[:, t], context)
            weights[t] = result.weights
            coef[:, :, t] = result.weights[:, None] * result.beta[None, :]
            intercept[t] = result.intercept
            results.append(result)

        self._set_targets(tasks)
        self._set_model(names, dictionary, coef, intercept)
        self.task_kernel_weights_ = weights
        sums = weights.sum(axis=1, keepdims=True)
        self.kernel_weights_ = np.mean(np.where(sums > 0, weights / np.where(sums > 0, sums, 1), 0),
                                       axis=0)
        self._store_results(results)
        return self

    def _check_weights(self, c):
        """Refuse sample weights whose box ``C * c`` is not a float64 number."""
        top = float(c.max())
        if not np.isfinite(self.C * top):
            raise ValueError(
                f"C * sample_weight overflows float64 (C={self.C:g}, largest weight "
                f"{top:.3g}): the SVM's per-sample bound C * w_i is infinite. Rescale the "
                "sample weights (e.g. divide them by their largest value) and C together.")

    def _store_results(self, results):
        self.objective_ = np.array([r.objective for r in results])
        self.n_iter_ = np.array([r.n_iter for r in results])


def _svm_on_weights(K, weights, s, c, C, tol):
    """An SVM on the combined kernel ``sum_m weights_m K_m``."""
    return svm_dual(np.tensordot(weights, K, axes=1), s, c, C=C, tol=tol)


class AverageMKLClassifier(_BaseMKL):
    __doc__ = f"""SVM on the average of the candidate kernels (uniform MKL).

    The baseline every MKL method has to beat: ``d_m = 1/M`` for every kernel
    and a libsvm SVM on ``sum_m K_m / M`` per task.

    Parameters
    ----------
    {_KERNEL_DOC}
    C : float, default=1.0
        SVM regularisation (the weight of the hinge loss).
    tol : float, default=1e-3
        libsvm's stopping tolerance.
    n_jobs : int, default=None
        Threads used to compute the kernel matrices.

    Attributes
    ----------
    {_ATTRIBUTES_DOC}
    objective_ : ndarray of shape (n_tasks,)
        SVM dual objective per task.
    n_iter_ : ndarray of shape (n_tasks,)

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from mtmk import AverageMKLClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = AverageMKLClassifier().fit(X, y)
    >>> clf.kernel_weights_.round(2).tolist()[:3]
    [0.1, 0.1, 0.1]
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

    _parameter_constraints = {
        **_BaseMKL._parameter_constraints,
        "C": [Interval(Real, 0, None, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, kernels=None, C=1.0, tol=1e-3, n_jobs=None):
        self.kernels = kernels
        self.C = C
        self.tol = tol
        self.n_jobs = n_jobs

    def _prepare(self, K):
        return K.mean(axis=0)

    def _fit_task(self, K, s, c, K_mean):
        sol = svm_dual(K_mean, s, c, C=self.C, tol=self.tol)
        M = K.shape[0]
        return SolverResult(intercept=sol.intercept, objective=sol.objective, n_iter=1,
                            converged=True, weights=np.full(M, 1.0 / M), beta=sol.beta)


class EasyMKLClassifier(_BaseMKL):
    __doc__ = f"""EasyMKL (Aiolli & Donini, 2015): kernel weights from one QP on the sum kernel.

    Per task, solves
    ``min_gamma (1 - lam) gamma^T Y K_sum Y gamma + lam ||gamma||^2`` over
    ``gamma >= 0`` summing to 1 on each class (``K_sum`` the plain sum of the
    kernels, as in MKLpy), sets ``d_m`` proportional to
    ``(y gamma)^T K_m (y gamma)`` (normalised to sum 1, as MKLpy does; the
    paper uses the l2 norm), then fits a libsvm SVM on ``sum_m d_m K_m``.
    Cost linear in the number of kernels; memory O(n^2).

    Parameters
    ----------
    {_KERNEL_DOC}
    lam : float in [0, 1], default=0.1
        Trade-off between the margin on the sum kernel and the ridge on gamma.
    C : float, default=1.0
        Regularisation of the final SVM.
    tol : float, default=1e-5
        Relative Frank-Wolfe gap (a bound on the suboptimality) required of
        the QP solution.  libsvm solves the QP as a hard-margin SVM; a
        projected-gradient polish runs only if that misses ``tol``.
    max_iter : int, default=20000
        Iterations of the projected-gradient polish.
    svm_tol : float, default=1e-3
        libsvm's tolerance for the final SVM.
    n_jobs : int, default=None
        Threads used to compute the kernel matrices.

    Attributes
    ----------
    {_ATTRIBUTES_DOC}
    gamma_ : ndarray of shape (n_samples_fit, n_tasks)
        The QP solutions.
    objective_ : ndarray of shape (n_tasks,)
        QP objective per task.
    n_iter_ : ndarray of shape (n_tasks,)

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from mtmk import EasyMKLClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), EasyMKLClassifier()).fit(X, y)
    >>> bool(clf.score(X, y) > 0.95)
    True
    """

    _parameter_constraints = {
        **_BaseMKL._parameter_constraints,
        "lam": [Interval(Real, 0, 1, closed="both")],
        "C": [Interval(Real, 0, None, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "svm_tol": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, kernels=None, lam=0.1, C=1.0, tol=1e-5, max_iter=20000, svm_tol=1e-3,
                 n_jobs=None):
        self.kernels = kernels
        self.lam = lam
        self.C = C
        self.tol = tol
        self.max_iter = max_iter
        self.svm_tol = svm_tol
        self.n_jobs = n_jobs

    def _prepare(self, K):
        return K.sum(axis=0)

    def _check_weights(self, c):
        super()._check_weights(c)
        for column in c.T:
            positive = column[column > 0]
            if self.lam > 0 and positive.min() < np.finfo(float).eps * positive.max():
                raise ValueError(
                    f"sample_weight spans {positive.min():.3g} to {positive.max():.3g}: "
                    "EasyMKL's QP divides lam by each weight (the ridge lam gamma_i^2 / c_i), "
                    "and weights more than 1 / (float64 epsilon) = 4.5e15 apart make it too "
                    "ill-conditioned to solve. Narrow the range of the weights, or set the "
                    "negligible ones to 0 (a weight of 0 removes a sample).")

    def _fit_task(self, K, s, c, K_sum):
        gamma, weights, objective, gap = solve_easymkl(
            K, s, c, lam=self.lam, K_sum=K_sum, tol=self.tol, max_iter=self.max_iter)
        sol = _svm_on_weights(K, weights, s, c, self.C, self.svm_tol)
        return SolverResult(intercept=sol.intercept, objective=objective, n_iter=1,
                            converged=gap <= self.tol, violation=gap, weights=weights,
                            beta=sol.beta, dual=gamma)

    def _store_results(self, results):
        super()._store_results(results)
        self.gamma_ = np.column_stack([r.dual for r in results])


class AlignfMKLClassifier(_BaseMKL):
    __doc__ = f"""Centered-alignment kernel weights (ALIGNF, Cortes, Mohri & Rostamizadeh, 2012).

    Per task, ``v = argmin_{{v >= 0}} v^T A v - 2 v^T a`` with
    ``A_kl = <K_k,c, K_l,c>_F`` and ``a_k = y^T K_k,c y`` (``K_c = H K H`` the
    centred kernels, ``y`` the signed labels; sample weights weigh the
    centring and the inner products like repeated samples, and are divided by
    their largest value, which leaves ``v`` unchanged), solved exactly as a
    non-negative least-squares problem; the
    weights are ``v`` normalised to sum 1 (the paper's ``v / ||v||`` only
    rescales the combined kernel, which ``C`` absorbs).  Unlike MKLpy's CKA
    the constraint ``v >= 0`` is kept, so the combination is always a valid
    kernel.  Then a libsvm SVM on ``sum_m d_m K_m``.

    Parameters
    ----------
    {_KERNEL_DOC}
    C : float, default=1.0
        Regularisation of the SVM.
    svm_tol : float, default=1e-3
        libsvm's tolerance for the final SVM.
    n_jobs : int, default=None
        Threads used to compute the kernel matrices.

    Attributes
    ----------
    {_ATTRIBUTES_DOC}
    alignment_weights_ : ndarray of shape (n_tasks, n_kernels)
        The unnormalised minimisers ``v`` (non-negative).
    objective_ : ndarray of shape (n_tasks,)
        ``v^T A v - 2 v^T a`` per task (weights divided by their largest value).
    n_iter_ : ndarray of shape (n_tasks,)

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from mtmk import AlignfMKLClassifier
    >>> X, y = load_wine(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), AlignfMKLClassifier()).fit(X, y)
    >>> bool(clf.score(X, y) > 0.95)
    True
    """

    _parameter_constraints = {
        **_BaseMKL._parameter_constraints,
        "C": [Interval(Real, 0, None, closed="neither")],
        "svm_tol": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, kernels=None, C=1.0, svm_tol=1e-3, n_jobs=None):
        self.kernels = kernels
        self.C = C
        self.svm_tol = svm_tol
        self.n_jobs = n_jobs

    def _prepare(self, K):
        return {}

    def _fit_task(self, K, s, c, cache):
        # v does not change when the weights are scaled (A and a scale by the
        # square); weights of largest value 1 keep w_i w_j inside float64
        # (weights of 1e300 overflowed).
        w = c / c.max()
        # A depends on the sample weights only: tasks with the same weights share it.
        key = w.tobytes()
        if key not in cache:
            cache[key] = alignment_matrix(K, w)
        v, objective = solve_alignf(K, s, w, cache[key])
        total = v.sum()
        if total > 0:
            weights = v / total
        else:
            warnings.warn(
                "ALIGNF: no kernel has a positive centred alignment with the labels of a "
                "task (all alignment weights v are 0), so it uses uniform weights 1/M, "
                "i.e. AverageMKLClassifier's model. Check the labels, or add kernels that "
                "vary with them.", UserWarning, stacklevel=4)
            weights = np.full(K.shape[0], 1.0 / K.shape[0])
        sol = _svm_on_weights(K, weights, s, c, self.C, self.svm_tol)
        return SolverResult(intercept=sol.intercept, objective=objective, n_iter=1,
                            converged=True, block_norms=v, weights=weights, beta=sol.beta)

    def _store_results(self, results):
        super()._store_results(results)
        self.alignment_weights_ = np.vstack([r.block_norms for r in results])


class SimpleMKLClassifier(_BaseMKL):
    __doc__ = f"""SimpleMKL (Rakotomamonjy, Bach, Canu & Grandvalet, 2008).

    Per task, minimises over the simplex the SVM dual optimum ``J(d)`` with
    the kernel ``sum_m d_m K_m`` by reduced-gradient descent
    (``dJ/dd_m = -1/2 alpha^T Y K_m Y alpha``, Armijo line search whose trials
    are libsvm solves) and stops when the relative duality gap
    ``(J(d) - 1^T alpha + 1/2 max_m alpha^T Y K_m Y alpha) / J(d)`` is below
    ``tol``.  Equivalent to the hinge loss with the squared l1 block norm
    ``1/2 (sum_m ||f_m||)^2``: a sparse kernel combination.

    Parameters
    ----------
    {_KERNEL_DOC}
    C : float, default=1.0
        Regularisation of the SVM (the weight of the hinge loss).
    tol : float, default=1e-3
        Relative duality gap at which to stop.
    max_iter : int, default=500
        Reduced-gradient steps per task.
    svm_tol : float, default=1e-6
        Tolerance of the inner libsvm solves; keep it well below ``tol``.
    n_jobs : int, default=None
        Threads used to compute the kernel matrices.

    Attributes
    ----------
    {_ATTRIBUTES_DOC}
    objective_ : ndarray of shape (n_tasks,)
        ``J(d)`` at the solution.
    duality_gap_ : ndarray of shape (n_tasks,)
        Relative duality gap reached per task.
    n_iter_ : ndarray of shape (n_tasks,)

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from mtmk import SimpleMKLClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = SimpleMKLClassifier().fit(X, y)
    >>> bool(abs(clf.kernel_weights_.sum() - 1) < 1e-9 and clf.score(X, y) > 0.9)
    True
    """

    _parameter_constraints = {
        **_BaseMKL._parameter_constraints,
        "C": [Interval(Real, 0, None, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "svm_tol": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, kernels=None, C=1.0, tol=1e-3, max_iter=500, svm_tol=1e-6, n_jobs=None):
        self.kernels = kernels
        self.C = C
        self.tol = tol
        self.max_iter = max_iter
        self.svm_tol = svm_tol
        self.n_jobs = n_jobs

    def _fit_task(self, K, s, c, context):
        return solve_simplemkl(K, s, c, C=self.C, tol=self.tol, max_iter=self.max_iter,
                               svm_tol=self.svm_tol)

    def _store_results(self, results):
        super()._store_results(results)
        self.duality_gap_ = np.array([r.violation for r in results])


class LpMKLClassifier(_BaseMKL):
    __doc__ = f"""p-norm MKL (Kloft et al., 2011) solved by SMO (Vishwanathan et al., 2010).

    Per task, solves

        min_{{d >= 0, w, b}} 1/2 sum_m ||w_m||^2 / d_m + C sum_i xi_i + lam/2 ||d||_p^2

    through its smooth dual (p > 1)
    ``max 1^T alpha - 1/(8 lam) ||(alpha^T Y K_m Y alpha)_m||_q^2`` over
    ``0 <= alpha <= C, y^T alpha = 0`` (``1/p + 1/q = 1``) by SMO: pairwise
    updates that keep ``y^T alpha = 0``, a 1-D Newton step per pair, the
    products ``K_m Y alpha`` cached and updated for all kernels at once in
    O(M n) per step.  The weights are
    ``d_m = 1/(2 lam) ||u||_q^(2-q) u_m^(q-1)``, ``u_m = alpha^T Y K_m Y alpha``;
    The formula is derived here (the papers do not state it) as the
    maximiser of the conjugate of ``lam/2 ||d||_p^2``; the test suite checks
    it against the ``d`` of a cvxpy solve of the primal (they agree to 1e-6).
    Small p gives sparse-ish weights, large p nearly uniform ones.

    ``p = 1`` (not smooth) uses SimpleMKL's constrained form instead (``d`` on
    the simplex, ``lam`` unused) with SimpleMKL's own stopping rule: a
    relative duality gap of 1e-3 within 500 reduced-gradient steps.  ``tol``
    and ``max_iter`` measure SMO and do not apply; use
    :class:`SimpleMKLClassifier` to set SimpleMKL's gap and steps.

    Parameters
    ----------
    {_KERNEL_DOC}
    p : float >= 1, default=2.0
        Norm of the kernel weights' regulariser: small p gives sparse-ish weights, large p
        nearly uniform ones; p = 1 uses SimpleMKL's constrained form.
    C : float, default=1.0
        Regularisation of the SVM (the weight of the hinge loss).
    lam : float, default=1.0
        Strength of the ``lam/2 ||d||_p^2`` regulariser (p > 1).
    solver : {{"auto", "smo", "cvxpy"}}, default="auto"
        ``"smo"`` (also ``"auto"`` for p > 1) or the exact cvxpy primal
        (small problems; its intercept comes from the KKT conditions).
    tol : float, default=1e-3
        Largest KKT violation at which SMO stops (libsvm's criterion); p > 1
        only.
    max_iter : int or None, default=None
        SMO steps per task; ``None`` means ``max(100000, 100 n)``; p > 1 only.
    n_jobs : int, default=None
        Threads used to compute the kernel matrices.

    Attributes
    ----------
    {_ATTRIBUTES_DOC}
    objective_ : ndarray of shape (n_tasks,)
        Dual objective (equal to the primal optimum) per task.
    n_iter_ : ndarray of shape (n_tasks,)

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from mtmk import LpMKLClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LpMKLClassifier(p=2).fit(X, y)
    >>> clf.task_kernel_weights_.shape
    (3, 10)
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

    _parameter_constraints = {
        **_BaseMKL._parameter_constraints,
        "p": [Interval(Real, 1, None, closed="left")],
        "C": [Interval(Real, 0, None, closed="neither")],
        "lam": [Interval(Real, 0, None, closed="neither")],
        "solver": [StrOptions({"auto", "smo", "cvxpy"})],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(self, kernels=None, p=2.0, C=1.0, lam=1.0, solver="auto", tol=1e-3,
                 max_iter=None, n_jobs=None):
        self.kernels = kernels
        self.p = p
        self.C = C
        self.lam = lam
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs

    def _check_params(self):
        if not np.isfinite(self.p):
            raise ValueError("p must be finite (p = inf gives uniform weights: use "
                             "AverageMKLClassifier).")
        if self.p == 1 and self.solver == "smo":
            raise ValueError("solver='smo' needs p > 1: the p = 1 dual is not smooth. "
                             "Use solver='auto' (SimpleMKL) or p > 1.")
        if self.p == 1 and (self.max_iter is not None or self.tol != 1e-3):
            raise ValueError(
                f"With p=1 LpMKLClassifier runs SimpleMKL, whose stopping rule is a relative "
                f"duality gap over reduced-gradient steps, not SMO's KKT violation "
                f"(tol={self.tol!r}) and steps (max_iter={self.max_iter!r}). Leave tol and "
                "max_iter at their defaults, or use SimpleMKLClassifier(tol=..., max_iter=...).")

    def _fit_task(self, K, s, c, context):
        if self.p == 1:
            defaults = SimpleMKLClassifier()
            return solve_simplemkl(K, s, c, C=self.C, tol=defaults.tol,
                                   max_iter=defaults.max_iter, svm_tol=defaults.svm_tol)
        if self.solver == "cvxpy":
            from .solvers._mkl_reference import lp_mkl_cvxpy_solution
            return lp_mkl_cvxpy_solution(K, s, c, p=self.p, C=self.C, lam=self.lam)
        return solve_smo(DenseColumns(K), s, c, p=self.p, C=self.C, lam=self.lam,
                         tol=self.tol, max_iter=self.max_iter)
