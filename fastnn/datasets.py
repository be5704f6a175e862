"""Small data sets from the texts, generated (nothing is downloaded).

Columns are samples: ``X`` is ``(2, m)``, ``Y`` is ``(1, m)`` of 0/1.
"""
from __future__ import annotations

import numpy as np

from ._validation import check_count, check_seed


def planar_flower(m: int = 400, seed: int | np.random.Generator | None = 1
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The two-class "flower" of text 003: ``X (2, m)`` float64, ``Y (1, m)`` float64.

    Each class fills half the petals of the curve ``r = 4 sin(4t)``: class ``j``
    takes angles ``t`` evenly spaced over ``[3.12 j, 3.12 (j + 1)]``; both ``t`` and
    ``r`` get Gaussian noise of standard deviation 0.2.  ``m`` must be even.
    ``seed`` (default 1, so the same flower every call; None for a new one each
    time) is anything ``np.random.default_rng`` takes: an int or a Generator.  The
    text draws from ``np.random.seed``, so its points differ from these.
    """
    if check_count("m", m, 2) % 2:  # not an int: a TypeError
        raise ValueError(f"m must be an even int >= 2; got {m!r}")
    rng = np.random.default_rng(check_seed(seed))
    half = m // 2
    X = np.empty((2, m))
    Y = np.empty((1, m))
    for j in range(2):
        t = np.linspace(3.12 * j, 3.12 * (j + 1), half) + 0.2 * rng.standard_normal(half)
        r = 4 * np.sin(4 * t) + 0.2 * rng.standard_normal(half)
        cols = slice(j * half, (j + 1) * half)
        X[0, cols], X[1, cols] = r * np.sin(t), r * np.cos(t)
        Y[0, cols] = j
    return X, Y


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points: ``X (2, 4)`` of 0/1 inputs and ``Y (1, 4)`` = x1 XOR x2."""
    X = np.array([[0.0, 0.0, 1.0, 1.0],
                  [0.0, 1.0, 0.0, 1.0]])
    Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    return X, Y
