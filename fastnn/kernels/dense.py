"""Matrix products and the fused dense layer ``A = g(W @ A_prev + b)``.

Small products (a few thousand weights) run as row loops that LLVM vectorises
over the samples axis; larger ones call BLAS through ``np.dot`` (SciPy's BLAS,
contiguous operands).  All write into a given ``out``.
"""
from __future__ import annotations

import numpy as np

from ._arrays import as_kernel_array, check_out
from ._jit import loop_jit
from .activations import CODES, apply_activation

#: Products with at most this many weights use the row loops instead of BLAS.
SMALL_WEIGHTS = 64


@loop_jit
def matmul_nn(A, B, out):
    """``out = A @ B``: A ``(n, k)``, B ``(k, m)``, out ``(n, m)``."""
    n, k = A.shape
    if n * k > SMALL_WEIGHTS:
        np.dot(A, B, out)
        return
    m = B.shape[1]
    for i in range(n):
        out[i, :] = 0
        for p in range(k):
            a = A[i, p]
            for j in range(m):
                out[i, j] += a * B[p, j]


@loop_jit
def matmul_tn(A, B, out):
    """``out = A.T @ B``: A ``(k, n)``, B ``(k, m)``, out ``(n, m)``."""
    k, n = A.shape
    if n * k > SMALL_WEIGHTS:
        np.dot(A.T, B, out)
        return
    m = B.shape[1]
    for i in range(n):
        out[i, :] = 0
        for p in range(k):
            a = A[p, i]
            for j in range(m):
                out[i, j] += a * B[p, j]


@loop_jit
def matmul_nt(A, B, out):
    """``out = A @ B.T``: A ``(n, m)``, B ``(k, m)``, out ``(n, k)``."""
    n = A.shape[0]
    k, m = B.shape
    if n * k > SMALL_WEIGHTS:
        np.dot(A, B.T, out)
        return
    for i in range(n):
        for p in range(k):
            s = A[i, 0] * 0
            for j in range(m):
                s += A[i, j] * B[p, j]
            out[i, p] = s


@loop_jit
def dense_forward(W, A_prev, b, code, out):
    """``out = g(W @ A_prev + b)``: W ``(n, n_prev)``, A_prev ``(n_prev, m)``,
    b ``(n, 1)``, out ``(n, m)``; ``code`` selects ``g``."""
    matmul_nn(W, A_prev, out)
    n, m = out.shape
    for i in range(n):
        bi = b[i, 0]
        for j in range(m):
            out[i, j] += bi
    apply_activation(out, code)


# ------------------------------------------------------------- Python-level twins
def linear_forward(W, A_prev, b):
    """``W @ A_prev + b`` -> ``(n, m)``."""
    return linear_activation_forward(W, A_prev, b, "identity")


def linear_activation_forward(W, A_prev, b, activation, out=None):
    """``g(W @ A_prev + b)`` written into ``out`` ``(n, m)`` (allocated when None)."""
    W, A_prev, b = as_kernel_array(W), as_kernel_array(A_prev), as_kernel_array(b)
    shape = (W.shape[0], A_prev.shape[1])
    out = np.empty(shape, W.dtype) if out is None else check_out("out", out, shape, W.dtype)
    dense_forward(W, A_prev, b, CODES[activation], out)
    return out
