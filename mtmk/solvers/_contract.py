"""The solver contract: what the solvers ask of datafits and penalties.

:class:`BaseDatafit` and :class:`BasePenalty` list and document every method
and attribute a solver may call.  Each solver declares the subset it uses (the
:class:`Requirements` below) and checks its datafit and penalty once on entry
with :func:`check_contract`.  Inheriting from the base classes is optional:
any object with the required methods and attributes is accepted (duck
typing), and a method the base class only declares is not an implementation.
"""

from dataclasses import dataclass

__all__ = ["BaseDatafit", "BasePenalty", "Requirements", "check_contract", "satisfies"]


class BaseDatafit:
    """Base class of the datafits: the methods and attributes a solver may use.

    A datafit works on a decision matrix ``F`` of shape (n_samples, n_tasks),
    the targets ``Y`` of the same shape and weights ``W`` (each column already
    divided by the task's total weight, so the datafit is
    ``sum_it W_it l(Y_it, F_it)``; a weight of 0 marks a label the task does
    not observe).  Classification datafits take ``Y`` as signs in {-1, +1},
    regression datafits real values.  A subclass implements the methods its
    solvers need (see :func:`check_contract`) and sets the two attributes.

    Attributes
    ----------
    curvature : float
        An upper bound of the second derivative of ``l`` in ``f`` (the safe
        step sizes of the block solvers and the intercept's fallback step).
    classification : bool
        Whether ``Y`` holds signs (classification) or real values (regression).
    """

    def __repr__(self):
        return f"{type(self).__name__}()"

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))

    def value(self, F, Y, W):
        """The datafit ``sum_it W_it l(Y_it, F_it)``.

        Parameters
        ----------
        F, Y, W : ndarray of shape (n_samples, n_tasks)
            Decision values, targets and weights.

        Returns
        -------
        float
        """
        raise NotImplementedError

    def difference(self, F, D, Y, W):
        """Each task's change of the datafit from ``F`` to ``F + D``.

        Computed term by term so that it stays accurate when it is tiny (the
        line searches compare it with a bound near the optimum), never as a
        difference of two values.

        Parameters
        ----------
        F, D, Y, W : ndarray of shape (n_samples, n_tasks)
            Decision values, their change, targets and weights.

        Returns
        -------
        ndarray of shape (n_tasks,)
        """
        raise NotImplementedError

    def gradient(self, F, Y, W):
        """The derivative of the datafit in ``F``.

        Parameters
        ----------
        F, Y, W : ndarray of shape (n_samples, n_tasks)
            Decision values, targets and weights.

        Returns
        -------
        ndarray of shape (n_samples, n_tasks)
        """
        raise NotImplementedError

    def hessian_diagonal(self, F, Y, W):
        """The (generalised) second derivative of the datafit in each ``F_it``.

        Used for curvature-aware steps: the intercepts' Newton steps and the
        block-scale Newton steps.

        Parameters
        ----------
        F, Y, W : ndarray of shape (n_samples, n_tasks)
            Decision values, targets and weights.

        Returns
        -------
        ndarray of shape (n_samples, n_tasks)
        """
        raise NotImplementedError

    def initial_intercept(self, Y, W):
        """The intercepts that minimise the datafit when every kernel block is zero.

        :func:`~mtmk.solvers.lam_max` is exact only if they are the exact
        minimisers.

        Parameters
        ----------
        Y, W : ndarray of shape (n_samples, n_tasks)
            Targets and weights.

        Returns
        -------
        ndarray of shape (n_tasks,)
        """
        raise NotImplementedError

    def conjugate(self, U, Y, W):
        """The convex conjugate ``sum_it W_it l*(Y_it, U_it / W_it)`` at a dual point ``U``.

        Optional: it gives the duality gap of the safe screening on a path
        (:mod:`mtmk.solvers._screening`); without it the path screens by the
        strong rule alone.

        Parameters
        ----------
        U : ndarray of shape (n_samples, n_tasks)
            The dual point (a datafit gradient, rescaled); 0 where ``W`` is.
        Y, W : ndarray of shape (n_samples, n_tasks)
            Targets and weights.

        Returns
        -------
        float
            ``inf`` outside the conjugate's domain.
        """
        raise NotImplementedError

    def cvxpy(self, F, Y, W):
        """The same datafit as a cvxpy expression (the reference solver).

        Parameters
        ----------
        F : cvxpy expression of shape (n_samples, n_tasks)
            Decision values.
        Y, W : ndarray of shape (n_samples, n_tasks)
            Targets and weights.

        Returns
        -------
        cvxpy expression
        """
        raise NotImplementedError


