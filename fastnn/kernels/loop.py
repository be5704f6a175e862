"""Cost and gradient of a whole net, and the whole training loop in one compiled call
(one compiled loop per kind of net, so a first call compiles only the one it runs).

Parameters live in one flat vector ``theta`` (``W1`` row-major, ``b1``, ``W2``,
``b2``, ...), gradients in a vector of the same layout, so the update is a single
pass.  All work space is one flat buffer allocated before the first iteration
(sized by :func:`layout`).  Small 2-layer nets take a blocked path of
:mod:`fastnn.kernels.two_layer` (for the many-input one, the cost and gradient read
the samples as rows, ``XT = X.T``, made once per call, and the training loop is
:func:`~fastnn.kernels.two_layer.rows_train_loop`, one pass over ``X`` per
iteration); other nets run layer by layer on the whole batch, with BLAS for the
larger products.

With at least twice as many inputs as samples, training (other than of the small
few-input nets) goes through the samples' Gram matrix ``K = X.T @ X`` when enough
iterations repay computing it: gradient descent changes ``W1`` by
``-lr/m * dZ1 @ X.T``, hence ``Z1 = W1 @ X`` by ``-lr/m * dZ1 @ K``, an
``(n_1, m) @ (m, m)`` product instead of the two with ``X``; ``W1`` is updated
from the summed ``dZ1`` every ``GRAM_REFRESH_EVERY`` iterations and at the end.

Memory of the layer-by-layer path: every layer's output ``A_l`` ``(n_l, m)`` is
kept for the backward pass, and ``dZ_l`` overwrites ``A_l`` once ``dW_{l+1}`` is
done, computed directly from the (few) rows of ``dZ_{l+1}`` when the layer above
is narrow (at most ``NARROW`` units).  Only a layer under a wide one needs an
extra ``(n_l, m)`` buffer for ``W_{l+1}.T @ dZ_{l+1}``.
"""
from __future__ import annotations

import functools

import numpy as np

from .._validation import (check_apart, check_layer_dims, check_out, check_same_dtype,
                           parameter_count)
from ._arrays import as_kernel_array, broadcast_input, check_shape, matrix
from ._jit import loop_jit
from .activations import HIDDEN_CODES, multiply_by_derivative
from .backprop import (bias_gradient, cost_sum, linear_backward_kernel,
                       narrow_backward, output_codes, output_delta_kernel)
from .dense import add_bias_and_activate, dense_forward, matmul_nn
from .two_layer import (COLUMNS, GENERIC, ROWS, choose_path, rows_train_loop,
                        two_layer_cost_and_gradient)
from .two_layer import workspace_size as blocked_workspace_size
from .update import sgd_update_kernel

#: A layer above with at most this many units back-propagates without a GEMM.
NARROW = 16
#: On the Gram-matrix path (see :func:`run_training`), ``W1`` is brought up to
#: date, and ``Z1`` recomputed from it, every this many iterations.  Over 2 000
#: float32 iterations of W2's shape, the parameters ended 1.4e-7 from a float64
#: run's (the reference's own float32 run: 2.9e-7), and 1.3e-6 with no refresh; a
#: refresh costs about one iteration without ``K``.
GRAM_REFRESH_EVERY = 200
#: ``K = X.T @ X`` costs about as much as ``m / (ratio * n_1)`` iterations without it,
#: with ``ratio`` 12 for the ``ROWS`` loop (measured crossover: 8 iterations for
#: 4096-3-1 with m = 348, 2-3 for 12288-7-1 with m = 209) and 4 layer by layer, where
#: the products with ``X`` run at BLAS speed.
GRAM_RATIO = {ROWS: 12, GENERIC: 4}


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
def layout(dims, m, path):
    """Where everything lives, for the net ``dims`` on ``m`` samples, trained by
    ``path``: ``GENERIC`` (layer by layer), or :func:`choose_path`'s blocked path.

    Returns ``(w_start, a_start, delta_size, work_size, path)``: ``W_l`` starts at
    ``w_start[l - 1]`` in ``theta`` (``b_l`` right after it; ``w_start[L]`` is the
    parameter count); ``A_l`` starts at ``a_start[l - 1]`` in the work buffer,
    followed by two delta buffers of ``delta_size``, a row of ``m`` values and
    scratch for the largest ``dW`` (:func:`_scratch`).
    """
    L = dims.shape[0] - 1
    w_start = np.zeros(L + 1, np.int64)
    a_start = np.zeros(L + 1, np.int64)
    delta_size = dims[L] * m
    scratch_size = 0
    for l in range(L):
        scratch_size = max(scratch_size, dims[l + 1] * dims[l])
        w_start[l + 1] = w_start[l] + dims[l + 1] * (dims[l] + 1)
        a_start[l + 1] = a_start[l] + dims[l + 1] * m
        if l > 0 and dims[l + 1] > NARROW:  # A_l sits under a wide layer
            delta_size = max(delta_size, dims[l] * m)
    work_size = a_start[L] + 2 * delta_size + m + scratch_size
    if path != GENERIC:
        work_size = blocked_workspace_size(dims)
    return w_start, a_start, delta_size, work_size, path


