"""Shared helpers: dtype-aware tolerances and the memory layouts every kernel must accept."""
import numpy as np
import pytest

#: (rtol, atol) per dtype: float64 is held to 1e-10; float32 sums in Numba are
#: not pairwise like NumPy's, so they get float32-sized slack.
TOLERANCE = {np.dtype(np.float64): (1e-10, 1e-10), np.dtype(np.float32): (2e-4, 2e-5)}

DTYPES = [np.float64, np.float32]
LAYOUTS = ["C", "F", "strided"]


def assert_close(actual, desired, dtype=None):
    """Equal within the tolerance of ``desired``'s dtype (or ``dtype``), dtype kept."""
    desired = np.asarray(desired)
    dtype = np.dtype(dtype or desired.dtype)
    if isinstance(actual, np.ndarray):
        assert actual.dtype == dtype, f"dtype {actual.dtype}, expected {dtype}"
    rtol, atol = TOLERANCE[dtype]
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=atol)


def in_layout(a, layout):
    """The same values as ``a`` in C order, Fortran order, or as a non-contiguous view."""
    if layout == "C":
        return np.ascontiguousarray(a)
    if layout == "F":
        return np.asfortranarray(a)
    big = np.zeros((a.shape[0] * 2, a.shape[1] * 3), a.dtype)
    big[::2, ::3] = a
    view = big[::2, ::3]
    assert not view.flags.c_contiguous or a.size <= 1
    return view


def read_only(*arrays):
    """Mark arrays read-only so any write by the code under test raises."""
    for a in arrays:
        a.flags.writeable = False
    return arrays


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
