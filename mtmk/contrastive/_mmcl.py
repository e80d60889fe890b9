"""MMCL: multimodal contrastive learning as an SVD (Nakada et al.)."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .._sklearn_compat import Interval, StrOptions, _fit_context
from ._encoders import make_feature_map
from ._objectives import normalize_rows, softmax
from ._two_view import TwoViewEmbedding
from ._validation import validate_views, validate_y


def contrastive_cross_covariance(X, Y):
    """``S_n = (1/n) sum_i x_i y_i^T - 1/(n(n-1)) sum_{i != j} x_i y_j^T``.

    Equal to the unbiased centred cross-covariance ``np.cov(X.T, Y.T)[:d1, d1:]``
    and to ``X^T W Y`` with the weights of the linear loss (see
    :func:`contrastive_weights`).

    Parameters
    ----------
    X : ndarray of shape (n, d1)
        First view; row i is paired with row i of Y.
    Y : ndarray of shape (n, d2)
        Second view.

    Examples
    --------
    >>> import numpy as np
    >>> from mtmk.contrastive import contrastive_cross_covariance
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 2))
    >>> np.allclose(contrastive_cross_covariance(X, Y), np.cov(X.T, Y.T)[:3, 3:])
    True
    """
    n = X.shape[0]
    Xc = X - X.mean(axis=0)
    Yc = Y - Y.mean(axis=0)
    return Xc.T @ Yc / (n - 1)


def contrastive_weights(S, loss="clip", tau=1.0):
    """Weights ``W = -dL/dS`` that turn a gradient step into an SVD.

    For a loss of the similarity matrix ``S`` (n x n, ``S_ij = <g(x_i), h(y_j)>``)
    the gradient in the encoders equals that of the linear surrogate
    ``-tr(G1 X^T W Y G2^T)``.

    ``loss="linear"``: ``W = I/n - (11^T - I)/(n(n-1))`` (constant);
    ``loss="clip"``: ``W = ((I - softmax_rows(S/tau)) + (I - softmax_cols(S/tau))) / (2n)``.

    Parameters
    ----------
    S : ndarray of shape (n, n)
        Similarities of all pairs, ``S_ij = <g(x_i), h(y_j)>``.
    loss : {"clip", "linear"}, default="clip"
        The contrastive loss.
    tau : float, default=1.0
        Temperature of CLIP's loss.
    """
    n = S.shape[0]
    if loss == "linear":
        W = np.full((n, n), -1.0 / (n * (n - 1)))
        W[np.diag_indices(n)] = 1.0 / n
        return W
    W = -(softmax(S / tau, 1) + softmax(S / tau, 0))
    W[np.diag_indices(n)] += 2.0
    W /= 2.0 * n
    return W


def _top_svd(B, r):
    U, s, Vt = np.linalg.svd(B, full_matrices=False)
    # Fix signs (largest entry of each left vector positive) for reproducibility.
    signs = np.sign(U[np.argmax(np.abs(U[:, :r]), axis=0), np.arange(r)])
    signs[signs == 0] = 1.0
    return U[:, :r] * signs, s[:r], Vt[:r].T * signs


class MMCL(TwoViewEmbedding, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Multimodal contrastive learning in closed form (Nakada et al., 2023).

    Linear encoders ``g(x) = G1 x``, ``h(y) = G2 y`` minimising the linear
    contrastive loss ``-mean_i s_ii + mean_{i != j} s_ij + (rho/2) ||G1^T G2||_F^2``
    have ``G1^T G2 = SVD_r(S_n) / rho`` with ``S_n`` the centred sample
    cross-covariance: linear MMCL spans the same subspaces as PLS-SVD.  With a
    kernel, the same SVD is taken in a Nystroem or random Fourier feature
    space (the top-r SVD of ``K_X^{1/2} C K_Y^{1/2}`` has the same singular
    values).  ``loss="clip"`` replaces the linear loss by CLIP's and iterates
    "every gradient step is an SVD": ``G1^T G2 <- SVD_r(X^T W(S) Y) / rho``
    (damped, see ``step_size``)
    with ``W`` from :func:`contrastive_weights`.

    Unpaired samples of either view (``fit(X, Y, X_unpaired=..., Y_unpaired=...)``)
    are used as in the authors' notebooks: after fitting on the pairs, batches
    of ``m`` unpaired x's and ``m`` unpaired y's are embedded, the ``m``
    largest entries of each ``m x m`` similarity matrix are taken as positive
    pairs, and the model is refitted on the true plus detected pairs; this is
    repeated ``n_unpaired_rounds`` times.

    Parameters
    ----------
    n_components : int, default=2
        Rank r of the embedding.  At most ``min(n_samples, d_x, d_y)`` (feature
        dimensions after the kernel map).
    rho : float, default=1.0
        Strength of the ``||G1^T G2||_F^2`` penalty; scales the embeddings.
    kernel : {None, "linear", "rbf"}, default=None
        ``None``/``"linear"``: linear MMCL on the raw features.  ``"rbf"``:
        kernel MMCL with an RBF kernel on each view.
    kernel_approximation : {"nystroem", "rff"}, default="nystroem"
        Finite-dimensional map used for ``kernel="rbf"``.
    n_kernel_features : int, default=200
        Dimension of that map.
    gamma : float or None, default=None
        RBF width; ``None`` is the median heuristic per view.
    loss : {"linear", "clip"}, default="linear"
        ``"linear"`` is the closed form; ``"clip"`` runs the SVD iteration.
    tau : float, default=1.0
        CLIP temperature (``loss="clip"``).
    max_iter : int, default=100
        SVD iterations for ``loss="clip"``.
    step_size : float in (0, 1], default=0.5
        Damping of the SVD iteration:
        ``B <- (1 - step_size) B + step_size X^T W(S) Y``, ``G1^T G2 = SVD_r(B) / rho``.
        The fixed point does not depend on it; 1 is the undamped iteration,
        which can oscillate when ``S / tau`` is large.
    tol : float, default=1e-6
        Stop the iteration when ``||M_new - M||_F <= tol * ||M||_F`` with
        ``M = G1^T G2``.
    n_unpaired_rounds : int, default=3
        Rounds of pair detection when unpaired samples are given.
    unpaired_batch_size : int or None, default=None
        Batch size m of pair detection; ``None`` uses all unpaired samples
        (``min(n_x, n_y)``) in one batch.
    detection_similarity : {"cosine", "inner"}, default="cosine"
        Similarity used to detect pairs among unpaired samples.  With raw
        inner products the largest entries come from a few high-norm samples
        (measured on the Nakada model: the detected pairs then made the
        subspace worse); cosine similarity spreads the detections.
    random_state : int, RandomState instance or None, default=None
        Seeds the kernel maps and the batches of pair detection.

    Attributes
    ----------
    x_weights_ : ndarray of shape (d_x, n_components)
        Left singular vectors (orthonormal): the view-1 subspace.
    y_weights_ : ndarray of shape (d_y, n_components)
        Right singular vectors: the view-2 subspace.
    singular_values_ : ndarray of shape (n_components,)
        Top singular values of the (weighted) cross-covariance.
    coef_ : ndarray of shape (d_x, d_y)
        ``G1^T G2``; the similarity of x and y is ``x_c^T coef_ y_c``.
    x_mean_, y_mean_ : ndarray
        Feature means used for centring.
    detected_pairs_ : tuple of two int arrays
        Indices into ``X_unpaired`` and ``Y_unpaired`` of the pairs detected in
        the last round (empty without unpaired data).
    n_iter_ : int
        SVD iterations of the last solve (1 for the closed form).

    Examples
    --------
    >>> from mtmk.contrastive import MMCL, make_nakada_linear
    >>> data = make_nakada_linear(n_samples=500, random_state=0)
    >>> model = MMCL(n_components=10).fit(data.X, data.Y)
    >>> model.x_weights_.shape
    (40, 10)
    """

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "rho": [Interval(Real, 0, None, closed="neither")],
        "kernel": [StrOptions({"linear", "rbf"}), None],
        "kernel_approximation": [StrOptions({"nystroem", "rff"})],
        "n_kernel_features": [Interval(Integral, 1, None, closed="left")],
        "gamma": [Interval(Real, 0, None, closed="neither"), None],
        "loss": [StrOptions({"linear", "clip"})],
        "tau": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "step_size": [Interval(Real, 0, 1, closed="right")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_unpaired_rounds": [Interval(Integral, 1, None, closed="left")],
        "unpaired_batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "detection_similarity": [StrOptions({"cosine", "inner"})],
        "random_state": ["random_state"],
    }

    def __init__(self, n_components=2, rho=1.0, kernel=None, kernel_approximation="nystroem",
                 n_kernel_features=200, gamma=None, loss="linear", tau=1.0, max_iter=100,
                 step_size=0.5, tol=1e-6, n_unpaired_rounds=3, unpaired_batch_size=None,
                 detection_similarity="cosine", random_state=None):
        self.n_components = n_components
        self.rho = rho
        self.kernel = kernel
        self.kernel_approximation = kernel_approximation
        self.n_kernel_features = n_kernel_features
        self.gamma = gamma
        self.loss = loss
        self.tau = tau
        self.max_iter = max_iter
        self.step_size = step_size
        self.tol = tol
        self.n_unpaired_rounds = n_unpaired_rounds
        self.unpaired_batch_size = unpaired_batch_size
        self.detection_similarity = detection_similarity
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, Y, X_unpaired=None, Y_unpaired=None):
        """Fit on paired samples, optionally adding unpaired samples of both views.

        Parameters
        ----------
        X : array-like of shape (n_samples, d_x)
            First view.
        Y : array-like of shape (n_samples, d_y)
            Row i of Y is paired with row i of X.
        X_unpaired : array-like of shape (n_x, d_x), default=None
            First-view samples without known partners.
        Y_unpaired : array-like of shape (n_y, d_y), default=None
            Samples of each view without known partners; give both or neither.

        Returns
        -------
        self : MMCL
        """
        X, Y = validate_views(self, X, Y)
        if (X_unpaired is None) != (Y_unpaired is None):
            raise ValueError("Pass both X_unpaired and Y_unpaired (unpaired samples of "
                             "each view), or neither.")
        rng = check_random_state(self.random_state)
        self._map_x = self._make_map(rng)
        self._map_y = self._make_map(rng)
        Fx = self._map_x.fit_transform(X)
        Fy = self._map_y.fit_transform(Y)
        limit = min(X.shape[0], Fx.shape[1], Fy.shape[1])
        if self.n_components > limit:
            raise ValueError(
                f"n_components={self.n_components} is larger than this data allows: "
                f"min(n_samples={X.shape[0]}, features of X={Fx.shape[1]}, features of "
                f"Y={Fy.shape[1]}) = {limit}. Choose n_components <= {limit}.")
        self._solve(Fx, Fy)
        self.detected_pairs_ = (np.empty(0, dtype=int), np.empty(0, dtype=int))
        if X_unpaired is not None:
            Xu = check_array(X_unpaired, dtype=np.float64, input_name="X_unpaired")
            Yu = check_array(Y_unpaired, dtype=np.float64, input_name="Y_unpaired")
            if Xu.shape[1] != X.shape[1] or Yu.shape[1] != Y.shape[1]:
                raise ValueError(
                    f"Unpaired samples must have the views' feature counts: X_unpaired "
                    f"has {Xu.shape[1]} (X: {X.shape[1]}), Y_unpaired has {Yu.shape[1]} "
                    f"(Y: {Y.shape[1]}).")
            Fxu, Fyu = self._map_x.transform(Xu), self._map_y.transform(Yu)
            for _ in range(self.n_unpaired_rounds):
                ix, iy = self._detect_pairs(Fxu, Fyu, rng)
                self._solve(np.vstack([Fx, Fxu[ix]]), np.vstack([Fy, Fyu[iy]]))
                self.detected_pairs_ = (ix, iy)
        self._n_features_out = self.n_components
        return self

    def _make_map(self, rng):
        seed = rng.randint(np.iinfo(np.int32).max)
        if self.kernel in (None, "linear"):
            return _Identity()
        return make_feature_map(self.kernel_approximation, self.n_kernel_features,
                                self.gamma, seed)

    def _solve(self, Fx, Fy):
        """Closed form (and, for CLIP, the SVD iteration) on feature matrices."""
        r = self.n_components
        self.x_mean_, self.y_mean_ = Fx.mean(axis=0), Fy.mean(axis=0)
        Xc, Yc = Fx - self.x_mean_, Fy - self.y_mean_
        B = Xc.T @ Yc / (Fx.shape[0] - 1)
        U, s, V = _top_svd(B, r)
        n_iter = 1
        if self.loss == "clip":
            M = (U * s) @ V.T / self.rho
            for n_iter in range(2, self.max_iter + 2):
                scale = np.sqrt(s / self.rho)
                S = (Xc @ (U * scale)) @ (Yc @ (V * scale)).T
                W = contrastive_weights(S, "clip", self.tau)
                # Damped: average the weighted cross-covariance.  A fixed point
                # satisfies B = X^T W(B) Y whatever the step size; undamped
                # iterations can oscillate when the softmax is sharp.
                B = (1 - self.step_size) * B + self.step_size * (Xc.T @ (W @ Yc))
                U, s, V = _top_svd(B, r)
                M_new = (U * s) @ V.T / self.rho
                change = np.linalg.norm(M_new - M)
                M = M_new
                if change <= self.tol * max(np.linalg.norm(M), 1e-300):
                    break
            else:
                warnings.warn(
                    f"MMCL's SVD iteration did not converge in max_iter={self.max_iter} "
                    f"iterations (last relative change {change / np.linalg.norm(M):.2e}); "
                    "increase max_iter, rho or tau, or lower step_size.", ConvergenceWarning)
        self.x_weights_, self.y_weights_, self.singular_values_ = U, V, s
        self.coef_ = (U * s) @ V.T / self.rho
        self.n_iter_ = n_iter

    def _detect_pairs(self, Fxu, Fyu, rng):
        """The m largest similarities of each m x m batch as positive pairs."""
        Ex = self._embed(Fxu, self.x_mean_, self.x_weights_)
        Ey = self._embed(Fyu, self.y_mean_, self.y_weights_)
        if self.detection_similarity == "cosine":
            Ex, Ey = normalize_rows(Ex)[0], normalize_rows(Ey)[0]
        n_pool = min(len(Ex), len(Ey))
        m = n_pool if self.unpaired_batch_size is None else min(self.unpaired_batch_size, n_pool)
        px, py = rng.permutation(len(Ex)), rng.permutation(len(Ey))
        found_x, found_y = [], []
        for start in range(0, n_pool - m + 1, m):  # a loop over batches, not samples
            bx, by = px[start:start + m], py[start:start + m]
            S = Ex[bx] @ Ey[by].T
            top = np.argpartition(S.ravel(), -m)[-m:]
            rows, cols = np.unravel_index(top, S.shape)
            found_x.append(bx[rows])
            found_y.append(by[cols])
        return np.concatenate(found_x), np.concatenate(found_y)

    def _embed(self, F, mean, weights):
        return (F - mean) @ (weights * np.sqrt(self.singular_values_ / self.rho))

    # ------------------------------------------------------------ transform
    def embed_x(self, X):
        """Embeddings ``G1 (phi(x) - mean)`` of first-view samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_x)
            First-view samples.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self._embed(self._map_x.transform(X), self.x_mean_, self.x_weights_)

    def embed_y(self, Y):
        """Embeddings ``G2 (psi(y) - mean)`` of second-view samples.

        Parameters
        ----------
        Y : array-like of shape (n_samples_y, n_features_y)
            Second-view samples.
        """
        check_is_fitted(self)
        Y = validate_y(self, Y)
        return self._embed(self._map_y.transform(Y), self.y_mean_, self.y_weights_)


class _Identity:
    """The linear kernel's feature map: the inputs themselves."""

    def fit_transform(self, X):
        return X

    def transform(self, X):
        return X
