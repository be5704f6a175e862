"""Input checks shared by every public entry point.

Each check raises ``ValueError`` (bad values or shapes) or ``TypeError`` (bad
types) with a message naming the argument, what was expected and what came in
(both shapes, for shape errors), so no Numba typing error or kernel traceback
ever reaches a user.  Arrays come out as native-endian float32 or float64, the
only dtypes the kernels are compiled for.
"""
from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Mapping, Set

import numpy as np

HIDDEN_ACTIVATIONS = ("tanh", "sigmoid", "logistic", "relu", "identity")
OUTPUT_ACTIVATIONS = ("sigmoid", "logistic", "softmax", "identity")
LOSSES = ("log_loss", "squared_error")
BACKENDS = ("numba", "numpy")
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class Names(dict):
    """The choices of one ``kind`` (``"activation"``, ``"loss"``) by name: looking up an
    unknown name raises a ``ValueError`` that lists the known ones, not a ``KeyError``."""

    def __init__(self, kind: str, table: dict):
        super().__init__(table)
        self.kind = kind

    def __missing__(self, name):
        raise ValueError(f"unknown {self.kind} {name!r}; expected one of "
                         f"{', '.join(map(repr, self))}")

    def check(self, name) -> str:
        """``name``, if it is a known one."""
        self[name]
        return name


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
    check_output_delta(output_activation, loss)
    return activation, output_activation, loss


def check_output_delta(output_activation, loss) -> None:
    """The twins compute the output layer's delta for this pair: log-loss after a sigmoid
    or softmax (``AL - Y``), squared error after any output but softmax, whose delta
    would need the softmax's Jacobian."""
    if loss == "squared_error" and output_activation == "softmax":
        raise ValueError("output_activation='softmax' goes with loss='log_loss' only")
    if loss == "log_loss" and output_activation not in ("sigmoid", "logistic", "softmax"):
        raise ValueError(f"loss='log_loss' needs output_activation 'sigmoid' or 'softmax'; "
                         f"got {output_activation!r}")


def float_dtype(a: np.ndarray) -> np.dtype:
    """The dtype computations on ``a`` run in: float32 (either byte order) stays float32,
    every other real type -> float64."""
    return FLOAT_DTYPES[0] if a.dtype.kind == "f" and a.dtype.itemsize == 4 else FLOAT_DTYPES[1]


def _real_array(name: str, a) -> np.ndarray:
    """``np.asarray(a)``, refusing masked arrays, ragged nests and non-real dtypes."""
    if type(a) is np.ndarray and a.dtype.kind in "biuf":
        return a
    if isinstance(a, np.ma.MaskedArray):
        raise TypeError(f"{name} is a masked array; fill or drop the masked values first")
    try:
        arr = np.asarray(a)
    except (TypeError, ValueError) as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a numeric array; got {type(a).__name__} "
                        f"that NumPy cannot turn into one ({exc})") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    return arr


def all_finite(arr: np.ndarray) -> bool:
    """Whether the C-contiguous float ``arr`` holds no NaN or inf.

    Its sum of squares, one BLAS dot with no temporary, is finite exactly when every
    value is, unless it overflows (values beyond ~1e154 in float64, ~1e19 in float32);
    only then are the values tested one by one, 64 Ki at a time.  1.4-2.6x faster than
    that blockwise ``np.isfinite`` alone, from 4 values to 47 M.
    """
    if math.isfinite(np.vdot(arr, arr)):
        return True
    flat, step = arr.reshape(-1), 1 << 16
    return all(np.isfinite(flat[i:i + step]).all() for i in range(0, flat.size, step))


