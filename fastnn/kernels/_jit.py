"""Numba jit options, kept in one place.

Two flavours of compiled function:

``math_jit``
    Scalar math cores (exp, log, tanh, sigmoid).  Only ``contract`` (fused
    multiply-add) is allowed: ``reassoc`` changes the range reduction and
    costs accuracy.
``loop_jit``
    Loops over arrays.  ``reassoc`` lets LLVM vectorise reductions (sums over
    samples); ``nnan``/``ninf`` are never used, so NaN checks survive.

Both use ``error_model="numpy"`` (no zero-division check in every division,
which would otherwise keep loops scalar) and Numba's on-disk cache unless
``FASTNN_CACHE=0`` is set.
"""
import os

import numba

CACHE = os.environ.get("FASTNN_CACHE", "1") != "0"

MATH_FLAGS = frozenset({"contract"})
LOOP_FLAGS = frozenset({"contract", "reassoc", "nsz"})


def math_jit(fn):
    """Compile a scalar math core (no reassociation)."""
    return numba.njit(cache=CACHE, error_model="numpy", fastmath=set(MATH_FLAGS))(fn)


def loop_jit(fn):
    """Compile an array kernel (reassociation allowed, NaN/inf kept)."""
    return numba.njit(cache=CACHE, error_model="numpy", fastmath=set(LOOP_FLAGS))(fn)
