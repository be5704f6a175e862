"""Shared helpers: dtype-aware tolerances and the memory layouts every kernel must accept.

With ``NUMBA_DISABLE_JIT=1`` the kernels run as plain Python, so coverage can see
inside them; tests marked ``jit_only`` (long training runs, compiled-code
introspection, subprocess and timing tests) are then skipped with that reason.
"""
import numba
import numpy as np
import pytest

JIT_DISABLED = bool(numba.config.DISABLE_JIT)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "jit_only: needs compiled kernels (too slow, or meaningless, as Python)")


def pytest_collection_modifyitems(config, items):
    if not JIT_DISABLED:
        return
    skip = pytest.mark.skip(reason="jit_only: skipped under NUMBA_DISABLE_JIT=1")
    for item in items:
        if "jit_only" in item.keywords:
            item.add_marker(skip)

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


@pytest.fixture
def loops_run(monkeypatch):
    """The list of the training loops ``kernels.loop.run_training`` runs from now on:
    ``"rows"`` or ``"layer_by_layer"``, with ``", K"`` when through ``X.T @ X``."""
    from fastnn.kernels import loop
    ran = []
    for name in ("layer_by_layer_train_loop", "rows_train_loop"):
        def spy(X, K, *args, _loop=getattr(loop, name), _name=name.rsplit("_train", 1)[0]):
            ran.append(_name + (", K" if K.shape[0] else ""))
            return _loop(X, K, *args)
        monkeypatch.setattr(loop, name, spy)
    return ran