def check_array(name: str, a, *, ndim: int = 2, dtype=None, finite: bool = True) -> np.ndarray:
    """A finite, non-empty, real ``ndim``-D array, cast to ``dtype`` (default: its float dtype).

    The result is C-contiguous and native-endian (the layout the kernels are compiled
    for, so buffers made ``empty_like`` it are too) and may share memory with ``a``;
    callers never write to it.  ``finite=False`` skips the NaN/inf test, for a caller
    that tests a result which any NaN or inf would reach (as ``update_parameters`` does).
    """
    if (type(a) is np.ndarray and a.ndim == ndim and a.size  # the common case, fast
            and (a.dtype == dtype if dtype is not None else a.dtype in FLOAT_DTYPES)
            and a.flags.c_contiguous):
        arr = a
    else:
        arr = _real_array(name, a)
        if arr.ndim != ndim:
            raise ValueError(f"{name} must be {ndim}-D; got shape {arr.shape}")
        if arr.size == 0:
            raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
        target = np.dtype(dtype or float_dtype(arr))
        if arr.dtype != target or not arr.flags.c_contiguous:
            with np.errstate(over="ignore"):  # a longdouble too big for float64 -> inf
                arr = arr.astype(target, order="C")
    if finite and not all_finite(arr):
        raise ValueError(f"{name} contains NaN or inf (after conversion to {arr.dtype})")
    return arr


def check_targets(Y, m: int, n_y: int | None, output_activation: str, dtype) -> np.ndarray:
    """``Y`` ``(n_y, m)``: in [0, 1] for a sigmoid output, one-hot columns for softmax."""
    Y = check_array("Y", Y, dtype=dtype)
    expected = (n_y if n_y is not None else Y.shape[0], m)
    if Y.shape != expected:
        raise ValueError(f"Y must have shape {expected} (n_outputs, samples) to match the "
                         f"network's output for {m} samples; got {Y.shape}")
    if output_activation == "sigmoid" and (Y.min() < 0 or Y.max() > 1):
        raise ValueError("Y must lie in [0, 1] for a sigmoid output; "
                         f"got values in [{Y.min()}, {Y.max()}]")
    if output_activation == "softmax":
        if Y.shape[0] < 2:
            raise ValueError(f"a softmax output needs at least 2 rows in Y; got shape {Y.shape}")
        if not (np.isin(Y, (0, 1)).all() and (Y.sum(axis=0) == 1).all()):
            raise ValueError("Y must be one-hot (each column a single 1) for a softmax output")
    return Y


def _key_names(mapping) -> str:
    """The keys of ``mapping``, sorted, as ``['W1', 'b1', 3]`` (keys may be of mixed types)."""
    return "[" + ", ".join(sorted(map(repr, mapping))) + "]"


@functools.lru_cache(maxsize=64)
def _layer_labels(dict_name: str, prefix: str, L: int) -> dict:
    """``{prefix + "W1": f"{dict_name}['{prefix}W1']", ...}`` for layers 1 to ``L``, in order:
    each key with the name the errors give it."""
    return {f"{prefix}{p}{l}": f"{dict_name}['{prefix}{p}{l}']"
            for l in range(1, L + 1) for p in "Wb"}


def _one_dtype(name: str, arrays: dict) -> None:
    """All ``arrays`` (already real arrays) share one dtype, byte order aside."""
    if len({a.dtype for a in arrays.values()}) <= 1:
        return
    dtypes = {a.dtype.newbyteorder("=") for a in arrays.values()}
    if len(dtypes) > 1:
        found = ", ".join(f"{k}: {a.dtype}" for k, a in arrays.items())
        raise TypeError(f"{name} mix dtypes ({found}); use one float dtype")


def _named_arrays(dict_name: str, d: dict, prefix: str, L: int) -> list:
    """``[(label, array), ...]`` of ``d``'s layer arrays in order (as :func:`_layer_labels`),
    each a real array, all of one dtype."""
    arrays = {label: _real_array(label, d[key])
              for key, label in _layer_labels(dict_name, prefix, L).items()}
    _one_dtype(dict_name, arrays)
    return list(arrays.items())