@loop_jit
def _scratch(work, plan, m):
    """The end of ``work`` after the row of ``m`` values: room for any layer's ``dW``."""
    a_start, delta_size = plan[1], plan[2]
    return work[a_start[a_start.shape[0] - 1] + 2 * delta_size + m:]


@loop_jit
def rows_if_needed(X, plan):
    """``X.T`` as a C-contiguous ``(m, n_x)`` copy for the ``ROWS`` path, else empty."""
    if plan[4] == ROWS:
        return np.ascontiguousarray(X.T)
    return np.empty((0, X.shape[0]), X.dtype)


@loop_jit
def cost_and_gradient_kernel(X, XT, Y, theta, dims, plan, code, out_code, loss, grad, work):
    """Cost of the net on the columns of ``X``; its gradient into ``grad`` (laid out
    like ``theta``).  ``plan`` is ``layout(dims, m, choose_path(dims))``; ``XT`` is
    ``rows_if_needed(X, plan)``; ``work`` has ``plan[3]`` values."""
    if plan[4] != GENERIC:
        W1, b1, W2, b2 = _two_layer(theta, dims)
        dW1, db1, dW2, db2 = _two_layer(grad, dims)
        return two_layer_cost_and_gradient(X, XT, Y, W1, b1, W2, b2, code, out_code, loss,
                                           dW1, db1, dW2, db2, work)
    no_first = _layer(work, 0, 0, 0)  # empty: the first layer is computed from X
    return layer_by_layer_cost_and_gradient(X, Y, theta, dims, plan, code, out_code, loss,
                                            grad, work, no_first, no_first)


@loop_jit
def layer_by_layer_cost_and_gradient(X, Y, theta, dims, plan, code, out_code, loss, grad,
                                     work, Z1, dZ1):
    """:func:`cost_and_gradient_kernel` of a ``GENERIC`` net.

    ``Z1`` and ``dZ1`` are empty, except on the Gram-matrix path: then ``Z1``
    ``(n_1, m)`` holds ``W1 @ X``, which is not recomputed, and the first layer's
    delta goes to ``dZ1`` instead of into ``dW1``, which is not written.
    """
    L = dims.shape[0] - 1
    m = X.shape[1]
    w_start, a_start, delta_size = plan[0], plan[1], plan[2]
    deltas = (work[a_start[L]:a_start[L] + delta_size],
              work[a_start[L] + delta_size:a_start[L] + 2 * delta_size])
    row = work[a_start[L] + 2 * delta_size:a_start[L] + 2 * delta_size + m]
    scratch = _scratch(work, plan, m)
    no_dA = _layer(row, 0, 0, m)  # the first layer needs no dA_prev

    A_prev = X
    for l in range(L):
        n_prev, n = dims[l], dims[l + 1]
        W = _layer(theta, w_start[l], n, n_prev)
        b = _layer(theta, w_start[l] + n * n_prev, n, 1)
        A = _layer(work, a_start[l], n, m)
        if l == 0 and Z1.shape[0] > 0:
            for i in range(n):  # row by row: a 2-D slice assignment is a slow loop
                A[i, :] = Z1[i]
            add_bias_and_activate(b, out_code if L == 1 else code, A, row)
        else:
            dense_forward(W, A_prev, b, out_code if l == L - 1 else code, A, row)
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
            if Z1.shape[0] > 0:
                for i in range(n):
                    dZ1[i, :] = dZ[i]
            else:
                linear_backward_kernel(dZ, X, W, dW, no_db, no_dA, scratch)
            break
        A_below = _layer(work, a_start[l - 1], n_prev, m)
        if n <= NARROW:
            db_below = _layer(grad, w_start[l - 1] + n_prev * dims[l - 1], n_prev, 1)
            narrow_backward(W, dZ, A_below, row, code, dW, db_below)
            have_db = True
            dZ = A_below
        else:
            dA = _layer(deltas[spare], 0, n_prev, m)
            linear_backward_kernel(dZ, A_below, W, dW, no_db, dA, scratch)
            multiply_by_derivative(dA, A_below, code)
            have_db = False
            dZ = dA
            spare = 1 - spare
    return cost


