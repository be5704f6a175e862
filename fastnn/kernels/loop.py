"""Cost and gradient of a whole net, and the whole training loop in one compiled call.

Parameters live in one flat vector ``theta`` (``W1`` row-major, ``b1``, ``W2``,
``b2``, ...), gradients in a vector of the same layout, so the update is a single
pass.  All work space is one flat buffer allocated before the first iteration
(sized by :func:`layout`).  Small 2-layer nets take a blocked path of
:mod:`fastnn.kernels.two_layer` (for the many-input one, the cost and gradient read
the samples as rows, ``XT = X.T``, made once per call, and the training loop is
:func:`~fastnn.kernels.two_layer.rows_train_loop`, one pass over ``X`` per
iteration, or, with at least twice as many inputs as samples, few passes and
``X.T @ X``); other nets run layer by layer on the whole batch, with BLAS for the
larger products.

Memory of the layer-by-layer path: every layer's output ``A_l`` ``(n_l, m)`` is
kept for the backward pass, and ``dZ_l`` overwrites ``A_l`` once ``dW_{l+1}`` is
done, computed directly from the (few) rows of ``dZ_{l+1}`` when the layer above
is narrow (at most ``NARROW`` units).  Only a layer under a wide one needs an
extra ``(n_l, m)`` buffer for ``W_{l+1}.T @ dZ_{l+1}``.
"""
from __future__ import annotations

import numpy as np

from ._arrays import as_kernel_array, check_out
from ._jit import loop_jit
from .activations import CODES, multiply_by_derivative
from .backprop import (LOSSES, bias_gradient, cost_sum, linear_backward_kernel,
                       narrow_backward, output_delta_kernel)
from .dense import dense_forward
from .two_layer import (COLUMNS, GENERIC, GRAM_REFRESH_EVERY, ROWS, choose_path,
                        gram_matrix_if_useful, rows_train_loop, two_layer_cost_and_gradient)
from .two_layer import workspace_size as blocked_workspace_size
from .update import sgd_update_kernel

#: A layer above with at most this many units back-propagates without a GEMM.
NARROW = 16


@loop_jit
def _layer(flat, start, rows, cols):
    """The ``(rows, cols)`` C-contiguous view of ``flat`` starting at ``start``."""
    return flat[start:start + rows * cols].reshape((rows, cols))


@loop_jit
def _two_layer(flat, dims):
    """``(W1, b1, W2, b2)``: views of a 2-layer net's flat parameters (or gradient)."""
    n_x, n_h, n_y = dims[0], dims[1], dims[2]
    w2 = n_h * (n_x + 1)
    return (_layer(flat, 0, n_h, n_x), _layer(flat, n_h * n_x, n_h, 1),
            _layer(flat, w2, n_y, n_h), _layer(flat, w2 + n_y * n_h, n_y, 1))


@loop_jit
def layout(dims, m):
    """Where everything lives, for the net ``dims`` on ``m`` samples.

    Returns ``(w_start, a_start, delta_size, work_size, path)``: ``W_l`` starts at
    ``w_start[l - 1]`` in ``theta`` (``b_l`` right after it; ``w_start[L]`` is the
    parameter count); ``A_l`` starts at ``a_start[l - 1]`` in the work buffer,
    followed by two delta buffers of ``delta_size`` and a row of ``m`` values;
    ``path`` is ``GENERIC`` (layer by layer) or a blocked path of ``two_layer``.
    """
    L = dims.shape[0] - 1
    w_start = np.zeros(L + 1, np.int64)
    a_start = np.zeros(L + 1, np.int64)
    delta_size = dims[L] * m
    for l in range(L):
        w_start[l + 1] = w_start[l] + dims[l + 1] * (dims[l] + 1)
        a_start[l + 1] = a_start[l] + dims[l + 1] * m
        if l > 0 and dims[l + 1] > NARROW:  # A_l sits under a wide layer
            delta_size = max(delta_size, dims[l] * m)
    work_size = a_start[L] + 2 * delta_size + m
    path = choose_path(dims)
    if path != GENERIC:
        work_size = blocked_workspace_size(dims)
    return w_start, a_start, delta_size, work_size, path


@loop_jit
def rows_if_needed(X, plan):
    """``X.T`` as a C-contiguous ``(m, n_x)`` copy for the ``ROWS`` path, else empty."""
    if plan[4] == ROWS:
        return np.ascontiguousarray(X.T)
    return np.empty((0, X.shape[0]), X.dtype)


