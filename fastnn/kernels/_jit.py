"""Numba jit options, kept in one place.

Two flavours of compiled function:

``math_jit``
    Scalar math cores (exp, log, tanh, sigmoid), and the one loop whose order of
    operations must stay as written (the Adam update).  Only ``contract`` (fused
    multiply-add) is allowed: ``reassoc`` changes the range reduction and
    costs accuracy.
``loop_jit``
    Loops over arrays.  ``reassoc`` lets LLVM vectorise reductions (sums over
    samples); ``nnan``/``ninf`` are never used, so NaN checks survive.

Loop kernels call :func:`wide_vectors` first, so LLVM vectorises their loops
with the CPU's widest vectors (512-bit on AVX-512 machines) instead of the
256-bit width it prefers by default on such CPUs: the transcendental loops ran
1.4-1.6x faster (tanh 2.9 -> 1.8 ns per float64 value).  It is a per-function
LLVM attribute, so no process-wide setting (``NUMBA_CPU_FEATURES``) is needed
and nothing outside fastnn changes.

Loop kernels write element loops (``for j in range(m): A[i, j] *= s``), not row
expressions such as ``A[i] *= s`` or ``A[i, :] = Z[i] + b``: Numba allocates a
temporary for each of those (or a copy, when both sides share memory), which in a
training loop means allocations at every step (``tests/test_reliability.py``
counts them).

Both use ``error_model="numpy"`` (no zero-division check in every division,
which would otherwise keep loops scalar) and, when :data:`CACHE` is true,
Numba's on-disk cache.

The disk cache never stops fastnn from importing: it is decided once, here, at
import.  ``FASTNN_CACHE=0`` turns it off.  Otherwise Numba is asked where it
would cache a function of this directory (``NUMBA_CACHE_DIR`` when set, else the
package's ``__pycache__``, else ``~/.cache/numba``); when no place is writable (a
read-only install with a read-only home), kernels are compiled in memory
instead and one warning says so.  Every module that jits uses :data:`CACHE`.

The cache is never stale.  Numba keys a cached function on a hash of its own
source file only, so a kernel that calls (and inlines) a function of another
file would keep stale machine code after that file changed.  fastnn's kernels
are therefore cached through locators (``NUMBA_CACHE_DIR`` when set, else the
package's ``__pycache__``, else ``~/.cache/numba``, as Numba's own) whose
source stamp is one hash of every ``.py`` file in this directory: editing any
kernel file recompiles all kernels on next use, touching one recompiles nothing.
"""
import hashlib
import os
import pathlib
import warnings

import numba
from numba.core import caching, types
from numba.extending import intrinsic

from .blas import NUMPY_CBLAS

_KERNELS_DIR = pathlib.Path(__file__).resolve().parent


def _sources_hash() -> str:
    """One hash of the contents of every kernel source file, and of whether the kernels
    call NumPy's BLAS (code compiled to call it must not load where it is missing)."""
    digest = hashlib.sha256()
    for path in sorted(_KERNELS_DIR.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(b"numpy-cblas" if NUMPY_CBLAS else b"np.dot")
    return digest.hexdigest()


_SOURCES_HASH = _sources_hash()


class _KernelsLocatorMixin:
    """Claims only this directory's functions; stamps them with every kernel file's hash."""

    @classmethod
    def from_function(cls, py_func, py_file):
        if pathlib.Path(py_file).resolve().parent != _KERNELS_DIR:
            return None
        return super().from_function(py_func, py_file)

    def get_source_stamp(self):
        return _SOURCES_HASH


class _KernelsUserProvided(_KernelsLocatorMixin, caching.UserProvidedCacheLocator):
    """``NUMBA_CACHE_DIR``, when set."""


class _KernelsInTree(_KernelsLocatorMixin, caching.InTreeCacheLocator):
    """The package's ``__pycache__``, when writable."""


class _KernelsUserWide(_KernelsLocatorMixin, caching.UserWideCacheLocator):
    """``~/.cache/numba``, when the package is read-only."""


def _install_locators() -> None:
    """Put fastnn's locators first in Numba's list, in Numba's own order of preference
    (they claim no function outside this directory)."""
    locators = caching.CacheImpl._locator_classes
    mine = [_KernelsUserProvided, _KernelsInTree, _KernelsUserWide]
    locators[:] = mine + [cls for cls in locators if cls not in mine]

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
    _install_locators()
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


def _prefer_512_bit_vectors(typingctx):
    """Intrinsic: mark the function being compiled ``"prefer-vector-width"="512"``."""

    def codegen(context, builder, signature, args):
        # llvmlite's attribute set only admits flag attributes; this one is key=value.
        set.add(builder.function.attributes, '"prefer-vector-width"="512"')
        return context.get_dummy_value()

    return types.none(), codegen


if numba.config.DISABLE_JIT:
    def wide_vectors() -> None:
        """Nothing to do when Numba is switched off."""
else:
    #: Call first thing in a loop kernel: its loops use the widest vectors the CPU has.
    wide_vectors = intrinsic(_prefer_512_bit_vectors)


def math_jit(fn):
    """Compile a scalar math core (no reassociation)."""
    return numba.njit(cache=CACHE, error_model="numpy", fastmath=set(MATH_FLAGS))(fn)


def loop_jit(fn):
    """Compile an array kernel (reassociation allowed, NaN/inf kept)."""
    return numba.njit(cache=CACHE, error_model="numpy", fastmath=set(LOOP_FLAGS))(fn)