def check_params(params, dtype=None, finite: bool = True) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(W1, b1), ..., (WL, bL)]`` from a params dict, checked and cast to ``dtype``
    (default: the float dtype of the params).

    Keys must be exactly ``W1, b1, ..., WL, bL``; ``W_l`` ``(n_l, n_{l-1})``,
    ``b_l`` ``(n_l, 1)``; all arrays of one dtype; ``finite``: as in :func:`check_array`.
    """
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict of W1, b1, ...; got {type(params).__name__}")
    L = len(params) // 2  # the last layer's keys are tested first: no big set for junk
    if L == 0 or f"W{L}" not in params or params.keys() != _layer_labels("params", "", L).keys():
        raise ValueError(f"params must have keys W1, b1, ..., WL, bL; got {_key_names(params)}")
    arrays = _named_arrays("params", params, "", L)
    layers = []
    for l in range(1, L + 1):
        (W_name, W), (b_name, b) = arrays[2 * l - 2:2 * l]
        W = check_array(W_name, W, dtype=dtype, finite=finite)
        b = check_array(b_name, b, dtype=W.dtype, finite=finite)
        if b.shape != (W.shape[0], 1):
            raise ValueError(f"params['b{l}'] must have shape {(W.shape[0], 1)} to match "
                             f"params['W{l}'] of shape {W.shape}; got {b.shape}")
        if layers and W.shape[1] != layers[-1][0].shape[0]:
            raise ValueError(f"params['W{l}'] has shape {W.shape} but params['W{l - 1}'] has "
                             f"shape {layers[-1][0].shape}: W{l} needs "
                             f"{layers[-1][0].shape[0]} columns")
        layers.append((W, b))
    return layers


def check_grads(grads, layers, finite: bool = True) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(dW1, db1), ..., (dWL, dbL)]`` from a grads dict, each shaped like its parameter
    in ``layers`` (from :func:`check_params`) and cast to their dtype; ``finite``: as in
    :func:`check_array`."""
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict of dW1, db1, ...; got {type(grads).__name__}")
    L = len(layers)
    if grads.keys() != _layer_labels("grads", "d", L).keys():
        raise ValueError(f"grads must have keys dW1, db1, ..., dW{L}, db{L} to match params "
                         f"with {L} layers; got {_key_names(grads)}")
    arrays = iter(_named_arrays("grads", grads, "d", L))
    out = []
    for l, params in enumerate(layers, start=1):
        pair = []
        for p, param in zip("Wb", params):
            name, g = next(arrays)
            g = check_array(name, g, dtype=param.dtype, finite=finite)
            if g.shape != param.shape:
                raise ValueError(f"{name} must have the shape of params['{p}{l}'] "
                                 f"{param.shape}; got {g.shape}")
            pair.append(g)
        out.append(tuple(pair))
    return out


def check_inputs_match(X: np.ndarray, layers) -> None:
    """``X`` rows must equal ``W1``'s columns."""
    W1 = layers[0][0]
    if X.shape[0] != W1.shape[1]:
        raise ValueError(f"X has shape {X.shape} but params['W1'] has shape {W1.shape}: "
                         f"X needs {W1.shape[1]} rows (features)")


def check_layer_dims(layer_dims) -> list[int]:
    """At least two positive integer sizes ``[n_x, ..., n_y]``."""
    if isinstance(layer_dims, (str, bytes, Mapping, Set)):
        raise TypeError(f"layer_dims must be a sequence of ints; got {layer_dims!r}")
    try:
        dims = [operator_index(d) for d in layer_dims]
    except TypeError:
        raise TypeError(f"layer_dims must be a sequence of ints; got {layer_dims!r}") from None
    if len(dims) < 2 or min(dims) < 1:
        raise ValueError(f"layer_dims must hold at least 2 positive sizes; got {dims}")
    return dims


def operator_index(value) -> int:
    """``value`` as an int, refusing floats and bools."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"expected an int, got {value!r}")
    return int(value)


def check_count(name: str, value, minimum: int = 0, why: str = "") -> int:
    """An integer >= ``minimum`` (``why`` says why, in the error)."""
    try:
        value = operator_index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int; got {value!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}{why}; got {value}")
    return value


def _check_real(name: str, value) -> float:
    """A real number (not a bool) as a float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r}")
    return float(value)


