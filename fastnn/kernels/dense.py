"""Matrix products and the fused dense layer ``A = g(W @ A_prev + b)``.

Small products (a few dozen weights) run as row loops that LLVM vectorises
over the samples axis; larger ones call BLAS (:func:`gemm`): NumPy's own
OpenBLAS, called directly (:mod:`fastnn.kernels.blas`), or ``np.dot`` (SciPy's
BLAS) where NumPy has none bundled.  All write into a given ``out``.
"""
from __future__ import annotations

import numpy as np

from .._validation import check_apart, check_out, check_same_dtype
from ._arrays import broadcast_input, check_shape, matrix
from ._jit import loop_jit, wide_vectors
from .activations import CODES, SOFTMAX, apply_activation, check_softmax_rows
from .blas import (NO_TRANS, NUMPY_CBLAS, ROW_MAJOR, TRANS, cblas_dgemm, cblas_dgemv,
                   cblas_sgemm, cblas_sgemv)

#: Products with at most this many weights use the row loops instead of BLAS.
SMALL_WEIGHTS = 64
#: A float32 ``A @ B.T`` of shape ``(n, k)``, ``n < k``, is computed transposed (see
#: :func:`matmul_nt`) when ``n`` is at most TRANSPOSED_MAX_ROWS and the product sums
#: over at least TRANSPOSED_MIN_SAMPLES samples.
TRANSPOSED_MAX_ROWS = 128
TRANSPOSED_MIN_SAMPLES = 2000


@loop_jit
def _cblas_operand(A):
    """``(CBLAS transpose flag, leading dimension)`` of A ``(rows, cols)``: C-contiguous,
    or the transpose of a C-contiguous array."""
    if A.flags.c_contiguous:
        return NO_TRANS, max(A.shape[1], 1)
    if A.flags.f_contiguous:
        return TRANS, max(A.shape[0], 1)
    raise ValueError("gemm: every operand must be C-contiguous or the transpose of a "
                     "C-contiguous array")


if NUMPY_CBLAS:
    @loop_jit
    def gemm(A, B, out):
        """``out = A @ B`` through NumPy's BLAS: A ``(n, k)``, B ``(k, m)``, out
        ``(n, m)``; A and B may be transposed views of C-contiguous arrays, out is
        C-contiguous."""
        n, k = A.shape
        m = B.shape[1]
        if n == 0 or m == 0:
            return
        if k == 0:
            out[:] = 0
            return
        trans_a, lda = _cblas_operand(A)
        trans_b, ldb = _cblas_operand(B)
        if not out.flags.c_contiguous:
            raise ValueError("gemm: out must be C-contiguous")
        if n == 1:  # a row times B, as BLAS's matrix-vector product (as np.matmul does)
            _gemv(B, trans_b, ldb, True, A[0], out[0])
            return
        if m == 1:
            _gemv(A, trans_a, lda, False, B[:, 0], out[:, 0])
            return
        if A.itemsize == 8:
            cblas_dgemm(ROW_MAJOR, trans_a, trans_b, n, m, k, 1.0, A.ctypes.data, lda,
                        B.ctypes.data, ldb, 0.0, out.ctypes.data, m)
        else:
            cblas_sgemm(ROW_MAJOR, trans_a, trans_b, n, m, k, np.float32(1), A.ctypes.data,
                        lda, B.ctypes.data, ldb, np.float32(0), out.ctypes.data, m)

    @loop_jit
    def _gemv(M, t_M, ld, transpose, x, y):
        """``y = M.T @ x`` if ``transpose`` else ``M @ x``, through NumPy's BLAS;
        ``(t_M, ld)`` is :func:`_cblas_operand` of M ``(r, c)``; x and y contiguous."""
        r, c = M.shape
        if t_M == TRANS:  # M views the transpose of a (c, r) array: hand BLAS that one
            r, c = c, r
        trans = NO_TRANS if (t_M == TRANS) == transpose else TRANS
        if M.itemsize == 8:
            cblas_dgemv(ROW_MAJOR, trans, r, c, 1.0, M.ctypes.data, ld, x.ctypes.data, 1,
                        0.0, y.ctypes.data, 1)
        else:
            cblas_sgemv(ROW_MAJOR, trans, r, c, np.float32(1), M.ctypes.data, ld,
                        x.ctypes.data, 1, np.float32(0), y.ctypes.data, 1)
