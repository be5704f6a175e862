"""How arrays enter the kernels: C-contiguous, native byte order, writeable."""
from __future__ import annotations

import numpy as np


def as_kernel_array(a: np.ndarray, copy: bool = False) -> np.ndarray:
    """Return ``a`` as a C-contiguous, native-endian, writeable array of its float dtype.

    Copies only when needed (or always with ``copy=True``), so the kernels compile
    for a single layout per dtype and the caller's array is never written to.
    """
    dtype = a.dtype.newbyteorder("=")
    if copy or not a.flags.writeable or a.dtype != dtype:
        return np.array(a, dtype=dtype, order="C", copy=True)
    return np.ascontiguousarray(a)
