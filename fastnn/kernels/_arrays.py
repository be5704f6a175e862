"""How arrays enter the kernels: C-contiguous (a layer's input may also be Fortran-ordered,
see :func:`matrix`), native byte order, writeable."""
from __future__ import annotations

import numpy as np

from .._validation import FLOAT_DTYPES


def as_kernel_array(a: np.ndarray, copy: bool = False) -> np.ndarray:
    """Return ``a`` as a C-contiguous, native-endian, writeable array of its dtype.

    Copies only when needed (or always with ``copy=True``), so the kernels compile
    for one layout per dtype (see :func:`matrix` for the one exception) and the
    caller's array is never written to.
    """
    if not copy and type(a) is np.ndarray and a.flags.c_contiguous and a.flags.writeable \
            and a.dtype.isnative:  # the common case, fast
        return a
    if copy or not a.flags.writeable or not a.dtype.isnative:
        return np.array(a, dtype=a.dtype.newbyteorder("="), order="C", copy=True)
    return np.ascontiguousarray(a)


# The compiled kernels index without bounds checks: the Python twins check that their
# arrays fit together first, so a mismatch is a ValueError, not a crash or garbage.
def matrix(name: str, a, copy: bool = False, transposed: bool = False) -> np.ndarray:
    """``a`` as a kernel array (:func:`as_kernel_array`) that must be 2-D.  With
    ``transposed``, a Fortran-ordered ``a`` (the transpose of a C-ordered array,
    such as the estimators' ``X.T``) is kept as it is: for an operand that BLAS
    reads transposed at no cost, where a copy would be a pass over all of ``a``."""
    if type(a) is np.ndarray and a.ndim == 2 and a.dtype in FLOAT_DTYPES and not copy \
            and a.flags.c_contiguous and a.flags.writeable:  # the common case, fast
        return a
    a = np.asarray(a)
    if not (transposed and a.ndim == 2 and a.flags.f_contiguous and a.flags.writeable
            and a.dtype.isnative and not copy):
        a = as_kernel_array(a, copy=copy)
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-D; got shape {a.shape}")
    if a.dtype not in FLOAT_DTYPES:
        raise ValueError(f"{name} must be a float32 or float64 array; got {a.dtype}")
    return a


def check_shape(name: str, a: np.ndarray, shape: tuple, why=lambda: "") -> None:
    """``a`` must have ``shape``; ``why()`` says what fixes it (a function, so that the
    text is only formatted for an error)."""
    if a.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}{why()}; got {a.shape}")


def broadcast_input(name: str, a, shape: tuple, dtype) -> np.ndarray:
    """``a`` broadcast to ``shape`` as the NumPy reference would (a copy only when its
    shape differs), as a kernel array of ``dtype``."""
    if type(a) is np.ndarray and a.shape == shape and a.dtype == dtype:
        return as_kernel_array(a)  # the common case, fast
    a = np.asarray(a)
    if a.shape != tuple(shape):
        try:
            a = np.broadcast_to(a, shape)
        except ValueError:
            raise ValueError(f"{name} of shape {a.shape} does not broadcast to "
                             f"{tuple(shape)}") from None
    return as_kernel_array(a.astype(dtype, copy=False))
