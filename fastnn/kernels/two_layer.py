"""Forward and backward pass of a small 2-layer net, fused, one block of samples at a time.

For the texts' nets (a few hidden units) the whole step is bound by memory and by
the activation functions, not by arithmetic.  Processing a block of samples at a
time, forward then backward, keeps each block of ``X`` in cache between its two
uses (``Z1 = W1 @ X`` and ``dW1 += dZ1 @ X.T``), so ``X`` is read from memory once
per step, and no ``(n_h, m)`` array is ever written.
"""
from __future__ import annotations

from ._jit import loop_jit
from .activations import apply_activation, multiply_by_derivative
from .backprop import cost_sum, output_delta_kernel

#: A block of X holds about this many values (256 KiB in float64), so it stays in
#: L2 cache between its two uses; blocks hold 32 to 512 samples.
BLOCK_VALUES = 32768
#: Nets with at most MAX_INPUTS inputs, MAX_HIDDEN hidden units and MAX_OUTPUTS outputs
#: take the blocked path: its row loops make n_h * n_x short passes over a block, which
#: only pays while both are small.  Wider nets, like a 64-unit digits net or the
#: 4096-input sign-language net, are better served by BLAS on the whole batch.
MAX_INPUTS = 64
MAX_HIDDEN = 16
MAX_OUTPUTS = 16


@loop_jit
def fits_blocked(dims):
    """Whether the net ``dims`` ``[n_x, n_h, n_y]`` takes the blocked path."""
    if dims.shape[0] != 3:
        return False
    return dims[0] <= MAX_INPUTS and dims[1] <= MAX_HIDDEN and dims[2] <= MAX_OUTPUTS


@loop_jit
def block_size(n_x):
    """Samples per block for ``n_x`` input features."""
    return min(max(BLOCK_VALUES // n_x, 32), 512)


@loop_jit
def workspace_size(dims):
    """Length of the work buffer :func:`two_layer_cost_and_gradient` needs."""
    return (2 * dims[1] + 3 * dims[2]) * block_size(dims[0])


@loop_jit
def _block_forward(W, b, A_prev, j0, code, out):
    """``out = g(W @ A_prev[:, j0:j0 + nb] + b)``, out ``(n, nb)``, looping over the
    inputs outermost so each row of the ``A_prev`` block is loaded once."""
    n, nb = out.shape
    for i in range(n):
        bi = b[i, 0]
        for j in range(nb):
            out[i, j] = bi
    for p in range(W.shape[1]):
        for i in range(n):
            w = W[i, p]
            for j in range(nb):
                out[i, j] += w * A_prev[p, j0 + j]
    apply_activation(out, code)


@loop_jit
def _block_accumulate(dZ, A_prev, j0, dW, db):
    """``dW += dZ @ A_prev[:, j0:j0 + nb].T`` and ``db += sum(dZ, axis=1)``."""
    n, nb = dZ.shape
    for p in range(dW.shape[1]):
        for i in range(n):
            s = dZ[i, 0] * 0
            for j in range(nb):
                s += dZ[i, j] * A_prev[p, j0 + j]
            dW[i, p] += s
    for i in range(n):
        s = dZ[i, 0] * 0
        for j in range(nb):
            s += dZ[i, j]
        db[i, 0] += s


@loop_jit
def two_layer_cost_and_gradient(X, Y, W1, b1, W2, b2, code, out_code, loss,
                                dW1, db1, dW2, db2, work):
    """Cost of the 2-layer net on the columns of ``X`` ``(n_x, m)``; gradients into
    ``dW1 (n_h, n_x)``, ``db1 (n_h, 1)``, ``dW2 (n_y, n_h)``, ``db2 (n_y, 1)``.
    ``work`` is a flat buffer of at least ``workspace_size(dims)`` values."""
    n_x, m = X.shape
    n_h, n_y = W1.shape[0], W2.shape[0]
    block = block_size(n_x)
    for g in (dW1, db1, dW2, db2):
        g[:] = 0
    total = 0.0
    for j0 in range(0, m, block):
        nb = min(block, m - j0)
        A1 = work[:n_h * nb].reshape((n_h, nb))
        dZ1 = work[n_h * block:n_h * block + n_h * nb].reshape((n_h, nb))
        start = 2 * n_h * block
        A2 = work[start:start + n_y * nb].reshape((n_y, nb))
        dZ2 = work[start + n_y * block:start + n_y * block + n_y * nb].reshape((n_y, nb))
        start += 2 * n_y * block
        Yb = work[start:start + n_y * nb].reshape((n_y, nb))  # contiguous, so loops vectorise
        Yb[:] = Y[:, j0:j0 + nb]

        _block_forward(W1, b1, X, j0, code, A1)
        _block_forward(W2, b2, A1, 0, out_code, A2)
        total += cost_sum(A2, Yb, loss, out_code)

        output_delta_kernel(A2, Yb, out_code, loss, dZ2)
        _block_accumulate(dZ2, A1, 0, dW2, db2)
        # dZ1 = (W2.T @ dZ2) * g'(A1)
        dZ1[:] = 0
        for k in range(n_y):
            for i in range(n_h):
                w = W2[k, i]
                for j in range(nb):
                    dZ1[i, j] += w * dZ2[k, j]
        multiply_by_derivative(dZ1, A1, code)
        _block_accumulate(dZ1, X, j0, dW1, db1)
    inv_m = X.dtype.type(1) / m
    for g in (dW1, db1, dW2, db2):
        for i in range(g.shape[0]):
            for p in range(g.shape[1]):
                g[i, p] *= inv_m
    return total / m
