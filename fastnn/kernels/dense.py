"""Matrix products and the fused dense layer ``A = g(W @ A_prev + b)``.

Small products (a few dozen weights) run as row loops that LLVM vectorises
over the samples axis; larger ones call BLAS (:func:`gemm`).  All write into a
given ``out``.

Two BLAS libraries are at hand: ``np.dot`` in compiled code calls SciPy's, and
NumPy's own ``np.matmul`` calls NumPy's, which was up to twice as fast on the
training GEMMs here (float32 784x10000 products: 215-250 against 118-124
GFLOP/s).  Reaching NumPy's from compiled code costs an object-mode call of
about 4 us, so only products of at least ``NUMPY_GEMM_MACS`` multiply-adds take
it.
"""
from __future__ import annotations

import numba
import numpy as np

from ._arrays import as_kernel_array, check_out
from ._jit import loop_jit, wide_vectors
from .activations import CODES, SOFTMAX, apply_activation

#: Products with at most this many weights use the row loops instead of BLAS.
SMALL_WEIGHTS = 64
#: Products of at least this many multiply-adds call NumPy's BLAS, smaller ones SciPy's.
NUMPY_GEMM_MACS = 1 << 20


@loop_jit
def gemm(A, B, out):
    """``out = A @ B`` through BLAS: A ``(n, k)``, B ``(k, m)``, out ``(n, m)``, any of
    them possibly a transposed view of a contiguous array."""
    if A.shape[0] * A.shape[1] * B.shape[1] >= NUMPY_GEMM_MACS:
        with numba.objmode():
            np.matmul(A, B, out=out)
    else:
        np.dot(A, B, out)


@loop_jit
def matmul_nn(A, B, out):
    """``out = A @ B``: A ``(n, k)``, B ``(k, m)``, out ``(n, m)``."""
    wide_vectors()
    n, k = A.shape
    if n * k > SMALL_WEIGHTS:
        gemm(A, B, out)
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
    wide_vectors()
    k, n = A.shape
    if n * k > SMALL_WEIGHTS:
        gemm(A.T, B, out)
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
    wide_vectors()
    n = A.shape[0]
    k, m = B.shape
    if n * k > SMALL_WEIGHTS:
        gemm(A, B.T, out)
        return
    for i in range(n):
        for p in range(k):
            s = A.dtype.type(0)
            for j in range(m):
                s += A[i, j] * B[p, j]
            out[i, p] = s


@loop_jit
def add_bias_and_activate(b, code, out):
    """``out = g(out + b)`` in place: b ``(n, 1)``, out ``(n, m)``."""
    wide_vectors()
    n, m = out.shape
    for i in range(n):
        bi = b[i, 0]
        for j in range(m):
            out[i, j] += bi
        if code != SOFTMAX:  # one row at a time, while it is in cache
            apply_activation(out[i].reshape((1, m)), code)
    if code == SOFTMAX:  # over the whole column
        apply_activation(out, code)


@loop_jit
def dense_forward(W, A_prev, b, code, out):
    """``out = g(W @ A_prev + b)``: W ``(n, n_prev)``, A_prev ``(n_prev, m)``,
    b ``(n, 1)``, out ``(n, m)``; ``code`` selects ``g``."""
    matmul_nn(W, A_prev, out)
    add_bias_and_activate(b, code, out)


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
