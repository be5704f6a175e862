"""Costs and the backward pass, compiled: the output delta, one layer's step and
the whole 2-layer net in one call."""
from __future__ import annotations

import numpy as np

from .._validation import Names, check_apart, check_out, check_output_delta, check_same_dtype
from ._arrays import broadcast_input, check_shape, matrix
from ._jit import loop_jit, wide_vectors
from .activations import (CODES, HIDDEN_CODES, IDENTITY, SOFTMAX, derivative,
                          multiply_by_derivative)
from .dense import matmul_nt, matmul_tn
from .fastmath import fast_log

LOG_LOSS, SQUARED_ERROR = 0, 1
LOSSES = Names("loss", {"log_loss": LOG_LOSS, "squared_error": SQUARED_ERROR})


def output_codes(output_activation, loss) -> tuple[int, int]:
    """The codes of an output activation and a loss, for a step that computes the output
    layer's delta (a pair :func:`check_output_delta` accepts)."""
    codes = CODES[output_activation], LOSSES[loss]  # unknown names first
    check_output_delta(output_activation, loss)
    return codes


@loop_jit
def cost_sum(AL, Y, loss, out_code):
    """Cost summed over the columns of ``AL`` and ``Y`` ``(n_y, m)`` (not yet divided by
    ``m``); see :func:`fastnn.reference.compute_cost`.  Accumulates in float64."""
    wide_vectors()
    n, m = AL.shape
    total = 0.0
    if loss == SQUARED_ERROR:
        for i in range(n):
            for j in range(m):
                d = AL[i, j] - Y[i, j]
                total += d * d
        return total / 2
    eps = AL.dtype.type(np.finfo(AL.dtype).eps)  # of AL's dtype, so float32 stays float32
    one = AL.dtype.type(1)
    if out_code == SOFTMAX:
        for i in range(n):
            for j in range(m):
                total -= Y[i, j] * fast_log(min(max(AL[i, j], eps), one - eps))
    elif _all_zero_or_one(Y):  # one of the two terms is exactly 0: one log per value
        for i in range(n):
            for j in range(m):
                a = min(max(AL[i, j], eps), one - eps)
                total -= fast_log(a if Y[i, j] == one else one - a)
    else:
        for i in range(n):
            for j in range(m):
                a = min(max(AL[i, j], eps), one - eps)
                total -= Y[i, j] * fast_log(a) + (one - Y[i, j]) * fast_log(one - a)
    return total


@loop_jit
def _all_zero_or_one(Y):
    """Whether every value of ``Y`` ``(n, m)`` is 0 or 1 (labels, not probabilities)."""
    wide_vectors()
    others = 0
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            others += (Y[i, j] != 0) & (Y[i, j] != 1)
    return others == 0


@loop_jit
def output_delta_kernel(AL, Y, out_code, loss, out):
    """``out = dZ_L``: ``AL - Y``, times ``g'(AL)`` for squared error after an output
    other than identity."""
    wide_vectors()
    n, m = AL.shape
    for i in range(n):
        for j in range(m):
            out[i, j] = AL[i, j] - Y[i, j]
    if loss == SQUARED_ERROR and out_code != IDENTITY:
        multiply_by_derivative(out, AL, out_code)


@loop_jit
def bias_gradient(dZ, db):
    """``db = sum(dZ, axis=1) / m``: dZ ``(n, m)``, db ``(n, 1)``."""
    wide_vectors()
    n, m = dZ.shape
    inv_m = dZ.dtype.type(1) / m
    for i in range(n):
        s = dZ.dtype.type(0)
        for j in range(m):
            s += dZ[i, j]
        db[i, 0] = s * inv_m


@loop_jit
def linear_backward_kernel(dZ, A_prev, W, dW, db, dA_prev, scratch):
    """``dW = dZ @ A_prev.T / m``, ``db = sum(dZ, axis=1) / m`` (skipped when ``db`` is
    empty), ``dA_prev = W.T @ dZ`` (skipped when ``dA_prev`` is empty).  dZ ``(n, m)``,
    A_prev ``(n_prev, m)``, W ``(n, n_prev)``, dW ``(n, n_prev)``, db ``(n, 1)``,
    dA_prev ``(n_prev, m)``; ``scratch``: ``n * n_prev`` values of work space."""
    wide_vectors()
    inv_m = dZ.dtype.type(1) / dZ.shape[1]
    matmul_nt(dZ, A_prev, dW, scratch)
    for i in range(dW.shape[0]):
        for p in range(dW.shape[1]):
            dW[i, p] *= inv_m
    if db.size != 0:
        bias_gradient(dZ, db)
    if dA_prev.size != 0:
        matmul_tn(W, dZ, dA_prev)


