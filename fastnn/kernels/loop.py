"""The whole training loop in one compiled call.

Parameters live in one flat vector ``theta`` (``W1`` row-major, ``b1``, ``W2``,
``b2``, ...), gradients in a vector of the same layout, so the update is a single
pass.  Every buffer is allocated before the first iteration.
"""
from __future__ import annotations

import numpy as np

from ._arrays import as_kernel_array
from ._jit import loop_jit
from .activations import CODES, multiply_by_derivative
from .backprop import LOSSES, cost_kernel, linear_backward_kernel, output_delta_kernel
from .dense import dense_forward
from .update import sgd_update


@loop_jit
def _layer(flat, start, rows, cols):
    """The ``(rows, cols)`` C-contiguous view of ``flat`` starting at ``start``."""
    return flat[start:start + rows * cols].reshape((rows, cols))


@loop_jit
def offsets(dims, m):
    """Start of each ``W_l`` in ``theta`` and of each ``A_l`` in the activation buffer.

    Returns ``(w_start, a_start)``, each ``(L + 1,)``: ``W_l`` starts at
    ``w_start[l - 1]`` (``b_l`` right after it), ``A_l`` at ``a_start[l - 1]``;
    the last entries are the total sizes.
    """
    L = dims.shape[0] - 1
    w_start = np.zeros(L + 1, np.int64)
    a_start = np.zeros(L + 1, np.int64)
    for l in range(L):
        w_start[l + 1] = w_start[l] + dims[l + 1] * (dims[l] + 1)
        a_start[l + 1] = a_start[l] + dims[l + 1] * m
    return w_start, a_start


@loop_jit
def cost_and_gradient(X, Y, theta, dims, code, out_code, loss, grad, acts, delta, delta_prev):
    """Forward and backward pass of the whole net on the columns of ``X``.

    Writes the gradient into ``grad`` (laid out like ``theta``) and returns the cost.
    Work space: ``acts`` (``sum(dims[1:]) * m``), ``delta`` and ``delta_prev``
    (``max(dims[1:]) * m`` each), ``m = X.shape[1]``; buffers may be longer.
    """
    L = dims.shape[0] - 1
    m = X.shape[1]
    w_start, a_start = offsets(dims, m)
    A_prev = X
    for l in range(L):
        n_prev, n = dims[l], dims[l + 1]
        W = _layer(theta, w_start[l], n, n_prev)
        b = _layer(theta, w_start[l] + n * n_prev, n, 1)
        A = _layer(acts, a_start[l], n, m)
        dense_forward(W, A_prev, b, out_code if l == L - 1 else code, A)
        A_prev = A
    cost = cost_kernel(A_prev, Y, loss, out_code)

    dZ = _layer(delta, 0, dims[L], m)
    output_delta_kernel(A_prev, Y, out_code, loss, dZ)
    for l in range(L - 1, -1, -1):
        n_prev, n = dims[l], dims[l + 1]
        W = _layer(theta, w_start[l], n, n_prev)
        dW = _layer(grad, w_start[l], n, n_prev)
        db = _layer(grad, w_start[l] + n * n_prev, n, 1)
        if l == 0:
            linear_backward_kernel(dZ, X, W, dW, db, _layer(delta_prev, 0, 0, m))
        else:
            A_below = _layer(acts, a_start[l - 1], n_prev, m)
            dA_prev = _layer(delta_prev, 0, n_prev, m)
            linear_backward_kernel(dZ, A_below, W, dW, db, dA_prev)
            multiply_by_derivative(dA_prev, A_below, code)
            delta, delta_prev = delta_prev, delta
            dZ = dA_prev
    return cost


@loop_jit
def train_loop_kernel(X, Y, theta, dims, num_iterations, learning_rate,
                      code, out_code, loss, costs):
    """Run ``num_iterations`` steps of full-batch gradient descent on ``theta`` in place,
    writing each iteration's cost (before its update) into ``costs``."""
    m = X.shape[1]
    _, a_start = offsets(dims, m)
    grad = np.zeros_like(theta)
    acts = np.empty(a_start[-1], theta.dtype)
    delta = np.empty(dims[1:].max() * m, theta.dtype)
    delta_prev = np.empty_like(delta)
    for it in range(num_iterations):
        costs[it] = cost_and_gradient(X, Y, theta, dims, code, out_code, loss,
                                      grad, acts, delta, delta_prev)
        sgd_update(theta, grad, learning_rate)


def train_loop(X, Y, theta, layer_dims, num_iterations, learning_rate,
               activation, output_activation, loss):
    """Full-batch gradient descent on ``theta`` in place -> costs ``(num_iterations,)``;
    the twin of :func:`fastnn.reference.train_loop`."""
    X = as_kernel_array(X)
    Y = as_kernel_array(Y.astype(X.dtype, copy=False))
    costs = np.empty(num_iterations, dtype=theta.dtype)
    train_loop_kernel(X, Y, theta, np.asarray(layer_dims, np.int64), num_iterations,
                      float(learning_rate), CODES[activation], CODES[output_activation],
                      LOSSES[loss], costs)
    return costs
