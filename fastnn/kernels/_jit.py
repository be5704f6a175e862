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
which would otherwise keep loops scalar) and, when :data:`CACHE` is true,
Numba's on-disk cache.

The disk cache never stops fastnn from importing: it is decided once, here, at
import.  ``FASTNN_CACHE=0`` turns it off.  Otherwise Numba is asked where it
would cache a function of this directory (the package's ``__pycache__``, else
``NUMBA_CACHE_DIR`` or ``~/.cache/numba``); when no place is writable (a
read-only install with a read-only home), kernels are compiled in memory
instead and one warning says so.  Every module that jits uses :data:`CACHE`.

Numba keys a cached kernel on a hash of its own source file's contents, so
editing a file recompiles that file's kernels (touching it does not).  It
does not follow calls into other files: after editing a function that other
files' kernels call (``fastmath.py``), clear the ``__pycache__`` directories or
set ``FASTNN_CACHE=0``.
"""
import os
import warnings

import numba

MATH_FLAGS = frozenset({"contract"})
LOOP_FLAGS = frozenset({"contract", "reassoc", "nsz"})


def _probe():
    """A function of this directory for asking Numba where its kernels would be cached."""


def _disk_cache_problem() -> str | None:
    """Why Numba cannot cache this directory's kernels on disk, or None when it can.

    Creating a cached dispatcher looks for a writable cache directory (and
    raises when there is none) but compiles nothing.
    """
    try:
        numba.njit(cache=True)(_probe)
    except RuntimeError as exc:  # "cannot cache function ...: no locator available ..."
        return str(exc)
    return None


def _use_disk_cache() -> bool:
    """Whether kernels use the on-disk cache; warns once when it is wanted but impossible."""
    if os.environ.get("FASTNN_CACHE", "1") == "0":
        return False
    problem = _disk_cache_problem()
    if problem is None:
        return True
    warnings.warn(
        f"fastnn: no writable place for Numba's on-disk cache ({problem}); kernels are "
        "compiled in memory, again in every new process.  Make the package's __pycache__ "
        "or ~/.cache/numba writable or set NUMBA_CACHE_DIR to a writable directory; set "
        "FASTNN_CACHE=0 to turn the disk cache off without this warning.",
        RuntimeWarning, stacklevel=2)
    return False


#: Whether the kernels use Numba's on-disk cache (decided once, at import).
CACHE = _use_disk_cache()


def math_jit(fn):
    """Compile a scalar math core (no reassociation)."""
    return numba.njit(cache=CACHE, error_model="numpy", fastmath=set(MATH_FLAGS))(fn)


def loop_jit(fn):
    """Compile an array kernel (reassociation allowed, NaN/inf kept)."""
    return numba.njit(cache=CACHE, error_model="numpy", fastmath=set(LOOP_FLAGS))(fn)