class BasePenalty:
    """Base class of the penalties: the methods and attributes a solver may use.

    Block m holds task t's component ``f_tm`` in the RKHS of kernel m for
    every task.  A penalty sees a block through its task norms
    ``a_tm = ||f_tm||_H`` and, for optimality checks, through three per-task
    statistics in the block's own metric (``g_t`` the datafit gradient,
    ``v_t`` the coefficients): ``g2_t = ||g_t||^2``, ``gv_t = <g_t, v_t>`` and
    ``v2_t = ||v_t||^2``.  A subclass implements the methods its solvers need
    (see :func:`check_contract`); the block solvers need a closed-form
    proximal operator (:meth:`prox_scale`) and the penalty along block scales
    (:meth:`scale_terms`).

    Attributes
    ----------
    separable_tasks : bool
        Whether the penalty is a sum of per-task terms: then every task of a
        block may take its own proximal step and its own block scale.
    """

    separable_tasks = False

    def value(self, task_norms):
        """The penalty at task norms ``a``.

        Parameters
        ----------
        task_norms : ndarray of shape (n_kernels, n_tasks)
            ``||f_tm||_H``.

        Returns
        -------
        float
        """
        raise NotImplementedError

    def kernel_norms(self, task_norms):
        """One size per kernel; the kernel weights are these sizes normalised to sum 1.

        Parameters
        ----------
        task_norms : ndarray of shape (n_kernels, n_tasks)
            ``||f_tm||_H``.

        Returns
        -------
        ndarray of shape (n_kernels,)
        """
        raise NotImplementedError

    def level(self, task_norms):
        """The size of the penalty's force, which makes the stopping rule scale-free.

        Parameters
        ----------
        task_norms : ndarray of shape (n_kernels, n_tasks)
            ``||f_tm||_H``.

        Returns
        -------
        float
        """
        raise NotImplementedError

    def violation(self, m, g2, gv, v2):
        """Distance of minus the datafit gradient to block m's subdifferential.

        Measured in the block's metric; zero at the optimum.

        Parameters
        ----------
        m : int
            The block (kernel).
        g2, gv, v2 : ndarray of shape (n_tasks,)
            ``||g_t||^2``, ``<g_t, v_t>`` and ``||v_t||^2`` in the block's metric.

        Returns
        -------
        float
        """
        raise NotImplementedError

    def dual_norm(self, m, g_norms):
        """The dual norm of block m's norm at gradient task norms ``g_norms``.

        A block is zero at the optimum when it is at most the penalty level,
        which gives :func:`~mtmk.solvers.lam_max`.

        Parameters
        ----------
        m : int
            The block (kernel).
        g_norms : ndarray of shape (n_tasks,)
            ``||g_t||`` in the block's metric.

        Returns
        -------
        float
        """
        raise NotImplementedError

    def prox_scale(self, m, z_norms, step):
        """Per-task factors ``c_t``: ``c_t z_t`` is the proximal point of ``step * penalty``.

        At a block ``z`` whose task norms are ``z_norms``.  A penalty that acts
        on norms only has a proximal operator that rescales each task's
        component.

        Parameters
        ----------
        m : int
            The block (kernel).
        z_norms : ndarray of shape (n_tasks,)
            Task norms of the point to map.
        step : float or ndarray of shape (n_tasks,)
            Step size (one per task when :attr:`separable_tasks`).

        Returns
        -------
        ndarray of shape (n_tasks,)
        """
        raise NotImplementedError

    def scale_terms(self, m, a):
        """Block m's penalty along the scales of its task norms, exactly.

        With task norms ``s a`` the penalty of block m is ``P0 + sum A s + B s^2``
        for ``s >= 0``; the block solvers' scale step minimises over ``s``.
        Without :attr:`separable_tasks` there is one scale ``s`` shared by
        all tasks, else one per task.

        Parameters
        ----------
        m : int
            The block (kernel).
        a : ndarray of shape (n_tasks,)
            The block's task norms at ``s = 1``.

        Returns
        -------
        A, B : ndarray of shape (n_tasks,) or (1,)
            One coefficient per task with :attr:`separable_tasks`, else one.
        """
        raise NotImplementedError

    def conjugate(self, m, g_norms):
        """The convex conjugate of block m's penalty at a gradient with task norms ``g_norms``.

        Optional, for the safe screening on a path, with :meth:`datafit.conjugate
        <BaseDatafit.conjugate>`.

        Parameters
        ----------
        m : int
            The block (kernel).
        g_norms : ndarray of shape (n_tasks,)
            ``||g_t||`` in the block's metric.

        Returns
        -------
        float
            ``inf`` outside the conjugate's domain.
        """
        raise NotImplementedError

    def cvxpy(self, m, V):
        """Block m's penalty as a cvxpy expression (the reference solver).

        Parameters
        ----------
        m : int
            The block (kernel).
        V : cvxpy variable of shape (rank_m, n_tasks)
            The block's factor variables (``||f_tm||_H = ||V[:, t]||``).

        Returns
        -------
        cvxpy expression
        """
        raise NotImplementedError


