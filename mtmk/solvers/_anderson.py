"""Anderson extrapolation of a fixed-point iteration (one helper for every solver).

Given the last ``depth + 1`` iterates ``x_0..x_depth`` of a convergent
iteration, the extrapolated point is ``sum_k c_k x_k`` (over the last
``depth`` iterates) with the weights ``c`` (summing to 1) that minimise the
norm of the combined successive differences (Anderson 1965; the form used for
coordinate descent by Bertrand & Massias, AISTATS 2021).  The norm may be a
problem's own metric: each iterate comes with a "metric image" ``y`` (e.g.
``K alpha`` for dual coefficients ``alpha``), and differences are compared by
``<dx, dy>``; in plain coordinates the directions a kernel barely sees would
dominate.
"""

import numpy as np


class Anderson:
    """Anderson extrapolation over the last ``depth + 1`` iterates.

    Parameters
    ----------
    depth : int
        Number of successive differences combined.
    """

    def __init__(self, depth):
        self.depth = depth
        self.reset()

    def reset(self):
        """Forget the history (e.g. after the support of the iterate changed)."""
        self._x, self._y = [], []

    def push(self, x, y=None):
        """Record an iterate ``x`` (any shape) and its metric image ``y`` (default ``x``)."""
        self._x.append(np.array(x, dtype=float).ravel())
        self._y.append(self._x[-1] if y is None else np.array(y, dtype=float).ravel())
        if len(self._x) > self.depth + 1:
            self._x.pop(0)
            self._y.pop(0)

    def extrapolate_weights(self):
        """The extrapolated ``x`` (flat) and the weights ``c`` of the last ``depth`` iterates.

        ``None`` until enough iterates; the history is cleared after a
        successful extrapolation.  Anything affine in ``x`` extrapolates with
        the same weights.
        """
        if len(self._x) < self.depth + 1:
            return None
        dX = np.diff(np.array(self._x), axis=0)
        dY = np.diff(np.array(self._y), axis=0)
        C = dX @ dY.T
        C = 0.5 * (C + C.T)
        try:
            z = np.linalg.solve(C + 1e-10 * max(np.trace(C), 1e-300) * np.eye(self.depth),
                                np.ones(self.depth))
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(z)) or abs(z.sum()) < 1e-300:
            return None
        c = z / z.sum()
        return c @ np.array(self._x[1:]), c

    def extrapolate(self):
        """The extrapolated ``(x, y)`` (flat), or ``None`` until enough iterates.

        The history is cleared after a successful extrapolation.
        """
        result = self.extrapolate_weights()
        if result is None:
            return None
        x, c = result
        y = c @ np.array(self._y[1:])
        self.reset()
        return x, y
