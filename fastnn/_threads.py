"""How many threads fastnn's work may use: Numba's pool and the BLAS pool, set together.

fastnn's own kernels are single-threaded; only the BLAS libraries run its
arithmetic in parallel (NumPy's OpenBLAS, which the compiled kernels call
directly, see :mod:`fastnn.kernels.blas`, and the ``numpy`` backend uses; and
SciPy's, behind ``np.dot`` in compiled kernels where NumPy has no bundled
OpenBLAS).  The functions here also set Numba's thread count, for your own
``parallel=True`` code run beside fastnn, so that one call limits both pools.

* Numba's count is kept **per calling thread** by Numba and can never exceed
  ``numba.config.NUMBA_NUM_THREADS`` (fixed when Numba starts; set the
  ``NUMBA_NUM_THREADS`` environment variable before importing to change it).
* The BLAS limit (through threadpoolctl) is **process-wide**: it applies to
  every thread and to every BLAS library loaded at the time of the call.  Set
  it from the main thread: once the main thread has set one, NumPy's bundled
  OpenBLAS ignored a change made from another thread here.  For the same
  reason :func:`threads` blocks must not overlap in time across threads.

Results do not depend on the count for nets whose products stay in fastnn's own
loops, such as the texts' small nets (see ``tests/test_reliability.py``).  Where
BLAS computes the products, its blocking follows the thread count, and results
can differ at rounding level (784-128-1, 2 000 samples, 30 iterations, two random
data sets: 3e-18 to 1e-16 in float64, 2e-9 to 6e-8 in float32, on either backend).
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numba
from threadpoolctl import threadpool_info, threadpool_limits

from ._validation import operator_index


def _load_blas() -> None:
    """Load SciPy's BLAS (compiled kernels call it where NumPy has none bundled), so
    limits reach it too; done on first use rather than at ``import fastnn``, which it
    would slow by ~0.2 s."""
    import scipy.linalg.cython_blas  # noqa: F401


def _check(n) -> int:
    """``n`` as an int in ``[1, NUMBA_NUM_THREADS]``."""
    try:
        n = operator_index(n)
    except TypeError:  # a float, a bool, ...
        raise TypeError(f"n must be an int; got {n!r}") from None
    limit = numba.config.NUMBA_NUM_THREADS
    if not 1 <= n <= limit:
        raise ValueError(f"n must be between 1 and {limit} (NUMBA_NUM_THREADS, fixed when "
                         f"Numba starts); got {n}")
    return n


def set_num_threads(n: int) -> None:
    """Use ``n`` threads: Numba's count for the calling thread and the process-wide BLAS
    limit.  ``1 <= n <= numba.config.NUMBA_NUM_THREADS``."""
    n = _check(n)
    _load_blas()
    numba.set_num_threads(n)
    threadpool_limits(limits=n, user_api="blas")


def get_num_threads() -> int:
    """Numba's thread count for the calling thread (what :func:`set_num_threads` set)."""
    return numba.get_num_threads()


def blas_num_threads() -> list[int]:
    """The thread count of every loaded BLAS library."""
    _load_blas()
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


@contextlib.contextmanager
def threads(n: int) -> Iterator[None]:
    """Run the ``with`` block on ``n`` threads (see :func:`set_num_threads`), then restore
    both pools to their previous counts."""
    n = _check(n)
    _load_blas()
    before = numba.get_num_threads()
    blas = threadpool_limits(limits=n, user_api="blas")
    numba.set_num_threads(n)
    try:
        yield
    finally:
        numba.set_num_threads(before)
        blas.restore_original_limits()