def training_path(dims: np.ndarray, m: int, num_iterations: int, gram: bool) -> int:
    """The loop :func:`run_training` runs (``GENERIC``, ``COLUMNS`` or ``ROWS``) for
    ``num_iterations`` of the net ``dims`` on ``m`` samples, through ``K`` or not
    (``gram``): :func:`choose_path`'s, except that a single iteration of a ``ROWS``
    net with at least twice as many inputs as samples runs layer by layer without
    ``K``.  The ``ROWS`` loop would pad a copy of ``X`` and pass over it twice (the
    first ``Z1``, then the update), where BLAS computes the two products on both
    cores: 1-iteration calls of 4096-3-1 on 348 samples to 50000-4-1 on 50 ran at
    0.56-0.89x the numpy backend's speed, and 0.93-1.02x layer by layer; with
    10 000 samples the ``ROWS`` loop ran 1.4-2x faster than the numpy backend, and
    1.04-1.35x faster than layer by layer."""
    path = choose_path(dims)
    if path == ROWS and num_iterations == 1 and not gram and dims[0] >= 2 * m:
        return GENERIC
    return path


def run_training(X, K, Y, theta, dims, num_iterations, learning_rate, refresh_every,
                 code, out_code, loss, costs):
    """Run ``num_iterations`` steps of full-batch gradient descent on ``theta`` in place,
    writing each iteration's cost (before its update) into ``costs``, through the one
    compiled loop for the net's path (:func:`training_path`; so a first call compiles
    only that one): :func:`~fastnn.kernels.two_layer.rows_train_loop` for many-input
    2-layer nets, :func:`columns_train_loop` for the other small 2-layer nets, else
    :func:`layer_by_layer_train_loop`.

    ``K`` is empty, or ``X.T @ X`` ``(m, m)`` (:func:`gram_matrix_if_useful`): then
    ``Z1 = W1 @ X`` is updated by ``-lr/m * dZ1 @ K`` at each step, and ``W1`` from
    the summed ``dZ1`` every ``refresh_every`` steps and at the end (where ``Z1`` is
    recomputed from it), so most steps never read ``X``.
    """
    path = training_path(dims, X.shape[1], num_iterations, K.shape[0] > 0)
    if path == ROWS:
        W1, b1, W2, b2 = _two_layer(theta, dims)
        rows_train_loop(X, K, Y, W1, b1, W2, b2, num_iterations, learning_rate,
                        refresh_every if K.shape[0] > 0 else 1, code, out_code, loss, costs)
    elif path == COLUMNS:
        columns_train_loop(X, Y, theta, dims, num_iterations, learning_rate, code, out_code,
                           loss, costs)
    else:
        layer_by_layer_train_loop(X, K, Y, theta, dims, num_iterations, learning_rate,
                                  refresh_every, code, out_code, loss, costs)


@loop_jit
def columns_train_loop(X, Y, theta, dims, num_iterations, learning_rate, code, out_code, loss,
                       costs):
    """:func:`run_training` of a small few-input 2-layer net (the ``COLUMNS`` path)."""
    grad = np.zeros_like(theta)
    work = np.empty(blocked_workspace_size(dims), theta.dtype)
    no_rows = np.empty((0, X.shape[0]), X.dtype)  # X.T is read on the ROWS path only
    W1, b1, W2, b2 = _two_layer(theta, dims)
    dW1, db1, dW2, db2 = _two_layer(grad, dims)
    for it in range(num_iterations):
        costs[it] = two_layer_cost_and_gradient(X, no_rows, Y, W1, b1, W2, b2, code,
                                                out_code, loss, dW1, db1, dW2, db2, work)
        sgd_update_kernel(theta, grad, learning_rate)


@loop_jit
def layer_by_layer_train_loop(X, K, Y, theta, dims, num_iterations, learning_rate,
                              refresh_every, code, out_code, loss, costs):
    """:func:`run_training` of a ``GENERIC`` net, through ``K`` when it is not empty."""
    plan = layout(dims, X.shape[1], GENERIC)
    grad = np.zeros_like(theta)
    # Allocated here rather than by NumPy, which advises huge pages for large arrays:
    # Linux then compacts memory to find them, and a W4-sized buffer (248 MB) cost
    # 0.3-0.5 s of it in about half the calls measured; 4 KiB pages never stall.
    work = np.empty(plan[3], theta.dtype)
    m, n_1 = X.shape[1], dims[1]
    Z1 = np.empty((n_1 if K.shape[0] > 0 else 0, m), theta.dtype)  # W1 @ X
    dZ1, dZ1_sum, Z1_step = np.empty_like(Z1), np.zeros_like(Z1), np.empty_like(Z1)
    w1_size = n_1 * dims[0]
    W1, dW1 = _layer(theta, 0, n_1, dims[0]), _layer(grad, 0, n_1, dims[0])
    step = -theta.dtype.type(learning_rate) * (theta.dtype.type(1) / m)
    no_db, no_dA = _layer(work, 0, 0, 1), _layer(work, 0, 0, m)
    if Z1.shape[0] > 0:
        matmul_nn(W1, X, Z1)
    for it in range(num_iterations):
        costs[it] = layer_by_layer_cost_and_gradient(X, Y, theta, dims, plan, code, out_code,
                                                     loss, grad, work, Z1, dZ1)
        if Z1.shape[0] == 0:
            sgd_update_kernel(theta, grad, learning_rate)
            continue
        sgd_update_kernel(theta[w1_size:], grad[w1_size:], learning_rate)  # all but W1
        for i in range(n_1):
            for j in range(m):
                dZ1_sum[i, j] += dZ1[i, j]
        last = it == num_iterations - 1
        if last or (it + 1) % refresh_every == 0:
            linear_backward_kernel(dZ1_sum, X, W1, dW1, no_db, no_dA,  # dW1 of the sum
                                   _scratch(work, plan, m))
            sgd_update_kernel(theta[:w1_size], grad[:w1_size], learning_rate)
            dZ1_sum[:] = 0
            if not last:
                matmul_nn(W1, X, Z1)
        else:
            for i in range(n_1):
                for j in range(m):
                    dZ1[i, j] *= step
            matmul_nn(dZ1, K, Z1_step)
            for i in range(n_1):
                for j in range(m):
                    Z1[i, j] += Z1_step[i, j]


def gram_path_pays(dims: np.ndarray, m: int, num_iterations: int) -> bool:
    """Whether :func:`run_training` trains the net ``dims`` on ``m`` samples for
    ``num_iterations`` faster through ``K = X.T @ X``: a ``ROWS`` or ``GENERIC`` net
    with at least twice as many inputs as samples, and enough iterations to repay
    ``K`` (``num_iterations * n_1 * GRAM_RATIO[path] >= m``)."""
    path = choose_path(dims)
    return bool(path in GRAM_RATIO and dims[0] >= 2 * m
                and num_iterations * dims[1] * GRAM_RATIO[path] >= m)


