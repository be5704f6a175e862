"""NumPy's own BLAS, called from compiled kernels.

NumPy's wheels bundle an OpenBLAS (``numpy.libs/libscipy_openblas64_*.so``, 64-bit
integers, symbols ``scipy_cblas_dgemm64_``...), the one ``np.matmul`` calls.  It
was up to twice as fast here as the older OpenBLAS of SciPy's wheels, which
``np.dot`` calls inside Numba code (float32 784x10000 products: 215-250 against
118-124 GFLOP/s).  This module finds it and registers its matrix products
(``cblas_?gemm``, and ``cblas_?gemv`` for a single row or column) with LLVM under
fixed names, so that compiled kernels (and their on-disk cache, which keeps the
names, not the addresses) call it directly, without an object-mode call (about
4 us each, and 60-80 ms to compile in every new process).  It is the same library
instance, so ``fastnn.set_num_threads`` and threadpoolctl limit its threads.

:data:`NUMPY_CBLAS` is None where NumPy has no such library (NumPy 1.x wheels,
conda builds), when Numba is switched off, and with ``FASTNN_NUMPY_BLAS=0`` in
the environment (how the tests reach that path here);
:func:`fastnn.kernels.dense.gemm` then uses ``np.dot``.
"""
from __future__ import annotations

import ctypes
import os
import pathlib

import numba
import numpy as np
from llvmlite import binding as llvm
from numba import types

#: CBLAS constants: row-major storage, and whether an operand is transposed.
ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112


def _find_numpy_cblas() -> str | None:
    """Path of the OpenBLAS bundled with NumPy (Linux wheels), after registering its
    ``cblas_?gemm`` and ``cblas_?gemv`` as ``fastnn_cblas_?gemm`` and
    ``fastnn_cblas_?gemv``; None when there is none."""
    if numba.config.DISABLE_JIT or os.environ.get("FASTNN_NUMPY_BLAS", "1") == "0":
        return None
    libs = pathlib.Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for path in sorted(libs.glob("libscipy_openblas64_*.so")):
        lib = ctypes.CDLL(str(path))  # already loaded by NumPy: the same instance
        try:
            routines = {f"{p}{op}": getattr(lib, f"scipy_cblas_{p}{op}64_")
                        for p in "ds" for op in ("gemm", "gemv")}
        except AttributeError:
            continue
        for name, routine in routines.items():
            llvm.add_symbol(f"fastnn_cblas_{name}", ctypes.cast(routine, ctypes.c_void_p).value)
        return str(path)
    return None


#: The library the kernels' BLAS products call, or None (they use ``np.dot``).
NUMPY_CBLAS = _find_numpy_cblas()


def _gemm_signature(real):
    """``cblas_?gemm(order, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C,
    ldc)`` with 64-bit integers; the matrices are passed as addresses."""
    i32, i64, address = types.int32, types.int64, types.intp
    return types.void(i32, i32, i32, i64, i64, i64, real, address, i64, address, i64, real,
                      address, i64)


def _gemv_signature(real):
    """``cblas_?gemv(order, trans, M, N, alpha, A, lda, x, incx, beta, y, incy)``."""
    i32, i64, address = types.int32, types.int64, types.intp
    return types.void(i32, i32, i64, i64, real, address, i64, address, i64, real, address, i64)


cblas_dgemm = types.ExternalFunction("fastnn_cblas_dgemm", _gemm_signature(types.float64))
cblas_sgemm = types.ExternalFunction("fastnn_cblas_sgemm", _gemm_signature(types.float32))
cblas_dgemv = types.ExternalFunction("fastnn_cblas_dgemv", _gemv_signature(types.float64))
cblas_sgemv = types.ExternalFunction("fastnn_cblas_sgemv", _gemv_signature(types.float32))