@loop_jit
def cost_and_gradient_kernel(X, XT, Y, theta, dims, plan, code, out_code, loss, grad, work):
    """Cost of the net on the columns of ``X``; its gradient into ``grad`` (laid out
    like ``theta``).  ``plan`` is ``layout(dims, m)``; ``XT`` is
    ``rows_if_needed(X, plan)``; ``work`` has ``plan[3]`` values."""
    L = dims.shape[0] - 1
    m = X.shape[1]
    w_start, a_start, delta_size, _, path = plan
    if path != GENERIC:
        W1, b1, W2, b2 = _two_layer(theta, dims)
        dW1, db1, dW2, db2 = _two_layer(grad, dims)
        return two_layer_cost_and_gradient(X, XT, Y, W1, b1, W2, b2, code, out_code, loss,
                                           dW1, db1, dW2, db2, work)
    deltas = (work[a_start[L]:a_start[L] + delta_size],
              work[a_start[L] + delta_size:a_start[L] + 2 * delta_size])
    row = work[a_start[L] + 2 * delta_size:a_start[L] + 2 * delta_size + m]
    no_dA = _layer(row, 0, 0, m)  # the first layer needs no dA_prev

    A_prev = X
    for l in range(L):
        n_prev, n = dims[l], dims[l + 1]
        W = _layer(theta, w_start[l], n, n_prev)
        b = _layer(theta, w_start[l] + n * n_prev, n, 1)
        A = _layer(work, a_start[l], n, m)
        dense_forward(W, A_prev, b, out_code if l == L - 1 else code, A)
        A_prev = A
    cost = cost_sum(A_prev, Y, loss, out_code) / m

    dZ = _layer(deltas[0], 0, dims[L], m)
    output_delta_kernel(A_prev, Y, out_code, loss, dZ)
    spare = 1  # the delta buffer dZ is not in
    no_db = _layer(row, 0, 0, 1)  # db is computed here, not by linear_backward_kernel
    have_db = False  # whether the narrow layer above already computed this layer's db
    for l in range(L - 1, -1, -1):
        n_prev, n = dims[l], dims[l + 1]
        W = _layer(theta, w_start[l], n, n_prev)
        dW = _layer(grad, w_start[l], n, n_prev)
        if not have_db:
            bias_gradient(dZ, _layer(grad, w_start[l] + n * n_prev, n, 1))
        if l == 0:
            linear_backward_kernel(dZ, X, W, dW, no_db, no_dA)
            break
        A_below = _layer(work, a_start[l - 1], n_prev, m)
        if n <= NARROW:
            db_below = _layer(grad, w_start[l - 1] + n_prev * dims[l - 1], n_prev, 1)
            narrow_backward(W, dZ, A_below, row, code, dW, db_below)
            have_db = True
            dZ = A_below
        else:
            dA = _layer(deltas[spare], 0, n_prev, m)
            linear_backward_kernel(dZ, A_below, W, dW, no_db, dA)
            multiply_by_derivative(dA, A_below, code)
            have_db = False
            dZ = dA
            spare = 1 - spare
    return cost


@loop_jit
def train_loop_kernel(X, K, Y, theta, dims, num_iterations, learning_rate,
                      code, out_code, loss, costs):
    """Run ``num_iterations`` steps of full-batch gradient descent on ``theta`` in place,
    writing each iteration's cost (before its update) into ``costs``.  Many-input
    2-layer nets (the ``ROWS`` path) run :func:`rows_train_loop`, through ``K``
    when it is ``X.T @ X`` (``gram_matrix_if_useful``), not empty; for other small
    2-layer nets the parameter views are made once rather than at every step."""
    plan = layout(dims, X.shape[1])
    if plan[4] == ROWS:
        W1, b1, W2, b2 = _two_layer(theta, dims)
        refresh_every = GRAM_REFRESH_EVERY if K.shape[0] > 0 else 1
        rows_train_loop(X, K, Y, W1, b1, W2, b2, num_iterations, learning_rate,
                        refresh_every, code, out_code, loss, costs)
        return
    no_rows = np.empty((0, X.shape[0]), X.dtype)  # X.T is read on the ROWS path only
    grad = np.zeros_like(theta)
    # Allocated here rather than by NumPy, which advises huge pages for large arrays:
    # Linux then compacts memory to find them, and a W4-sized buffer (248 MB) cost
    # 0.3-0.5 s of it in about half the calls measured; 4 KiB pages never stall.
    work = np.empty(plan[3], theta.dtype)
    if plan[4] == COLUMNS:
        W1, b1, W2, b2 = _two_layer(theta, dims)
        dW1, db1, dW2, db2 = _two_layer(grad, dims)
        for it in range(num_iterations):
            costs[it] = two_layer_cost_and_gradient(X, no_rows, Y, W1, b1, W2, b2, code,
                                                    out_code, loss, dW1, db1, dW2, db2, work)
            sgd_update_kernel(theta, grad, learning_rate)
        return
    for it in range(num_iterations):
        costs[it] = cost_and_gradient_kernel(X, no_rows, Y, theta, dims, plan, code,
                                             out_code, loss, grad, work)
        sgd_update_kernel(theta, grad, learning_rate)


# ------------------------------------------------------------- Python-level twins
def cost_and_gradient(X, Y, theta, layer_dims, activation, output_activation, loss, grad):
    """Cost (float) of the net with flat parameters ``theta`` on ``X`` ``(n_x, m)``,
    ``Y`` ``(n_y, m)``; its gradient is written into ``grad`` (like ``theta``)."""
    X, theta = as_kernel_array(X), as_kernel_array(theta)
    Y = as_kernel_array(Y.astype(X.dtype, copy=False))
    check_out("grad", grad, theta.shape, theta.dtype)
    dims = np.asarray(layer_dims, np.int64)
    plan = layout(dims, X.shape[1])
    return float(cost_and_gradient_kernel(
        X, rows_if_needed(X, plan), Y, theta, dims, plan, CODES[activation],
        CODES[output_activation], LOSSES[loss], grad, np.empty(plan[3], X.dtype)))


def train_loop(X, Y, theta, layer_dims, num_iterations, learning_rate,
               activation, output_activation, loss):
    """Full-batch gradient descent on ``theta`` in place -> costs ``(num_iterations,)``;
    the twin of :func:`fastnn.reference.train_loop`."""
    X = as_kernel_array(X)
    Y = as_kernel_array(Y.astype(X.dtype, copy=False))
    check_out("theta", theta, theta.shape, X.dtype)
    costs = np.empty(num_iterations, dtype=theta.dtype)
    dims = np.asarray(layer_dims, np.int64)
    K = gram_matrix_if_useful(X, dims, num_iterations)
    train_loop_kernel(X, K, Y, theta, dims, num_iterations, float(learning_rate),
                      CODES[activation], CODES[output_activation], LOSSES[loss], costs)
    return costs