def gram_matrix_if_useful(X: np.ndarray, dims: np.ndarray, num_iterations: int) -> np.ndarray:
    """``X.T @ X`` ``(m, m)`` when :func:`gram_path_pays` for ``X`` ``(n_x, m)``, else an
    empty ``(0, 0)`` array."""
    if gram_path_pays(dims, X.shape[1], num_iterations):
        # NumPy's BLAS sees X.T @ X and computes one triangle
        return np.ascontiguousarray(np.dot(X.T, X))
    return np.empty((0, 0), X.dtype)


# ------------------------------------------------------------- Python-level twins
def _net_inputs(X, Y, theta, layer_dims):
    """``(X, Y, dims)`` for the compiled loops, after checking that ``X`` ``(n_0, m)``,
    ``Y`` ``(n_L, m)`` (broadcast as NumPy would) and ``theta`` fit ``layer_dims``."""
    dims = check_layer_dims(layer_dims)
    X = matrix("X", X)
    check_shape("X", X, (dims[0], X.shape[1]),
                lambda: f" (a row per input of layer_dims {dims})")
    Y = broadcast_input("Y", Y, (dims[-1], X.shape[1]), X.dtype)
    check_shape("theta", theta, (parameter_count(dims),),
                lambda: f" (the parameters of {dims})")
    return X, Y, np.asarray(dims, np.int64)


def cost_and_gradient(X, Y, theta, layer_dims, activation, output_activation, loss, grad):
    """Cost (float) of the net with flat parameters ``theta`` on ``X`` ``(n_x, m)``,
    ``Y`` ``(n_y, m)``; its gradient is written into ``grad`` (like ``theta``)."""
    theta = as_kernel_array(theta)
    out_code, loss_code = output_codes(output_activation, loss)
    X, Y, dims = _net_inputs(X, Y, theta, layer_dims)
    check_same_dtype(X=X, theta=theta)
    check_out("grad", grad, theta.shape, theta.dtype)
    check_apart({"grad": grad}, {"X": X, "Y": Y, "theta": theta})
    plan = layout(dims, X.shape[1], choose_path(dims))
    return float(cost_and_gradient_kernel(
        X, rows_if_needed(X, plan), Y, theta, dims, plan, HIDDEN_CODES[activation],
        out_code, loss_code, grad, np.empty(plan[3], X.dtype)))


def train_loop(X, Y, theta, layer_dims, num_iterations, learning_rate,
               activation, output_activation, loss):
    """Full-batch gradient descent on ``theta`` in place -> costs ``(num_iterations,)``;
    the twin of :func:`fastnn.reference.train_loop`.  Each call decides on, and
    computes, its own ``K`` (see :func:`train_loop_sharing_gram`)."""
    return _train_loop(X, Y, theta, layer_dims, num_iterations, learning_rate,
                       activation, output_activation, loss, None)


def train_loop_sharing_gram(X: np.ndarray, layer_dims, total_iterations: int):
    """:func:`train_loop` for training on ``X`` in several calls, ``total_iterations``
    in all: the calls share one ``K = X.T @ X`` when the whole run repays it."""
    K = gram_matrix_if_useful(as_kernel_array(X), np.asarray(layer_dims, np.int64),
                              total_iterations)
    return functools.partial(_train_loop, gram=K)


def _train_loop(X, Y, theta, layer_dims, num_iterations, learning_rate,
                activation, output_activation, loss, gram):
    """:func:`train_loop` with ``gram`` from :func:`gram_matrix_if_useful` for this ``X``
    (None: decided and computed here)."""
    out_code, loss_code = output_codes(output_activation, loss)
    X, Y, dims = _net_inputs(X, Y, theta, layer_dims)
    check_out("theta", theta, theta.shape, X.dtype)
    check_apart({"theta": theta}, {"X": X, "Y": Y})
    costs = np.empty(num_iterations, dtype=theta.dtype)
    K = gram_matrix_if_useful(X, dims, num_iterations) if gram is None else gram
    run_training(X, K, Y, theta, dims, num_iterations, float(learning_rate),
                 GRAM_REFRESH_EVERY, HIDDEN_CODES[activation], out_code, loss_code, costs)
    return costs