@loop_jit
def _narrow_input(W, dZ, i, row):
    """``row = W[:, i] @ dZ``: what unit ``i`` of the layer below receives from a narrow
    ``dZ`` ``(n, m)``, ``n >= 1``."""
    w, d = W[0, i], dZ[0]
    for j in range(d.shape[0]):
        row[j] = w * d[j]
    for k in range(1, dZ.shape[0]):
        w, d = W[k, i], dZ[k]
        for j in range(d.shape[0]):
            row[j] += w * d[j]


@loop_jit
def narrow_delta(W, dZ, A, row, code):
    """``A = (W.T @ dZ) * g'(A)`` in place for a narrow ``dZ`` ``(n, m)``, ``n >= 1``:
    row by row, ``W.T @ dZ`` into ``row`` (work space of ``m`` values), then one
    pass that reads each output before overwriting it with the delta."""
    wide_vectors()
    one = A.dtype.type(1)
    for i in range(A.shape[0]):
        _narrow_input(W, dZ, i, row)
        a = A[i]
        for j in range(a.shape[0]):
            a[j] = row[j] * derivative(a[j], one, code)


@loop_jit
def narrow_backward(W, dZ, A, row, code, dW, db_below):
    """The backward step of a narrow layer, one row of its input ``A`` ``(n_prev, m)``
    at a time, so ``A`` is read from memory once: ``dW = dZ @ A.T / m``, then
    ``A = (W.T @ dZ) * g'(A)`` in place (the delta of the layer below, as in
    :func:`narrow_delta`) and ``db_below = sum(A, axis=1) / m`` (that layer's bias
    gradient).  dZ ``(n, m)``, ``n >= 1``; ``row``: work space of ``m`` values.  With
    one unit above (a binary output) all three take a single sweep along the row."""
    wide_vectors()
    n, m = dZ.shape
    inv_m = dZ.dtype.type(1) / m
    one, zero = A.dtype.type(1), A.dtype.type(0)
    for i in range(A.shape[0]):
        a = A[i]
        if n == 1:
            d, w = dZ[0], W[0, i]
            s = total = zero
            for j in range(m):
                x = a[j]
                s += d[j] * x
                a[j] = delta = (w * d[j]) * derivative(x, one, code)
                total += delta
            dW[0, i] = s * inv_m
            db_below[i, 0] = total * inv_m
            continue
        for k in range(n):
            d = dZ[k]
            s = zero
            for j in range(m):
                s += d[j] * a[j]
            dW[k, i] = s * inv_m
        _narrow_input(W, dZ, i, row)
        total = zero
        for j in range(m):
            a[j] = row[j] * derivative(a[j], one, code)
            total += a[j]
        db_below[i, 0] = total * inv_m


@loop_jit
def layer_backward_kernel(dA, A, A_prev, W, code, dW, db, dA_prev, scratch):
    """``dA`` becomes ``dZ = dA * g'(A)`` in place, then :func:`linear_backward`."""
    multiply_by_derivative(dA, A, code)
    linear_backward_kernel(dA, A_prev, W, dW, db, dA_prev, scratch)


@loop_jit
def two_layer_backward_kernel(X, Y, W1, W2, A1, A2, code, out_code, loss,
                              dZ1, dZ2, dW1, db1, dW2, db2, scratch):
    """Backward pass of a 2-layer net into the given buffers; dZ1 ``(n_h, m)``,
    dZ2 ``(n_y, m)`` and ``scratch`` (as many values as the larger of W1, W2) are work
    space."""
    output_delta_kernel(A2, Y, out_code, loss, dZ2)
    linear_backward_kernel(dZ2, A1, W2, dW2, db2, dZ1, scratch)
    multiply_by_derivative(dZ1, A1, code)
    linear_backward_kernel(dZ1, X, W1, dW1, db1, dZ1[:0], scratch)


# ------------------------------------------------------------- Python-level twins
def compute_cost(AL, Y, loss="log_loss", output_activation="sigmoid"):
    """Average cost (float); see :func:`fastnn.reference.compute_cost`."""
    AL = matrix("AL", AL)
    Y = broadcast_input("Y", Y, AL.shape, AL.dtype)
    total = np.float64(cost_sum(AL, Y, LOSSES[loss], CODES[output_activation]))
    return float(total / AL.shape[1])  # NaN, with NumPy's warning, over no samples


