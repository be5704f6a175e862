"""Input checks shared by every public entry point.

Each check raises ``ValueError`` (bad values or shapes) or ``TypeError`` (bad
types) with a message naming the argument, what was expected and what came in,
so no Numba typing error or kernel traceback ever reaches a user.
"""
from __future__ import annotations

import numbers
import re

import numpy as np

HIDDEN_ACTIVATIONS = ("tanh", "sigmoid", "logistic", "relu", "identity")
OUTPUT_ACTIVATIONS = ("sigmoid", "logistic", "softmax", "identity")
LOSSES = ("log_loss", "squared_error")
BACKENDS = ("numba", "numpy")


def check_choice(name: str, value, choices) -> str:
    """``value`` must be one of ``choices``; ``logistic`` is returned as ``sigmoid``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return "sigmoid" if value == "logistic" else value


def check_network(activation, output_activation, loss) -> tuple[str, str, str]:
    """Check the activation and loss names and that the output and loss go together."""
    activation = check_choice("activation", activation, HIDDEN_ACTIVATIONS)
    output_activation = check_choice("output_activation", output_activation, OUTPUT_ACTIVATIONS)
    loss = check_choice("loss", loss, LOSSES)
    if loss == "log_loss" and output_activation == "identity":
        raise ValueError("loss='log_loss' needs output_activation 'sigmoid' or 'softmax'; "
                         "use loss='squared_error' with output_activation='identity'")
    if loss == "squared_error" and output_activation == "softmax":
        raise ValueError("output_activation='softmax' goes with loss='log_loss' only")
    return activation, output_activation, loss


def float_dtype(a: np.ndarray) -> np.dtype:
    """The dtype computations on ``a`` run in: float32 stays, every other real type -> float64."""
    return np.dtype(np.float32) if a.dtype == np.float32 else np.dtype(np.float64)


def check_array(name: str, a, *, ndim: int = 2, dtype=None) -> np.ndarray:
    """A finite, non-empty, real ``ndim``-D array, cast to ``dtype`` (default: its float dtype).

    The result may share memory with ``a``; callers never write to it.
    """
    try:
        arr = np.asarray(a)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a numeric array; got {type(a).__name__}") from exc
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D; got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    arr = arr.astype(dtype or float_dtype(arr), copy=False)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def check_targets(Y, m: int, n_y: int | None, output_activation: str, dtype) -> np.ndarray:
    """``Y`` ``(n_y, m)``: in [0, 1] for a sigmoid output, one-hot columns for softmax."""
    Y = check_array("Y", Y, dtype=dtype)
    expected = (n_y if n_y is not None else Y.shape[0], m)
    if Y.shape != expected:
        raise ValueError(f"Y must have shape {expected} (n_outputs, m) to match X with m={m} "
                         f"columns; got {Y.shape}")
    if output_activation == "sigmoid" and ((Y < 0) | (Y > 1)).any():
        raise ValueError("Y must lie in [0, 1] for a sigmoid output; "
                         f"got values in [{Y.min()}, {Y.max()}]")
    if output_activation == "softmax":
        if not (np.isin(Y, (0, 1)).all() and (Y.sum(axis=0) == 1).all()):
            raise ValueError("Y must be one-hot (each column a single 1) for a softmax output")
        if Y.shape[0] < 2:
            raise ValueError(f"a softmax output needs at least 2 rows in Y; got shape {Y.shape}")
    return Y


def check_params(params, dtype=None) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(W1, b1), ..., (WL, bL)]`` from a params dict, checked and cast to ``dtype``.

    Keys must be exactly ``W1, b1, ..., WL, bL``; ``W_l`` ``(n_l, n_{l-1})``,
    ``b_l`` ``(n_l, 1)``; all arrays of one dtype.
    """
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict of W1, b1, ...; got {type(params).__name__}")
    L = sum(1 for k in params if re.fullmatch(r"W\d+", str(k)))
    expected = {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}
    if L == 0 or set(params) != expected:
        raise ValueError(f"params must have keys W1, b1, ..., WL, bL; got {sorted(params)}")
    layers = []
    dtypes = {np.asarray(params[k]).dtype for k in expected}
    if len(dtypes) > 1:
        raise TypeError(f"params mix dtypes {sorted(map(str, dtypes))}; use one float dtype")
    for l in range(1, L + 1):
        W = check_array(f"params['W{l}']", params[f"W{l}"], dtype=dtype)
        b = check_array(f"params['b{l}']", params[f"b{l}"], dtype=W.dtype)
        if b.shape != (W.shape[0], 1):
            raise ValueError(f"params['b{l}'] must have shape {(W.shape[0], 1)} to match "
                             f"W{l} {W.shape}; got {b.shape}")
        if layers and W.shape[1] != layers[-1][0].shape[0]:
            raise ValueError(f"params['W{l}'] has shape {W.shape} but W{l - 1} has "
                             f"{layers[-1][0].shape[0]} rows")
        layers.append((W, b))
    return layers


def check_inputs_match(X: np.ndarray, layers) -> None:
    """``X`` rows must equal ``W1``'s columns."""
    if X.shape[0] != layers[0][0].shape[1]:
        raise ValueError(f"X has {X.shape[0]} rows (features) but params['W1'] has shape "
                         f"{layers[0][0].shape}, expecting {layers[0][0].shape[1]}")


def check_layer_dims(layer_dims) -> list[int]:
    """At least two positive integer sizes ``[n_x, ..., n_y]``."""
    try:
        dims = [operator_index(d) for d in layer_dims]
    except TypeError as exc:
        raise TypeError(f"layer_dims must be a sequence of ints; got {layer_dims!r}") from exc
    if len(dims) < 2 or min(dims) < 1:
        raise ValueError(f"layer_dims must hold at least 2 positive sizes; got {layer_dims!r}")
    return dims


def operator_index(value) -> int:
    """``value`` as an int, refusing floats and bools."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"expected an int, got {value!r}")
    return int(value)


def check_count(name: str, value) -> int:
    """A non-negative integer."""
    try:
        value = operator_index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int; got {value!r}") from None
    if value < 0:
        raise ValueError(f"{name} must be >= 0; got {value}")
    return value


def check_learning_rate(learning_rate) -> float:
    """A positive, finite real number."""
    if isinstance(learning_rate, (bool, np.bool_)) or not isinstance(learning_rate, numbers.Real):
        raise TypeError(f"learning_rate must be a real number; got {learning_rate!r}")
    if not (np.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning_rate must be positive and finite; got {learning_rate!r}")
    return float(learning_rate)
