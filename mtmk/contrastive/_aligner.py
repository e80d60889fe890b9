"""ContrastiveAligner: CLIP-style two-view embeddings with kernel encoders."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .._sklearn_compat import Interval, StrOptions, _fit_context
from ._encoders import make_feature_map
from ._objectives import OBJECTIVES, normalize_rows, normalize_rows_backward
from ._two_view import TwoViewEmbedding
from ._validation import validate_views, validate_y

# Training losses are averaged over windows of this many steps before the
# stopping rule looks at them: single minibatch losses are too noisy.
_WINDOW = 50


class _Adam:
    """Adam (Kingma and Ba) for a list of arrays, updated in place."""

    def __init__(self, params, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
        self.params = params
        self.lr, self.beta1, self.beta2, self.eps = learning_rate, beta1, beta2, eps
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        # Bias corrections folded into the step size.
        step = self.lr * np.sqrt(1 - self.beta2 ** self.t) / (1 - self.beta1 ** self.t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            p -= step * m / (np.sqrt(v) + self.eps)


def head_loss_and_gradients(Phi, Psi, Wx, Wy, loss="clip", tau=1 / 14.3, reg=0.1, beta=14.3):
    """Loss of one batch and its gradients in the two linear heads.

    ``U = rn(Phi Wx)``, ``V = rn(Psi Wy)`` (unit rows); the objective's
    gradients are pulled back through the normalisation and the heads.

    Returns
    -------
    loss : float
    grad_x : ndarray, shape of Wx
    grad_y : ndarray, shape of Wy
    """
    U, nu = normalize_rows(Phi @ Wx)
    V, nv = normalize_rows(Psi @ Wy)
    value, dU, dV = OBJECTIVES[loss](U, V, tau, reg, beta)
    return (value, Phi.T @ normalize_rows_backward(dU, U, nu),
            Psi.T @ normalize_rows_backward(dV, V, nv))


class ContrastiveAligner(TwoViewEmbedding, ClassNamePrefixFeaturesOutMixin, TransformerMixin,
                         BaseEstimator):
    """Two-view contrastive embeddings (CLIP, regularised CLIP, InfoLOOB, CLOOB).

    Each view has a kernel encoder ``g(x) = W_x^T phi(x)``, ``h(y) = W_y^T psi(y)``:
    a fixed feature map (linear, Nystroem or random Fourier features) and a
    learned linear head.  Embeddings are normalised to unit length and the
    heads are trained by minibatch Adam on hand-written analytic gradients of
    the chosen loss with the logits ``S = U V^T / tau``.

    Parameters
    ----------
    loss : {"clip", "clip_reg", "infoloob", "cloob"}, default="clip"
        ``"clip"``: symmetric InfoNCE.  ``"clip_reg"``: InfoNCE plus
        ``reg * mean ||u_i - v_i||^2`` on positive pairs (Chen et al.; the
        exact form is a reconstruction).  ``"infoloob"``: InfoLOOB, the
        positive left out of the denominators.  ``"cloob"``: InfoLOOB on
        modern-Hopfield retrievals with the minibatch as memory.
    n_components : int, default=32
        Embedding dimension; at most the feature dimension of each view.
    tau : float, default=1/14.3
        Temperature (CLOOB's default ``1/tau = 14.3``).
    reg : float, default=0.1
        Weight of the positive-pair penalty (``loss="clip_reg"`` only).
    beta : float, default=14.3
        Inverse temperature of the Hopfield retrieval (``loss="cloob"`` only).
    feature_map : {"linear", "nystroem", "rff"}, default="linear"
        Feature map of both views.  ``"linear"`` standardises the columns.
    n_features : int, default=256
        Feature dimension of the Nystroem / random Fourier maps.
    gamma : float or None, default=None
        RBF width of the kernel maps; ``None`` is the median heuristic per view.
    batch_size : int, default=256
        Pairs per minibatch (capped at the number of samples); every pair of a
        batch is a negative for the others.
    max_iter : int, default=1000
        Number of Adam steps.
    learning_rate : float, default=0.01
        Adam step size.
    tol : float or None, default=1e-4
        Stop when the loss averaged over windows of 50 steps has not improved
        by more than ``tol * max(1, |best|)`` for ``n_iter_no_change``
        consecutive windows.  ``None`` always runs ``max_iter`` steps.
    n_iter_no_change : int, default=5
        Windows without improvement before stopping (see ``tol``).
    random_state : int, RandomState instance or None, default=None
        Seeds the feature maps, the initial heads and the minibatches.
    verbose : int, default=0
        Print the windowed loss every ``verbose`` windows.

    Attributes
    ----------
    x_weights_ : ndarray of shape (n_features_x, n_components)
        Head of the first view (acting on the feature map's output).
    y_weights_ : ndarray of shape (n_features_y, n_components)
        Head of the second view.
    x_feature_map_, y_feature_map_ : transformer
        The fitted feature maps.
    loss_curve_ : ndarray
        Training loss averaged over consecutive windows of 50 steps.
    n_iter_ : int
        Adam steps taken.
    n_features_in_ : int
        Number of features of X.
    n_features_y_in_ : int
        Number of features of Y.

    See Also
    --------
    MMCL : closed-form (SVD) multimodal contrastive learning.

    Examples
    --------
    >>> from mtmk.contrastive import ContrastiveAligner, make_latent_pairs
    >>> data = make_latent_pairs(n_samples=500, random_state=0)
    >>> model = ContrastiveAligner(n_components=8, max_iter=100, tol=None, random_state=0)
    >>> U, V = model.fit(data.X, data.Y).transform(data.X, data.Y)
    >>> U.shape, V.shape
    ((500, 8), (500, 8))
    """

    _parameter_constraints = {
        "loss": [StrOptions({"clip", "clip_reg", "infoloob", "cloob"})],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "tau": [Interval(Real, 0, None, closed="neither")],
        "reg": [Interval(Real, 0, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="neither")],
        "feature_map": [StrOptions({"linear", "nystroem", "rff"})],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "gamma": [Interval(Real, 0, None, closed="neither"), None],
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, loss="clip", n_components=32, tau=1 / 14.3, reg=0.1, beta=14.3,
                 feature_map="linear", n_features=256, gamma=None, batch_size=256,
                 max_iter=1000, learning_rate=0.01, tol=1e-4, n_iter_no_change=5,
                 random_state=None, verbose=0):
        self.loss = loss
        self.n_components = n_components
        self.tau = tau
        self.reg = reg
        self.beta = beta
        self.feature_map = feature_map
        self.n_features = n_features
        self.gamma = gamma
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, Y):
        """Learn the two encoders from paired samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_x)
            First view (e.g. images).
        Y : array-like of shape (n_samples, n_features_y)
            Second view; row i is paired with row i of X.

        Returns
        -------
        self : ContrastiveAligner
        """
        X, Y = validate_views(self, X, Y)
        rng = check_random_state(self.random_state)
        map_x = make_feature_map(self.feature_map, self.n_features, self.gamma,
                                 rng.randint(np.iinfo(np.int32).max))
        map_y = make_feature_map(self.feature_map, self.n_features, self.gamma,
                                 rng.randint(np.iinfo(np.int32).max))
        Fx = map_x.fit_transform(X)
        Fy = map_y.fit_transform(Y)
        limit = min(Fx.shape[1], Fy.shape[1])
        if self.n_components > limit:
            raise ValueError(
                f"n_components={self.n_components} is larger than the feature dimension "
                f"of a view (X: {Fx.shape[1]}, Y: {Fy.shape[1]} with feature_map="
                f"{self.feature_map!r}); choose n_components <= {limit}"
                + (" or a larger n_features." if self.feature_map != "linear" else "."))

        Wx = rng.normal(size=(Fx.shape[1], self.n_components)) / np.sqrt(Fx.shape[1])
        Wy = rng.normal(size=(Fy.shape[1], self.n_components)) / np.sqrt(Fy.shape[1])
        Wx, Wy, curve, n_iter, converged = self._train(Fx, Fy, Wx, Wy, rng)
        if not converged and self.tol is not None:
            warnings.warn(
                f"ContrastiveAligner stopped after max_iter={self.max_iter} steps while "
                "the training loss was still decreasing; increase max_iter or "
                "learning_rate (or set tol=None to silence this).", ConvergenceWarning)
        self.x_feature_map_, self.y_feature_map_ = map_x, map_y
        self.x_weights_, self.y_weights_ = Wx, Wy
        self.loss_curve_ = np.asarray(curve)
        self.n_iter_ = n_iter
        self._n_features_out = self.n_components
        return self

    def _train(self, Fx, Fy, Wx, Wy, rng):
        """Minibatch Adam on the heads; returns heads, loss curve, steps, converged."""
        n = Fx.shape[0]
        batch = min(self.batch_size, n)
        adam = _Adam([Wx, Wy], self.learning_rate)
        order, pos = rng.permutation(n), 0
        window, curve = [], []
        best, stale = np.inf, 0
        for step in range(1, self.max_iter + 1):
            if pos + batch > n:
                order, pos = rng.permutation(n), 0
            rows = order[pos:pos + batch]
            pos += batch
            value, gx, gy = head_loss_and_gradients(Fx[rows], Fy[rows], Wx, Wy, self.loss,
                                                    self.tau, self.reg, self.beta)
            adam.step([gx, gy])
            window.append(value)
            if len(window) == _WINDOW:
                mean = float(np.mean(window))
                curve.append(mean)
                window = []
                if self.verbose and len(curve) % self.verbose == 0:
                    print(f"[ContrastiveAligner] step {step}: loss {mean:.5f}")
                if self.tol is not None:
                    if mean < best - self.tol * max(1.0, abs(best)):
                        best, stale = mean, 0
                    else:
                        stale += 1
                        if stale >= self.n_iter_no_change:
                            return Wx, Wy, curve, step, True
        if window:
            curve.append(float(np.mean(window)))
        return Wx, Wy, curve, self.max_iter, False

    # ------------------------------------------------------------ transform
    def embed_x(self, X):
        """Unit-length embeddings of first-view samples, shape (n, n_components).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_x)
            First-view samples.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return normalize_rows(self.x_feature_map_.transform(X) @ self.x_weights_)[0]

    def embed_y(self, Y):
        """Unit-length embeddings of second-view samples, shape (n, n_components).

        Parameters
        ----------
        Y : array-like of shape (n_samples_y, n_features_y)
            Second-view samples.
        """
        check_is_fitted(self)
        Y = validate_y(self, Y)
        return normalize_rows(self.y_feature_map_.transform(Y) @ self.y_weights_)[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags
