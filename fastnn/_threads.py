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
  every thread and to every BLAS library loaded at the time of the call.

Results do not depend on the count for the small nets fastnn trains (see
``tests/test_reliability.py``), only speed does.
"""
from __future__ import annotations

import contextlib
import numbers

import numba
from threadpoolctl import threadpool_info, threadpool_limits

from ._validation import check_count


def _load_blas() -> None:
    """Load SciPy's BLAS (compiled kernels call it where NumPy has none bundled), so
    limits reach it too; done on first use rather than at ``import fastnn``, which it
    would slow by ~0.2 s."""
    import scipy.linalg.cython_blas  # noqa: F401


def _check(n) -> int:
    """``n`` as an int in ``[1, NUMBA_NUM_THREADS]``."""
    limit = numba.config.NUMBA_NUM_THREADS
    if isinstance(n, numbers.Integral) and not 1 <= n <= limit:
        raise ValueError(f"n must be between 1 and {limit} (NUMBA_NUM_THREADS, fixed when "
                         f"Numba starts); got {n}")
    return check_count("n", n)  # other types: a TypeError


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
def threads(n: int):
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
