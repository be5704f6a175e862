"""Forward and backward pass of a 2-layer net with few hidden units, fused, one block of
samples at a time; and, for many inputs, a training loop that reads ``X`` once per
iteration.

For the texts' nets (a few hidden units) a step is bound by memory traffic and by
the activation functions, not by arithmetic.  Processing a block of samples at a
time, forward then backward, keeps the block of ``X`` in cache between its two
uses (``Z1 = W1 @ X`` and ``dW1 += dZ1 @ X.T``), so ``X`` is read from memory once
per step, and no ``(n_h, m)`` array is ever written.

The hidden layer's products come in two layouts:

* few inputs (the 2-input planar net): ``X`` ``(n_x, m)`` as given; loops run
  along the samples axis, one short pass per input and hidden unit;
* many inputs (the 4096-input sign-language net): ``XT = X.T`` ``(m, n_x)``,
  so each sample is a contiguous row and every product is a long loop over the
  inputs; three hidden units and four samples share each pass.

Full-batch training of a many-input net (:func:`rows_train_loop`) goes further:
the pass over ``X`` that updates ``W1`` also computes the next iteration's
``W1 @ X``, block of features by block of features, so ``X`` is read once per
iteration rather than once for the forward and once for the backward pass, and
no ``X.T`` copy is needed.  The same dot-product and axpy kernels serve both
layouts: a row of ``X`` is a feature across the samples, a row of ``XT`` a sample
across the features.

With at least twice as many inputs as samples (images: 4 096 x 348 in the texts,
12 288 x 209 for 64x64 colour images) and enough iterations, the loop need not
read ``X`` at all in most iterations.  Gradient descent changes ``W1`` by
``-lr/m * dZ1 @ X.T``, so it changes ``Z1 = W1 @ X`` by ``-lr/m * dZ1 @ K`` with
the samples' Gram matrix ``K = X.T @ X`` ``(m, m)``, computed once per call by
BLAS: an ``(n_h, m) @ (m, m)`` product instead of two with ``X``
(``4 n_h n_x m`` multiply-adds, bound by reading ``X`` from memory).  ``W1``
itself is brought up to date from the summed ``dZ1`` every ``refresh_every``
iterations and at the end, and ``Z1`` recomputed from it, so rounding in the
running update of ``Z1`` cannot build up.  (Which nets take this path, and how
often ``W1`` is refreshed, is decided in :mod:`.loop`.)
"""
from __future__ import annotations

import numpy as np

from ._jit import loop_jit, wide_vectors
from .activations import apply_activation
from .backprop import cost_sum, narrow_delta, output_delta_kernel

#: A block of X holds about this many values (256 KiB in float64), so it stays in
#: L2 cache between its two uses; blocks hold 32 to 512 samples.
BLOCK_VALUES = 32768
#: Nets with at most MAX_HIDDEN hidden units and MAX_OUTPUTS outputs take a blocked
#: path; wider ones are better served by BLAS on the whole batch, layer by layer, and
#: so is a many-input net with one hidden unit.  Measured on an AMD EPYC (Zen 3,
#: AVX2), loop against loop: with 8-16 hidden units the layer-by-layer loop was
#: 1.02-2.1x faster than the ``ROWS`` loop and, for 8 inputs or more, 1.02-2.4x
#: faster than the ``COLUMNS`` loop (with 2 inputs that one stayed up to 9% faster);
#: at 7 the loops were within 10%; at 2-6 it was up to 2.5x slower than the ``ROWS``
#: loop; with one hidden unit it beat the ``ROWS`` loop by 1.05-1.9x.
MAX_HIDDEN = 7
MAX_OUTPUTS = 16
#: Above this many inputs the hidden layer works on sample rows (``XT``).
MAX_COLUMN_INPUTS = 64
#: :func:`rows_train_loop` pads the samples axis to a multiple of this (16 float32
#: values fill a 512-bit vector).
SAMPLE_MULTIPLE = 16

GENERIC, COLUMNS, ROWS = 0, 1, 2  # how cost_and_gradient runs a net


@loop_jit
def choose_path(dims):
    """``COLUMNS`` or ``ROWS`` for a small 2-layer net ``[n_x, n_h, n_y]``, else ``GENERIC``."""
    if dims.shape[0] != 3 or dims[1] > MAX_HIDDEN or dims[2] > MAX_OUTPUTS:
        return GENERIC
    if dims[0] <= MAX_COLUMN_INPUTS:
        return COLUMNS
    return ROWS if dims[1] > 1 else GENERIC