@dataclass(frozen=True)
class Requirements:
    """What one solver uses of its datafit and penalty.

    Parameters
    ----------
    solver : str
        The solver's name, for error messages.
    datafit : tuple of str
        Methods and attributes of the datafit it uses.
    penalty : tuple of str
        Methods and attributes of the penalty it uses.
    hint : str, default=""
        What to do instead, appended to the error message.
    """

    solver: str
    datafit: tuple
    penalty: tuple
    hint: str = ""


# Attributes are data, everything else a method; a method still the base
# class's declaration counts as missing.
_ATTRIBUTES = {"curvature", "classification", "separable_tasks", "lam", "lam_ridge", "weights",
               "p", "q"}

_CLOSED_FORM = ("Penalties without a closed-form proximal operator (LpLqPenalty) are "
                "minimised by solve_lplq.")

SOLVE_BCD = Requirements(
    "solve_bcd",
    datafit=("value", "difference", "gradient", "hessian_diagonal", "initial_intercept",
             "curvature"),
    penalty=("value", "kernel_norms", "level", "violation", "prox_scale", "scale_terms",
             "separable_tasks"),
    hint=_CLOSED_FORM)
SOLVE_ROWS = Requirements(
    "solve_rows", datafit=SOLVE_BCD.datafit + ("classification",), penalty=SOLVE_BCD.penalty,
    hint=_CLOSED_FORM)
SOLVE_NEWTON = Requirements(
    "solve_newton", datafit=SOLVE_BCD.datafit,
    penalty=("value", "kernel_norms", "level", "violation", "separable_tasks", "lam",
             "lam_ridge", "weights"),
    hint="solve_newton needs a weighted sum of block norms plus a ridge term "
         "(GroupPenalty, TaskGroupPenalty).")
SOLVE_LPLQ = Requirements(
    "solve_lplq", datafit=("value", "gradient", "hessian_diagonal", "initial_intercept"),
    penalty=("value", "kernel_norms", "lam", "p", "q"),
    hint="solve_lplq minimises the lp-lq penalty (LpLqPenalty); use solve_bcd for others.")
SOLVE_CVXPY = Requirements(
    "solve_cvxpy", datafit=("cvxpy", "value", "gradient"),
    penalty=("cvxpy", "value", "kernel_norms", "level", "violation"))
LAM_MAX = Requirements("lam_max", datafit=("initial_intercept", "gradient"),
                       penalty=("dual_norm",))
GAP_SAFE = Requirements(
    "gap safe screening", datafit=("value", "gradient", "conjugate", "curvature"),
    penalty=("value", "dual_norm", "conjugate"))


def _missing(obj, names, base):
    missing = []
    for name in names:
        if name in _ATTRIBUTES:
            if not hasattr(obj, name):
                missing.append(name)
            continue
        method = getattr(obj, name, None)
        declared = vars(base).get(name)
        if not callable(method) or (declared is not None
                                    and getattr(type(obj), name, None) is declared):
            missing.append(name)
    return missing


def satisfies(requirements, datafit, penalty):
    """Whether a datafit and a penalty have everything ``requirements`` lists (no error).

    Parameters
    ----------
    requirements : Requirements
        The declaration.
    datafit, penalty : object
        The building blocks.

    Returns
    -------
    bool
    """
    return not (_missing(datafit, requirements.datafit, BaseDatafit)
                or _missing(penalty, requirements.penalty, BasePenalty))


def check_contract(requirements, datafit, penalty):
    """Refuse a datafit or penalty that lacks what a solver uses.

    Called once on entry by every solver.  Objects need not inherit from
    :class:`BaseDatafit` or :class:`BasePenalty`: having the methods and
    attributes is enough (a method the base class only declares does not
    count).

    Parameters
    ----------
    requirements : Requirements
        The solver's declaration.
    datafit : object
        The datafit handed to the solver.
    penalty : object
        The penalty handed to the solver.

    Raises
    ------
    TypeError
        Naming the solver, the object and its missing methods or attributes:
        the object is of a kind the solver cannot use, whatever its values (as
        Python raises ``TypeError`` for an unsupported operation, and
        scikit-learn for a pipeline step without ``fit``).
    """
    problems = []
    for role, obj, names, base in (("datafit", datafit, requirements.datafit, BaseDatafit),
                                   ("penalty", penalty, requirements.penalty, BasePenalty)):
        missing = _missing(obj, names, base)
        if missing:
            problems.append(f"the {role} {obj!r} lacks {', '.join(missing)} (it needs "
                            f"{', '.join(names)}; see mtmk.solvers.{base.__name__})")
    if problems:
        hint = f" {requirements.hint}" if requirements.hint else ""
        raise TypeError(f"{requirements.solver}: " + "; ".join(problems) + "." + hint)