def output_delta(AL, Y, output_activation, loss, out=None):
    """``dZ_L`` ``(n_y, m)`` into ``out`` (allocated when None)."""
    out_code, loss_code = output_codes(output_activation, loss)
    AL = matrix("AL", AL)
    Y = broadcast_input("Y", Y, AL.shape, AL.dtype)
    out = np.empty_like(AL) if out is None else check_out("out", out, AL.shape, AL.dtype)
    check_apart({"out": out}, {"AL": AL})  # AL is read again after out is written
    check_apart({"out": out}, {"Y": Y}, elementwise=True)
    output_delta_kernel(AL, Y, out_code, loss_code, out)
    return out


def _check_layer(dZ, A_prev, W, dW, db, dA_prev, dZ_name="dZ"):
    """The arrays of one layer's backward step fit together, and its outputs overlap
    none of them (``dZ`` is called ``dZ_name`` in the errors)."""
    n, m = dZ.shape
    n_prev = A_prev.shape[0]
    check_shape("A_prev", A_prev, (n_prev, m),
                lambda: f" (a column per sample, like {dZ.shape} dZ)")
    check_shape("W", W, (n, n_prev), lambda: f" (a row per unit of {dZ.shape} dZ, a column "
                                             f"per row of {A_prev.shape} A_prev)")
    check_same_dtype(dZ=dZ, A_prev=A_prev, W=W)
    check_out("dW", dW, (n, n_prev), dZ.dtype)
    check_out("db", db, (n, 1), dZ.dtype)
    if dA_prev.size:
        check_out("dA_prev", dA_prev, (n_prev, m), dZ.dtype)
    check_apart({"dW": dW, "db": db, "dA_prev": dA_prev},
                {dZ_name: dZ, "A_prev": A_prev, "W": W})


def linear_backward(dZ, A_prev, W, dW, db, dA_prev):
    """Gradients of one linear layer into ``dW``, ``db``, ``dA_prev`` (C-contiguous)."""
    dZ, A_prev, W = matrix("dZ", dZ), matrix("A_prev", A_prev), matrix("W", W)
    _check_layer(dZ, A_prev, W, dW, db, dA_prev)
    linear_backward_kernel(dZ, A_prev, W, dW, db, dA_prev, np.empty(dW.size, dW.dtype))


def linear_activation_backward(dA, A, A_prev, W, activation, dW, db, dA_prev):
    """One hidden layer's backward step; ``dA`` becomes ``dZ`` in place."""
    A, A_prev, W = matrix("A", A), matrix("A_prev", A_prev), matrix("W", W)
    check_out("dA", dA, A.shape, A.dtype)
    _check_layer(dA, A_prev, W, dW, db, dA_prev, "dA")
    check_apart({"dA": dA}, {"A_prev": A_prev, "W": W})
    check_apart({"dA": dA}, {"A": A}, elementwise=True)  # dA *= g'(A), element by element
    layer_backward_kernel(dA, A, A_prev, W, HIDDEN_CODES[activation], dW, db, dA_prev,
                          np.empty(dW.size, dW.dtype))


def two_layer_backward(X, Y, W1, W2, A1, A2, activation, output_activation, loss):
    """Backward pass of a 2-layer net -> ``(dW1, db1, dW2, db2)``."""
    out_code, loss_code = output_codes(output_activation, loss)
    X, W1, W2, A1, A2 = (matrix(name, a) for name, a in
                         zip(("X", "W1", "W2", "A1", "A2"), (X, W1, W2, A1, A2)))
    (n_x, m), n_h, n_y = X.shape, W1.shape[0], W2.shape[0]
    for name, a, shape in (("W1", W1, (n_h, n_x)), ("W2", W2, (n_y, n_h)),
                           ("A1", A1, (n_h, m)), ("A2", A2, (n_y, m))):
        check_shape(name, a, shape, lambda: f" for {n_x} inputs, {n_h} hidden units, "
                                            f"{n_y} outputs and {m} samples")
    check_same_dtype(X=X, W1=W1, W2=W2, A1=A1, A2=A2)
    Y = broadcast_input("Y", Y, (n_y, m), X.dtype)
    dtype = X.dtype
    dW1, dW2 = np.empty_like(W1), np.empty_like(W2)
    db1 = np.empty((W1.shape[0], 1), dtype)
    db2 = np.empty((W2.shape[0], 1), dtype)
    two_layer_backward_kernel(X, Y, W1, W2, A1, A2, HIDDEN_CODES[activation],
                              out_code, loss_code,
                              np.empty_like(A1), np.empty_like(A2), dW1, db1, dW2, db2,
                              np.empty(max(W1.size, W2.size), dtype))
    return dW1, db1, dW2, db2
