"""How arrays enter the kernels: C-contiguous, native byte order, writeable."""
from __future__ import annotations

import numpy as np

from .._validation import FLOAT_DTYPES


def as_kernel_array(a: np.ndarray, copy: bool = False) -> np.ndarray:
    """Return ``a`` as a C-contiguous, native-endian, writeable array of its float dtype.

    Copies only when needed (or always with ``copy=True``), so the kernels compile
    for a single layout per dtype and the caller's array is never written to.
    """
    dtype = a.dtype.newbyteorder("=")
    if copy or not a.flags.writeable or a.dtype != dtype:
        return np.array(a, dtype=dtype, order="C", copy=True)
    return np.ascontiguousarray(a)


# The compiled kernels index without bounds checks: the Python twins check that their
# arrays fit together first, so a mismatch is a ValueError, not a crash or garbage.
def matrix(name: str, a, copy: bool = False) -> np.ndarray:
    """``a`` as a kernel array (:func:`as_kernel_array`) that must be 2-D."""
    a = as_kernel_array(np.asarray(a), copy=copy)
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-D; got shape {a.shape}")
    if a.dtype not in FLOAT_DTYPES:
        raise ValueError(f"{name} must be a float32 or float64 array; got {a.dtype}")
    return a


def check_same_dtype(**arrays: np.ndarray) -> None:
    """Every array must have the first one's dtype: a kernel (and BLAS) reads them all
    as that one, so a mix would be read as garbage."""
    (first, a0), *rest = arrays.items()
    for name, a in rest:
        if a.dtype != a0.dtype:
            raise ValueError(f"{name} must have the dtype of {first}, {a0.dtype}; "
                             f"got {a.dtype}")


def check_apart(written: dict, read: dict, elementwise: bool = False) -> None:
    """No array in ``written`` (name -> array a kernel writes) may share memory with
    another array of ``written`` or ``read``: the kernels, and BLAS, read their inputs
    while writing, so an overlap gives garbage where the NumPy reference, which
    computes each result before storing it, does not.  With ``elementwise`` (the
    kernel reads each element of ``read`` only before writing that same element), a
    written array may also be exactly one of ``read``.  The arrays are contiguous, so
    ``np.may_share_memory`` is exact for them."""
    arrays = {**written, **read}
    for name, out in written.items():
        for other, a in arrays.items():
            same = (elementwise and other in read and out.ctypes.data == a.ctypes.data
                    and out.shape == a.shape and out.strides == a.strides)
            if other != name and np.may_share_memory(out, a) and not same:
                raise ValueError(f"{name} must not share memory with {other}")


def check_shape(name: str, a: np.ndarray, shape: tuple, why: str = "") -> None:
    """``a`` must have ``shape``; ``why`` says what fixes it."""
    if a.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}{why}; got {a.shape}")


def broadcast_input(name: str, a, shape: tuple, dtype) -> np.ndarray:
    """``a`` broadcast to ``shape`` as the NumPy reference would (a copy only when its
    shape differs), as a kernel array of ``dtype``."""
    a = np.asarray(a)
    if a.shape != tuple(shape):
        try:
            a = np.broadcast_to(a, shape)
        except ValueError:
            raise ValueError(f"{name} of shape {a.shape} does not broadcast to "
                             f"{tuple(shape)}") from None
    return as_kernel_array(a.astype(dtype, copy=False))
