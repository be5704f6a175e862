"""Activation functions and their derivatives, compiled.

Activations are selected inside compiled code by an integer code (see
:data:`CODES`); the Python wrappers at the bottom take the names, like their
twins in :mod:`fastnn.reference`.  Derivatives take the activation's OUTPUT.
"""
from __future__ import annotations

import numpy as np

from .._validation import Names
from ._arrays import matrix
from ._jit import loop_jit, math_jit, wide_vectors
from .fastmath import fast_exp, fast_sigmoid, fast_tanh

IDENTITY, SIGMOID, TANH, RELU, SOFTMAX = 0, 1, 2, 3, 4
CODES = Names("activation", {"identity": IDENTITY, "sigmoid": SIGMOID, "logistic": SIGMOID,
                             "tanh": TANH, "relu": RELU, "softmax": SOFTMAX})
#: The activations a hidden layer may use: those with a derivative (the backward steps'
#: ``activation``; the reference's ``DERIVATIVES`` refuses softmax the same way).
HIDDEN_CODES = Names("activation", {k: v for k, v in CODES.items() if v != SOFTMAX})


@loop_jit
def apply_activation(Z, code, scratch):
    """Replace ``Z`` ``(n, m)`` by ``g(Z)`` in place; softmax works over axis 0 and
    uses ``scratch`` (at least ``m`` values; the other activations ignore it)."""
    wide_vectors()
    n, m = Z.shape
    if code == SIGMOID:
        for i in range(n):
            for j in range(m):
                Z[i, j] = fast_sigmoid(Z[i, j])
    elif code == TANH:
        for i in range(n):
            for j in range(m):
                Z[i, j] = fast_tanh(Z[i, j])
    elif code == RELU:
        zero = Z.dtype.type(0)  # a bare 0 would make float32 arithmetic float64
        for i in range(n):
            for j in range(m):
                z = Z[i, j]
                Z[i, j] = z if (z > zero) | (z != z) else zero  # NaN stays NaN, -inf -> 0
    elif code == SOFTMAX and n > 0:  # (the Python twins refuse n == 0, as NumPy's max)
        # row by row, so every loop runs along memory and vectorises (column by column,
        # a float32 net with 1 000 outputs trained slower than NumPy): each column's
        # maximum, then its sum, is kept in scratch
        top = scratch[:m]
        top[:] = Z[0]
        for i in range(1, n):
            for j in range(m):
                top[j] = max(top[j], Z[i, j])
        for i in range(n):
            for j in range(m):
                Z[i, j] = fast_exp(Z[i, j] - top[j])
        total = top
        total[:] = Z[0]
        for i in range(1, n):
            for j in range(m):
                total[j] += Z[i, j]
        for i in range(n):
            for j in range(m):
                Z[i, j] /= total[j]


@math_jit
def derivative(a, one, code):
    """``g'`` at the output ``a = g(z)`` of the activation ``code`` (not softmax);
    ``one`` is 1 in ``a``'s dtype, so float32 stays float32."""
    if code == SIGMOID:
        return a * (one - a)
    if code == TANH:
        return one - a * a
    if code == RELU:
        return one if a > 0 else one - one  # 0 at a NaN output, as the reference's (A > 0)
    return one


@loop_jit
def multiply_by_derivative(dA, A, code):
    """``dA *= g'(A)`` in place, ``g'`` written in terms of the output ``A`` ``(n, m)``."""
    wide_vectors()
    if code == IDENTITY:
        return
    n, m = A.shape
    one = A.dtype.type(1)
    for i in range(n):
        for j in range(m):
            dA[i, j] *= derivative(A[i, j], one, code)


# ------------------------------------------------------------- Python-level twins
def _activate(Z, code):
    out = matrix("Z", Z, copy=True)
    check_softmax_rows(out, code)
    apply_activation(out, code, np.empty(out.shape[1], out.dtype))
    return out


def check_softmax_rows(Z, code) -> None:
    """A softmax needs at least one row (unit) per column, as the reference's max does."""
    if code == SOFTMAX and Z.shape[0] == 0:
        raise ValueError(f"softmax needs at least one row; got shape {Z.shape}")


def _derivative(A, code):
    A = matrix("A", A)
    out = np.ones_like(A)
    multiply_by_derivative(out, A, code)
    return out


def identity(Z):
    """``A = Z`` as a new array."""
    return _activate(Z, IDENTITY)


def sigmoid(Z):
    """Logistic function, stable for large ``|Z|``."""
    return _activate(Z, SIGMOID)


def tanh(Z):
    """Hyperbolic tangent."""
    return _activate(Z, TANH)


def relu(Z):
    """``max(Z, 0)``."""
    return _activate(Z, RELU)


def softmax(Z):
    """Softmax over axis 0 (columns are samples)."""
    return _activate(Z, SOFTMAX)


def identity_derivative(A):
    """Ones shaped like ``A``."""
    return _derivative(A, IDENTITY)


def sigmoid_derivative(A):
    """``A * (1 - A)`` for the sigmoid's output ``A``."""
    return _derivative(A, SIGMOID)


def tanh_derivative(A):
    """``1 - A**2`` for tanh's output ``A``."""
    return _derivative(A, TANH)


def relu_derivative(A):
    """1 where relu's output ``A > 0``, else 0."""
    return _derivative(A, RELU)