else:
    @loop_jit
    def gemm(A, B, out):
        """``out = A @ B`` through ``np.dot`` (SciPy's BLAS): A ``(n, k)``, B ``(k, m)``,
        out ``(n, m)``, any of them possibly a transposed view of a contiguous array."""
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
def matmul_nt(A, B, out, scratch):
    """``out = A @ B.T``: A ``(n, m)``, B ``(k, m)``, out ``(n, k)``; ``scratch`` holds
    at least ``n * k`` values (work space).

    In float32 with ``n < k``, ``n <= TRANSPOSED_MAX_ROWS`` and
    ``m >= TRANSPOSED_MIN_SAMPLES``, BLAS computes ``out.T = B @ A.T`` into
    ``scratch``, which is then copied over.  Measured here with NumPy's OpenBLAS,
    copy included, at m = 2 000-10 000: 1.2-2.0x faster for ``n`` 2-100 (``k``
    64-4096), 1.0-1.25x for ``n`` = 128 (W3's ``(128, m) @ (m, 784)``: 8.1 against
    9.9 ms), as fast for ``n`` 256-512; at mini-batch sizes (m = 16-200) mostly
    slower, up to 3.4x.  Float64 showed no such rule (0.8-1.3x either way).
    """
    wide_vectors()
    n = A.shape[0]
    k, m = B.shape
    if n * k > SMALL_WEIGHTS:
        if (A.itemsize == 4 and n < k and n <= TRANSPOSED_MAX_ROWS
                and m >= TRANSPOSED_MIN_SAMPLES):
            outT = scratch[:n * k].reshape((k, n))
            gemm(B, A.T, outT)
            for i in range(n):
                out[i, :] = outT[:, i]
        else:
            gemm(A, B.T, out)
        return
    for i in range(n):
        for p in range(k):
            s = A.dtype.type(0)
            for j in range(m):
                s += A[i, j] * B[p, j]
            out[i, p] = s


@loop_jit
def add_bias_and_activate(b, code, out, scratch):
    """``out = g(out + b)`` in place: b ``(n, 1)``, out ``(n, m)``; ``scratch`` holds
    ``m`` values (see :func:`~fastnn.kernels.activations.apply_activation`)."""
    wide_vectors()
    n, m = out.shape
    for i in range(n):
        bi = b[i, 0]
        for j in range(m):
            out[i, j] += bi
        if code != SOFTMAX:  # one row at a time, while it is in cache
            apply_activation(out[i].reshape((1, m)), code, scratch)
    if code == SOFTMAX:  # over the whole column
        apply_activation(out, code, scratch)


@loop_jit
def dense_forward(W, A_prev, b, code, out, scratch):
    """``out = g(W @ A_prev + b)``: W ``(n, n_prev)``, A_prev ``(n_prev, m)``,
    b ``(n, 1)``, out ``(n, m)``; ``code`` selects ``g``; ``scratch`` holds ``m``
    values."""
    matmul_nn(W, A_prev, out)
    add_bias_and_activate(b, code, out, scratch)


# ------------------------------------------------------------- Python-level twins
def linear_forward(W, A_prev, b):
    """``W @ A_prev + b`` -> ``(n, m)``."""
    return linear_activation_forward(W, A_prev, b, "identity")


def linear_activation_forward(W, A_prev, b, activation, out=None):
    """``g(W @ A_prev + b)`` written into ``out`` ``(n, m)`` (allocated when None).

    A Fortran-ordered ``A_prev`` goes to BLAS as it is (see :func:`matrix`), but is
    copied for the small-weights loop, which sweeps its rows."""
    W = matrix("W", W)
    A_prev = matrix("A_prev", A_prev, transposed=W.size > SMALL_WEIGHTS)
    check_shape("W", W, (W.shape[0], A_prev.shape[0]),
                lambda: f" (a column per row of A_prev, whose shape is {A_prev.shape})")
    check_same_dtype(W=W, A_prev=A_prev)
    b = broadcast_input("b", b, (W.shape[0], 1), W.dtype)
    shape = (W.shape[0], A_prev.shape[1])
    if out is None:
        out = np.empty(shape, W.dtype)
    else:  # a new array overlaps nothing; a caller's might
        check_out("out", out, shape, W.dtype)
        check_apart({"out": out}, {"W": W, "A_prev": A_prev, "b": b})
    check_softmax_rows(out, CODES[activation])
    dense_forward(W, A_prev, b, CODES[activation], out, np.empty(shape[1], W.dtype))
    return out