def check_learning_rate(learning_rate) -> float:
    """A positive, finite real number."""
    value = _check_real("learning_rate", learning_rate)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"learning_rate must be positive and finite; got {learning_rate!r}")
    return value


def check_scale(scale) -> float:
    """The initial weights' scale: a finite real number >= 0."""
    value = _check_real("scale", scale)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"scale must be finite and >= 0; got {scale!r}")
    return value


def check_seed(seed):
    """``None``, a non-negative int, or a NumPy ``Generator``/``BitGenerator``/``SeedSequence``
    (anything else ``np.random.default_rng`` would reject or read surprisingly)."""
    if seed is None or isinstance(seed, (np.random.Generator, np.random.BitGenerator,
                                         np.random.SeedSequence)):
        return seed
    try:
        return check_count("seed", seed)
    except TypeError:
        raise TypeError(f"seed must be None, a non-negative int or a numpy Generator; "
                        f"got {seed!r}") from None


def check_float_dtype(dtype) -> np.dtype:
    """``float32`` or ``float64`` (any spelling NumPy understands), as a native dtype."""
    try:
        resolved = np.dtype(dtype).newbyteorder("=")
    except TypeError:
        resolved = None
    # np.dtype(None) is float64 (and a dtype compares equal to None), so refuse None first
    if dtype is None or resolved is None or resolved not in FLOAT_DTYPES:
        raise TypeError(f"dtype must be float32 or float64; got {dtype!r}")
    return resolved


# ------------------------------------------------------------- optimizer arguments
def _describe(a) -> str:
    if not isinstance(a, np.ndarray):
        return type(a).__name__
    return f"shape {a.shape}, {a.dtype}"


def check_out(name: str, out, shape: tuple, dtype=None) -> np.ndarray:
    """An array written in place (an output buffer, or state updated in place) must be a
    writeable C-contiguous array of ``shape`` and ``dtype`` (float32 or float64 when
    None): the compiled kernels index it without bounds checks."""
    is_array = isinstance(out, np.ndarray)
    if not (is_array and (out.dtype in FLOAT_DTYPES if dtype is None else out.dtype == dtype)
            and out.shape == tuple(shape) and out.flags.c_contiguous and out.flags.writeable):
        got = (f"shape {out.shape}, {out.dtype}, C-contiguous={out.flags.c_contiguous}, "
               f"writeable={out.flags.writeable}" if is_array else _describe(out))
        want = "float32 or float64" if dtype is None else np.dtype(dtype)
        raise ValueError(f"{name} must be a writeable C-contiguous {want} array of "
                         f"shape {tuple(shape)}; got {got}")
    return out


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
    written array may also be exactly one of ``read``.  ``np.may_share_memory`` is
    exact for contiguous arrays; for a strided one it may see an overlap that is not
    there, which errs on the side of an error.  Two arrays that each own their memory
    (two NumPy allocations, such as fresh buffers) are apart without asking it."""
    arrays = {**written, **read}
    for name, out in written.items():
        for other, a in arrays.items():
            if (other == name or (out is not a and out.flags.owndata and a.flags.owndata)
                    or not np.may_share_memory(out, a)):
                continue
            same = (elementwise and other in read and out.ctypes.data == a.ctypes.data
                    and out.shape == a.shape and out.strides == a.strides)
            if not same:
                raise ValueError(f"{name} must not share memory with {other}")


def check_flat(name: str, a, shape: tuple, *, written: bool = False, dtype=None) -> None:
    """A float32/float64 array of ``shape`` (and ``dtype`` when given); ``written`` (updated
    in place): :func:`check_out`.  The optimizers' flat vectors, so that both backends
    refuse what neither can read."""
    if written:
        check_out(name, a, shape, dtype)
    elif not (isinstance(a, np.ndarray) and a.shape == tuple(shape)
              and a.dtype in FLOAT_DTYPES and (dtype is None or a.dtype == dtype)):
        want = dtype or "float32 or float64"
        raise ValueError(f"{name} must be a {want} array of shape {tuple(shape)}; "
                         f"got {_describe(a)}")


def check_update(theta, grad, **state) -> None:
    """An update rule's vectors: ``theta`` 1-D (updated in place), ``grad`` of its shape,
    and each ``state`` vector (velocity, Adam moments; updated in place) of its shape
    and dtype.  ``theta`` may be ``grad`` itself (each element is read, then written);
    a state vector may not, since the twins read ``grad`` after it in different orders."""
    check_flat("theta", theta, (np.size(theta),), written=True)
    check_flat("grad", grad, theta.shape)
    for name, a in state.items():
        check_flat(name, a, theta.shape, written=True, dtype=theta.dtype)
    check_apart({"theta": theta}, {"grad": grad}, elementwise=True)
    check_apart(state, {"grad": grad, "theta": theta})


def check_adam_step(t) -> int:
    """Adam's step number: an int >= 1 (the first step is 1)."""
    return check_count("t", t, 1, " (Adam's first step is t=1)")


