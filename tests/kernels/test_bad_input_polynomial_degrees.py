"""Polynomial degrees that are not a flat sequence of integers >= 1 are refused
with a message that says what the degrees must be."""

import numpy as np
import pytest

from mtmk import KernelDictionary, MTMKClassifier

rng = np.random.default_rng(0)
X = rng.normal(size=(20, 3))
y = (X[:, 0] > 0).astype(int)
DEGREES = r"polynomial must hold integer degrees >= 1 in a flat sequence.*polynomial=\(2, 3\)"


@pytest.mark.parametrize("polynomial", [
    ((2, 3),), ((2,),), [[2]], np.array([[2, 3]]), ((2, 3), 4), (2, (3,)),
    (0,), (-1,), (2.0,), (True,), ("2",),
], ids=repr)
def test_bad_degrees_are_refused(polynomial):
    with pytest.raises(ValueError, match=DEGREES):
        KernelDictionary(polynomial=polynomial).fit(X)


def test_bad_degrees_are_refused_inside_an_estimator():
    with pytest.raises(ValueError, match=DEGREES):
        MTMKClassifier(kernels=KernelDictionary(polynomial=((2, 3),))).fit(X, y)


@pytest.mark.parametrize("polynomial,names", [
    ((2, 3), ["polynomial(degree=2)", "polynomial(degree=3)"]),
    (np.array([4]), ["polynomial(degree=4)"]),
    ((np.int64(2),), ["polynomial(degree=2)"]),
    ((), []),
])
def test_flat_integer_degrees_are_accepted(polynomial, names):
    kd = KernelDictionary(rbf=1, polynomial=polynomial).fit(X)
    assert [n for n in kd.names_ if n.startswith("polynomial")] == names