@loop_jit
def block_size(n_x):
    """Samples per block for ``n_x`` input features (a multiple of 4)."""
    return min(max(BLOCK_VALUES // n_x, 32), 512)


@loop_jit
def workspace_size(dims):
    """Length of the work buffer :func:`two_layer_cost_and_gradient` needs: per block
    ``A1`` (``dZ1`` in place), a row, and ``A2``, ``dZ2``, ``Y``."""
    return (dims[1] + 1 + 3 * dims[2]) * block_size(dims[0])


@loop_jit
def _block_forward(W, b, A_prev, j0, code, out, row):
    """``out = g(W @ A_prev[:, j0:j0 + nb] + b)``, out ``(n, nb)``, looping over the
    inputs outermost so each row of the ``A_prev`` block is loaded once; ``row`` holds
    ``nb`` values (softmax's scratch)."""
    wide_vectors()
    n, nb = out.shape
    for i in range(n):
        out[i, :] = b[i, 0]
    for p in range(W.shape[1]):
        a = A_prev[p, j0:j0 + nb]
        for i in range(n):
            w = W[i, p]
            o = out[i]
            for j in range(nb):
                o[j] += w * a[j]
    apply_activation(out, code, row)


@loop_jit
def _block_accumulate(dZ, A_prev, j0, dW, db):
    """``dW += dZ @ A_prev[:, j0:j0 + nb].T`` and ``db += sum(dZ, axis=1)``."""
    wide_vectors()
    n, nb = dZ.shape
    for p in range(dW.shape[1]):
        a = A_prev[p, j0:j0 + nb]
        for i in range(n):
            d = dZ[i]
            s = dZ.dtype.type(0)
            for j in range(nb):
                s += d[j] * a[j]
            dW[i, p] += s
    for i in range(n):
        db[i, 0] += dZ[i].sum()


@loop_jit
def _dots1(w, XT, j0, o):
    """``o[j] = w . XT[j0 + j]`` for every ``j`` of ``o``, four samples per pass over ``w``."""
    wide_vectors()
    nb, n_x = o.shape[0], w.shape[0]
    j = 0
    while j + 4 <= nb:
        x0, x1, x2, x3 = XT[j0 + j], XT[j0 + j + 1], XT[j0 + j + 2], XT[j0 + j + 3]
        s0 = s1 = s2 = s3 = w.dtype.type(0)
        for p in range(n_x):
            s0 += w[p] * x0[p]
            s1 += w[p] * x1[p]
            s2 += w[p] * x2[p]
            s3 += w[p] * x3[p]
        o[j], o[j + 1], o[j + 2], o[j + 3] = s0, s1, s2, s3
        j += 4
    for rest in range(j, nb):  # the last nb % 4 samples, one at a time
        x = XT[j0 + rest]
        s = w.dtype.type(0)
        for p in range(n_x):
            s += w[p] * x[p]
        o[rest] = s


@loop_jit
def _dots2(w, v, XT, j0, o, q):
    """:func:`_dots1` for two rows ``w``, ``v`` at once (into ``o``, ``q``): each load of a
    sample serves both."""
    wide_vectors()
    nb, n_x = o.shape[0], w.shape[0]
    j = 0
    while j + 4 <= nb:
        x0, x1, x2, x3 = XT[j0 + j], XT[j0 + j + 1], XT[j0 + j + 2], XT[j0 + j + 3]
        s0 = s1 = s2 = s3 = t0 = t1 = t2 = t3 = w.dtype.type(0)
        for p in range(n_x):
            s0 += w[p] * x0[p]
            s1 += w[p] * x1[p]
            s2 += w[p] * x2[p]
            s3 += w[p] * x3[p]
            t0 += v[p] * x0[p]
            t1 += v[p] * x1[p]
            t2 += v[p] * x2[p]
            t3 += v[p] * x3[p]
        o[j], o[j + 1], o[j + 2], o[j + 3] = s0, s1, s2, s3
        q[j], q[j + 1], q[j + 2], q[j + 3] = t0, t1, t2, t3
        j += 4
    for rest in range(j, nb):
        x = XT[j0 + rest]
        s = t = w.dtype.type(0)
        for p in range(n_x):
            s += w[p] * x[p]
            t += v[p] * x[p]
        o[rest], q[rest] = s, t


@loop_jit
def _dots3(u, v, w, XT, j0, o, q, r):
    """:func:`_dots1` for three rows ``u``, ``v``, ``w`` at once (into ``o``, ``q``, ``r``):
    twelve accumulators, one pass over the samples for three hidden units."""
    wide_vectors()
    nb, n_x = o.shape[0], u.shape[0]
    j = 0
    while j + 4 <= nb:
        x0, x1, x2, x3 = XT[j0 + j], XT[j0 + j + 1], XT[j0 + j + 2], XT[j0 + j + 3]
        s0 = s1 = s2 = s3 = t0 = t1 = t2 = t3 = z0 = z1 = z2 = z3 = u.dtype.type(0)
        for p in range(n_x):
            s0 += u[p] * x0[p]
            s1 += u[p] * x1[p]
            s2 += u[p] * x2[p]
            s3 += u[p] * x3[p]
            t0 += v[p] * x0[p]
            t1 += v[p] * x1[p]
            t2 += v[p] * x2[p]
            t3 += v[p] * x3[p]
            z0 += w[p] * x0[p]
            z1 += w[p] * x1[p]
            z2 += w[p] * x2[p]
            z3 += w[p] * x3[p]
        o[j], o[j + 1], o[j + 2], o[j + 3] = s0, s1, s2, s3
        q[j], q[j + 1], q[j + 2], q[j + 3] = t0, t1, t2, t3
        r[j], r[j + 1], r[j + 2], r[j + 3] = z0, z1, z2, z3
        j += 4
    for rest in range(j, nb):
        x = XT[j0 + rest]
        s = t = z = u.dtype.type(0)
        for p in range(n_x):
            s += u[p] * x[p]
            t += v[p] * x[p]
            z += w[p] * x[p]
        o[rest], q[rest], r[rest] = s, t, z


@loop_jit
def _rows_dots(W, XT, j0, out):
    """``out = W @ XT[j0:j0 + nb].T``, out ``(n, nb)``: dot products along the rows,
    three rows of ``W`` (the last one or two: fewer) and four rows of ``XT`` per pass."""
    n = out.shape[0]
    i = 0
    while i + 3 <= n:
        _dots3(W[i], W[i + 1], W[i + 2], XT, j0, out[i], out[i + 1], out[i + 2])
        i += 3
    if n - i == 2:
        _dots2(W[i], W[i + 1], XT, j0, out[i], out[i + 1])
    elif n - i == 1:
        _dots1(W[i], XT, j0, out[i])


@loop_jit
def _rows_forward(W, b, XT, j0, code, out, row):
    """``out = g(W @ XT[j0:j0 + nb].T + b)``, out ``(n, nb)``; ``row`` holds ``nb``
    values (softmax's scratch)."""
    _rows_dots(W, XT, j0, out)
    for i in range(out.shape[0]):
        bi = b[i, 0]
        for j in range(out.shape[1]):
            out[i, j] += bi
    apply_activation(out, code, row)


@loop_jit
def _axpys1(d, XT, j0, row):
    """``row += d @ XT[j0:j0 + nb]``, four samples per pass over ``row``."""
    wide_vectors()
    nb, n_x = d.shape[0], row.shape[0]
    j = 0
    while j + 4 <= nb:
        x0, x1, x2, x3 = XT[j0 + j], XT[j0 + j + 1], XT[j0 + j + 2], XT[j0 + j + 3]
        d0, d1, d2, d3 = d[j], d[j + 1], d[j + 2], d[j + 3]
        for p in range(n_x):
            row[p] += d0 * x0[p] + d1 * x1[p] + d2 * x2[p] + d3 * x3[p]
        j += 4
    for rest in range(j, nb):  # the last nb % 4 samples, one at a time
        x, dj = XT[j0 + rest], d[rest]
        for p in range(n_x):
            row[p] += dj * x[p]


@loop_jit
def _axpys2(d, e, XT, j0, row, other):
    """:func:`_axpys1` for two rows at once (``row += d @ ...``, ``other += e @ ...``):
    each load of a sample serves both."""
    wide_vectors()
    nb, n_x = d.shape[0], row.shape[0]
    j = 0
    while j + 4 <= nb:
        x0, x1, x2, x3 = XT[j0 + j], XT[j0 + j + 1], XT[j0 + j + 2], XT[j0 + j + 3]
        d0, d1, d2, d3 = d[j], d[j + 1], d[j + 2], d[j + 3]
        e0, e1, e2, e3 = e[j], e[j + 1], e[j + 2], e[j + 3]
        for p in range(n_x):
            row[p] += d0 * x0[p] + d1 * x1[p] + d2 * x2[p] + d3 * x3[p]
            other[p] += e0 * x0[p] + e1 * x1[p] + e2 * x2[p] + e3 * x3[p]
        j += 4
    for rest in range(j, nb):
        x, dj, ej = XT[j0 + rest], d[rest], e[rest]
        for p in range(n_x):
            row[p] += dj * x[p]
            other[p] += ej * x[p]


@loop_jit
def _axpys3(d, e, f, XT, j0, row, other, third):
    """:func:`_axpys1` for three rows at once: each load of a sample serves all three."""
    wide_vectors()
    nb, n_x = d.shape[0], row.shape[0]
    j = 0
    while j + 4 <= nb:
        x0, x1, x2, x3 = XT[j0 + j], XT[j0 + j + 1], XT[j0 + j + 2], XT[j0 + j + 3]
        d0, d1, d2, d3 = d[j], d[j + 1], d[j + 2], d[j + 3]
        e0, e1, e2, e3 = e[j], e[j + 1], e[j + 2], e[j + 3]
        f0, f1, f2, f3 = f[j], f[j + 1], f[j + 2], f[j + 3]
        for p in range(n_x):
            y0, y1, y2, y3 = x0[p], x1[p], x2[p], x3[p]
            row[p] += d0 * y0 + d1 * y1 + d2 * y2 + d3 * y3
            other[p] += e0 * y0 + e1 * y1 + e2 * y2 + e3 * y3
            third[p] += f0 * y0 + f1 * y1 + f2 * y2 + f3 * y3
        j += 4
    for rest in range(j, nb):
        x, dj, ej, fj = XT[j0 + rest], d[rest], e[rest], f[rest]
        for p in range(n_x):
            row[p] += dj * x[p]
            other[p] += ej * x[p]
            third[p] += fj * x[p]


@loop_jit
def _rows_axpys(dZ, XT, j0, dW):
    """``dW += dZ @ XT[j0:j0 + nb]``, dZ ``(n, nb)``: three rows of ``dW`` (the last one
    or two: fewer) and four rows of ``XT`` per pass."""
    n = dZ.shape[0]
    i = 0
    while i + 3 <= n:
        _axpys3(dZ[i], dZ[i + 1], dZ[i + 2], XT, j0, dW[i], dW[i + 1], dW[i + 2])
        i += 3
    if n - i == 2:
        _axpys2(dZ[i], dZ[i + 1], XT, j0, dW[i], dW[i + 1])
    elif n - i == 1:
        _axpys1(dZ[i], XT, j0, dW[i])


@loop_jit
def _rows_accumulate(dZ, XT, j0, dW, db):
    """``dW += dZ @ XT[j0:j0 + nb]`` and ``db += sum(dZ, axis=1)``."""
    _rows_axpys(dZ, XT, j0, dW)
    for i in range(dZ.shape[0]):
        db[i, 0] += dZ[i].sum()


@loop_jit
def _output_layer(A1, Y, W2, b2, code, out_code, loss, A2, dZ2, dW2, db2, row):
    """The output layer of a block of ``nb`` samples, forward and back: ``A2``, the
    block's summed cost (returned), ``dZ2``, ``dW2 += dZ2 @ A1.T``, ``db2 += sum(dZ2)``,
    and ``A1`` ``(n_h, nb)`` overwritten by ``dZ1``; ``row`` holds ``nb`` values."""
    _block_forward(W2, b2, A1, 0, out_code, A2, row)
    total = cost_sum(A2, Y, loss, out_code)
    output_delta_kernel(A2, Y, out_code, loss, dZ2)
    _block_accumulate(dZ2, A1, 0, dW2, db2)
    narrow_delta(W2, dZ2, A1, row, code)
    return total


@loop_jit
def two_layer_cost_and_gradient(X, XT, Y, W1, b1, W2, b2, code, out_code, loss,
                                dW1, db1, dW2, db2, work):
    """Cost of the 2-layer net on the ``m`` samples of ``X`` ``(n_x, m)``; gradients into
    ``dW1 (n_h, n_x)``, ``db1 (n_h, 1)``, ``dW2 (n_y, n_h)``, ``db2 (n_y, 1)``.

    When ``XT`` holds the samples as rows (``(m, n_x)``) the hidden layer reads it
    (the ``ROWS`` path) and ``X`` is not used; otherwise ``XT`` is empty.
    ``work`` is a flat buffer of at least ``workspace_size(dims)`` values.
    """
    wide_vectors()
    rows = XT.shape[0] > 0
    m = Y.shape[1]
    n_h, n_y = W1.shape[0], W2.shape[0]
    block = block_size(W1.shape[1])
    for g in (dW1, db1, dW2, db2):
        g[:] = 0
    total = 0.0
    for j0 in range(0, m, block):
        nb = min(block, m - j0)
        A1 = work[:n_h * nb].reshape((n_h, nb))
        row = work[n_h * block:n_h * block + nb]
        start = (n_h + 1) * block
        A2 = work[start:start + n_y * nb].reshape((n_y, nb))
        dZ2 = work[start + n_y * block:start + n_y * block + n_y * nb].reshape((n_y, nb))
        start += 2 * n_y * block
        Yb = work[start:start + n_y * nb].reshape((n_y, nb))  # contiguous, so loops vectorise
        for i in range(n_y):  # row by row: a 2-D slice assignment is a slow loop
            Yb[i, :] = Y[i, j0:j0 + nb]

        if rows:
            _rows_forward(W1, b1, XT, j0, code, A1, row)
        else:
            _block_forward(W1, b1, X, j0, code, A1, row)
        total += _output_layer(A1, Yb, W2, b2, code, out_code, loss, A2, dZ2, dW2, db2,
                               row)  # A1 becomes dZ1
        if rows:
            _rows_accumulate(A1, XT, j0, dW1, db1)
        else:
            _block_accumulate(A1, X, j0, dW1, db1)
    inv_m = W1.dtype.type(1) / m
    for g in (dW1, db1, dW2, db2):
        for i in range(g.shape[0]):
            for p in range(g.shape[1]):
                g[i, p] *= inv_m
    return total / m


@loop_jit
def feature_block(m):
    """Rows of ``X`` per block in :func:`rows_train_loop`: a multiple of 4 from 4 to
    64, so that a block holds at most about ``BLOCK_VALUES`` values when it can."""
    return min(max(BLOCK_VALUES // m // 4 * 4, 4), 64)


@loop_jit
def project(W1, X, F, Z, work):
    """``Z = W1 @ X``, Z ``(n_h, k)``, X ``(n_x, k)``, ``F`` rows of ``X`` at a time;
    ``work`` holds ``n_h * F`` values."""
    n_h, n_x = W1.shape
    Z[:] = 0
    for p0 in range(0, n_x, F):
        nb = min(F, n_x - p0)
        block = work[:n_h * nb].reshape((n_h, nb))
        block[:] = W1[:, p0:p0 + nb]
        _rows_axpys(block, X, p0, Z)


@loop_jit
def descend_and_project(W1, dZ, X, lr, inv_m, F, Z, work, then_project):
    """``W1 -= lr * (dZ @ X.T * inv_m)``, then (if ``then_project``) ``Z = W1 @ X``.

    dZ and Z ``(n_h, k)``, X ``(n_x, k)``.  One block of ``F`` rows of ``X`` (features)
    at a time: its gradient columns, the update of ``W1[:, block]``, and its share of
    ``W1 @ X`` while the block is still in cache.  ``work`` holds ``n_h * F`` values.
    """
    n_h, n_x = W1.shape
    if then_project:
        Z[:] = 0
    for p0 in range(0, n_x, F):
        nb = min(F, n_x - p0)
        block = work[:n_h * nb].reshape((n_h, nb))
        _rows_dots(dZ, X, p0, block)  # dZ @ X[p0:p0 + nb].T
        for i in range(n_h):
            for k in range(nb):
                W1[i, p0 + k] -= lr * W1.dtype.type(block[i, k] * inv_m)
                block[i, k] = W1[i, p0 + k]
        if then_project:
            _rows_axpys(block, X, p0, Z)


@loop_jit
def step_buffers(W2, b2, m):
    """Work space of :func:`hidden_and_output_step` for ``m`` samples:
    ``(A1, A2, dZ2, dW2, db2, row)``."""
    n_y, n_h = W2.shape
    dtype = W2.dtype
    return (np.empty((n_h, m), dtype), np.empty((n_y, m), dtype), np.empty((n_y, m), dtype),
            np.empty_like(W2), np.empty_like(b2), np.empty(m, dtype))


@loop_jit
def hidden_and_output_step(Z, b1, Y, W2, b2, lr, inv_m, code, out_code, loss, buffers):
    """The part of a 2-layer iteration that does not touch ``X``, given ``Z = W1 @ X``
    (``(n_h, k)``, ``k >= m``): ``A1 = g(Z[:, :m] + b1)``, the output layer forward
    and back, the updates of ``W2``, ``b2`` and ``b1``, and ``dZ1`` left in ``A1``
    ``(n_h, m)``, the first of ``buffers = step_buffers(W2, b2, m)``.  Returns the
    cost."""
    A1, A2, dZ2, dW2, db2, row = buffers
    n_y, n_h = W2.shape
    dtype = Z.dtype
    m = A1.shape[1]
    for i in range(n_h):
        bi = b1[i, 0]
        for j in range(m):
            A1[i, j] = Z[i, j] + bi
    apply_activation(A1, code, row)
    dW2[:] = 0
    db2[:] = 0
    cost = _output_layer(A1, Y, W2, b2, code, out_code, loss, A2, dZ2, dW2, db2,
                         row) / m  # A1 becomes dZ1
    for i in range(n_y):
        for k in range(n_h):
            W2[i, k] -= lr * dtype.type(dW2[i, k] * inv_m)
        b2[i, 0] -= lr * dtype.type(db2[i, 0] * inv_m)
    for i in range(n_h):
        b1[i, 0] -= lr * dtype.type(A1[i].sum() * inv_m)
    return cost


@loop_jit
def rows_train_loop(X, K, Y, W1, b1, W2, b2, num_iterations, learning_rate, refresh_every,
                    code, out_code, loss, costs):
    """Full-batch gradient descent of a 2-layer net with many inputs on ``X``
    ``(n_x, m)``; parameters are updated in place and ``costs[it]`` is the cost
    before update ``it``.

    An iteration needs ``Z1 = W1 @ X`` for its forward pass and changes ``W1`` only
    at its end.  With ``K`` empty (``refresh_every`` must then be 1), one pass over
    ``X`` per iteration does both the update of ``W1`` and the next iteration's
    ``Z1`` (:func:`descend_and_project`); the products run along the samples axis,
    zero-padded to a multiple of ``SAMPLE_MULTIPLE`` (a copy of ``X`` when ``m`` is
    not one) so that their vector loops have no scalar remainder.

    With ``K = X.T @ X`` ``(m, m)``, ``Z1`` changes by ``-lr/m * dZ1 @ K`` instead, and
    ``W1`` only needs the sum of the ``dZ1``: it is brought up to date, and ``Z1``
    recomputed from it, every ``refresh_every`` iterations and at the end.
    """
    wide_vectors()
    n_h, n_x = W1.shape
    m = Y.shape[1]
    dtype = X.dtype
    lr = dtype.type(learning_rate)
    inv_m = dtype.type(1) / m
    step = -lr * inv_m
    F = feature_block(m)
    mp = m if K.shape[0] > 0 else -(-m // SAMPLE_MULTIPLE) * SAMPLE_MULTIPLE
    Xp = X
    if mp != m:
        Xp = np.zeros((n_x, mp), dtype)
        for p in range(n_x):
            Xp[p, :m] = X[p]
    Z = np.empty((n_h, mp), dtype)  # W1 @ X, zero in the padding
    dZ1_sum = np.zeros((n_h, mp), dtype)  # since W1 was last updated; zero in the padding
    buffers = step_buffers(W2, b2, m)
    A1 = buffers[0]  # dZ1 after each step
    work = np.empty(n_h * F, dtype)
    project(W1, Xp, F, Z, work)
    for it in range(num_iterations):
        costs[it] = hidden_and_output_step(Z, b1, Y, W2, b2, lr, inv_m, code, out_code,
                                           loss, buffers)
        for i in range(n_h):
            for j in range(m):
                dZ1_sum[i, j] += A1[i, j]
        last = it == num_iterations - 1
        if last or (it + 1) % refresh_every == 0:
            descend_and_project(W1, dZ1_sum, Xp, lr, inv_m, F, Z, work, not last)
            dZ1_sum[:] = 0
        else:
            for i in range(n_h):
                for j in range(m):
                    A1[i, j] *= step
            _rows_axpys(A1, K, 0, Z)  # Z += -lr/m * dZ1 @ K