def check_l2_penalty(grad, theta, layer_dims, n_samples) -> list[int]:
    """``add_l2_penalty``'s arguments: ``theta`` of the net's parameter count, ``grad``
    (updated in place) of its shape, ``n_samples >= 1``.  Returns the layer sizes."""
    dims = check_layer_dims(layer_dims)
    check_flat("theta", theta, (parameter_count(dims),))
    check_flat("grad", grad, theta.shape, written=True)
    check_apart({"grad": grad}, {"theta": theta}, elementwise=True)
    if check_count("n_samples", n_samples) < 1:
        raise ValueError(f"n_samples must be >= 1; got {n_samples}")
    return dims


def parameter_count(dims) -> int:
    """Length of the flat parameter vector of the net ``dims``: weights and biases."""
    return sum(n * (n_prev + 1) for n_prev, n in zip(dims[:-1], dims[1:]))


def check_epoch(X, Y, theta, layer_dims, order, batch_size, t, state) -> list[int]:
    """The arguments of one epoch of mini-batch training (``run_epoch``), which must fit
    together: ``X`` ``(n_0, n)`` of theta's dtype, ``Y`` ``(n_L, n)``, ``theta`` of the
    net's parameter count, ``order`` ``n`` sample indices in ``[0, n)``, ``state``
    ``(2, theta.size)``.  Returns the layer sizes."""
    dims = check_layer_dims(layer_dims)
    check_flat("theta", theta, (parameter_count(dims),), written=True)
    for name, a, rows in (("X", X, dims[0]), ("Y", Y, dims[-1])):
        if not (isinstance(a, np.ndarray) and a.ndim == 2 and a.shape[0] == rows):
            raise ValueError(f"{name} must be a 2-D array with {rows} rows for layer_dims "
                             f"{dims}; got {_describe(a)}")
    check_same_dtype(theta=theta, X=X)  # the compiled twin reads X as theta's dtype
    n = X.shape[1]
    if n == 0:
        raise ValueError(f"an epoch needs at least one sample: X has shape {X.shape}")
    if Y.shape[1] != n:
        raise ValueError(f"X and Y must have the same number of columns; got {X.shape} "
                         f"and {Y.shape}")
    order = np.asarray(order)
    if not (order.shape == (n,) and np.issubdtype(order.dtype, np.integer)
            and (n == 0 or (order.min() >= 0 and order.max() < n))):
        raise ValueError(f"order must hold {n} integer sample indices in [0, {n}); got "
                         f"{_describe(order)}")
    if check_count("batch_size", batch_size) < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}")
    check_count("t", t)
    check_flat("state", state, (2, theta.size), written=True, dtype=theta.dtype)
    check_apart({"theta": theta, "state": state}, {"X": X, "Y": Y})
    return dims
