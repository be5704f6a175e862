"""Property-based tests (hypothesis).

(a) Every kernel in ``fastnn.reference.KERNEL_NAMES`` against its Numba twin in
    ``fastnn.kernels`` over random shapes (m = 1 and n = 1 included), values and
    float dtypes, with the dtype-aware tolerances of ``conftest``.
(b) A fuzz test throwing random shapes, dtypes and values at every public entry
    point: each call either returns a well-formed result or raises exactly
    ValueError, TypeError or FloatingPointError.

Kernels only ever see C-contiguous native float32/float64 arrays (the wrappers
normalise), so these examples add no compiled specializations.
"""
import copy
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fastnn
from fastnn import kernels, reference
from conftest import TOLERANCE, assert_close

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
FLOATS = [np.dtype(np.float64), np.dtype(np.float32)]
HIDDEN = ["identity", "sigmoid", "tanh", "relu"]
# (output_activation, loss) pairs a network may end with
OUTPUTS = [("sigmoid", "log_loss"), ("softmax", "log_loss"), ("sigmoid", "squared_error"),
           ("identity", "squared_error")]

sizes = st.integers(1, 9) | st.just(1)  # 1 (one sample, one unit) drawn often


# --------------------------------------------------------------------------- (a) kernels
class Case:
    """Random arrays of one dtype from one seed."""

    def __init__(self, dtype, seed, scale):
        self.dtype, self.rng, self.scale = dtype, np.random.default_rng(seed), scale

    def normal(self, *shape):
        return (self.scale * self.rng.standard_normal(shape)).astype(self.dtype)

    def output(self, name, n, m):
        """Plausible outputs of activation ``name``."""
        return getattr(reference, name)(self.normal(n, m))

    def targets(self, output_activation, n, m):
        if output_activation == "softmax":
            return np.eye(n, dtype=self.dtype)[:, self.rng.integers(0, n, m)]
        if output_activation == "sigmoid":
            return self.rng.integers(0, 2, (n, m)).astype(self.dtype)
        return self.normal(n, m)

    def buffers(self, n, n_prev, m, first_layer):
        """Output buffers of a backward step, full of NaN so unwritten entries show."""
        return (np.full((n, n_prev), np.nan, self.dtype), np.full((n, 1), np.nan, self.dtype),
                np.full((0 if first_layer else n_prev, m), np.nan, self.dtype))


def _net(draw, case, m):
    """A random net: (layer_dims, theta, X, Y, activation, output_activation, loss)."""
    output_activation, loss = draw(st.sampled_from(OUTPUTS))
    dims = draw(st.lists(sizes, min_size=2, max_size=4))
    if output_activation == "softmax":
        dims[-1] = max(dims[-1], 2)
    n_params = sum(n * (n_prev + 1) for n_prev, n in zip(dims, dims[1:]))
    return (dims, case.normal(n_params), case.normal(dims[0], m),
            case.targets(output_activation, dims[-1], m), draw(st.sampled_from(HIDDEN)),
            output_activation, loss)


@st.composite
def kernel_calls(draw, name):
    """``(args, dtype)`` for a call of kernel ``name``."""
    dtype = draw(st.sampled_from(FLOATS))
    case = Case(dtype, draw(st.integers(0, 2**32 - 1)), draw(st.sampled_from([0.1, 1.0, 4.0])))
    n, n_prev, m = draw(sizes), draw(sizes), draw(sizes)
    if name in ("identity", "sigmoid", "tanh", "relu", "softmax"):
        return (case.normal(n, m),), dtype
    if name.endswith("_derivative"):
        return (case.output(name.removesuffix("_derivative"), n, m),), dtype
    if name == "linear_forward":
        return (case.normal(n, n_prev), case.normal(n_prev, m), case.normal(n, 1)), dtype
    if name == "linear_activation_forward":
        activation = draw(st.sampled_from(HIDDEN + ["softmax"]))
        out = draw(st.sampled_from([None, np.full((n, m), np.nan, dtype)]))
        return (case.normal(n, n_prev), case.normal(n_prev, m), case.normal(n, 1), activation,
                out), dtype
    if name in ("compute_cost", "output_delta"):
        output_activation, loss = draw(st.sampled_from(OUTPUTS))
        n = max(n, 2) if output_activation == "softmax" else n
        AL, Y = case.output(output_activation, n, m), case.targets(output_activation, n, m)
        return ((AL, Y, loss, output_activation) if name == "compute_cost"
                else (AL, Y, output_activation, loss)), dtype
    if name == "linear_backward":
        return (case.normal(n, m), case.normal(n_prev, m), case.normal(n, n_prev),
                *case.buffers(n, n_prev, m, draw(st.booleans()))), dtype
    if name == "linear_activation_backward":
        activation = draw(st.sampled_from(HIDDEN))
        return (case.normal(n, m), case.output(activation, n, m), case.normal(n_prev, m),
                case.normal(n, n_prev), activation, *case.buffers(n, n_prev, m, False)), dtype
    if name == "two_layer_backward":
        activation = draw(st.sampled_from(HIDDEN))
        output_activation, loss = draw(st.sampled_from(OUTPUTS))
        n_y = max(n, 2) if output_activation == "softmax" else n
        X, W1, W2 = case.normal(n_prev, m), case.normal(n, n_prev), case.normal(n_y, n)
        A1 = getattr(reference, activation)(W1 @ X)
        A2 = getattr(reference, output_activation)(W2 @ A1)
        return (X, case.targets(output_activation, n_y, m), W1, W2, A1, A2, activation,
                output_activation, loss), dtype
    if name == "sgd_update":
        size = draw(st.integers(1, 200))
        return (case.normal(size), case.normal(size), draw(st.sampled_from([1e-3, 0.1, 1.5]))), dtype
    case.scale = min(case.scale, 1.0)  # whole nets: keep float32 iterates comparable
    if name == "cost_and_gradient":
        dims, theta, X, Y, act, out_act, loss = _net(draw, case, m)
        return (X, Y, theta, dims, act, out_act, loss, np.full_like(theta, np.nan)), dtype
    if name == "train_loop":
        dims, theta, X, Y, act, out_act, loss = _net(draw, case, m)
        return (X, Y, theta, dims, draw(st.integers(0, 3)), 0.05, act, out_act, loss), dtype
    raise AssertionError(f"no argument builder for kernel {name!r}: add one to kernel_calls")


def _values(*items):
    """The arrays and floats in ``items``, looking inside tuples and lists."""
    for item in items:
        if isinstance(item, (tuple, list)):
            yield from _values(*item)
        elif isinstance(item, (np.ndarray, float)):
            yield item


def assert_same(got, expected, dtype):
    """Results agree within ``dtype``'s tolerance: arrays, tuples of them, or floats."""
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same(g, e, dtype)
    elif isinstance(expected, np.ndarray):
        assert_close(got, expected)
    elif expected is None:
        assert got is None
    else:
        assert isinstance(got, float), type(got)
        rtol, atol = TOLERANCE[dtype]
        assert math.isclose(got, expected, rel_tol=rtol, abs_tol=atol), (got, expected)


@pytest.mark.parametrize("name", reference.KERNEL_NAMES)
@SETTINGS
@given(data=st.data())
def test_kernel_matches_its_numpy_twin(name, data):
    args, dtype = data.draw(kernel_calls(name))
    ref_args, fast_args = copy.deepcopy(args), copy.deepcopy(args)
    expected = getattr(reference, name)(*ref_args)
    # The drawn cases keep the reference finite. Checked on its results rather than with
    # np.errstate(all="raise"): OpenBLAS can set a spurious "invalid" flag inside a
    # matmul of finite values (numpy#24067), which made this test flaky.
    assert all(np.isfinite(a).all() for a in _values(expected, ref_args)), "non-finite reference"
    got = getattr(kernels, name)(*fast_args)
    assert_same(got, expected, dtype)
    # arguments written in place (out buffers, dA, theta, grad) agree too
    for g, e in zip(fast_args, ref_args):
        if isinstance(e, np.ndarray):
            assert_close(g, e)


# --------------------------------------------------------------------------- (b) fuzz
ENTRY_POINTS = ["initialize_parameters", "forward_propagation", "compute_cost",
                "backward_propagation", "update_parameters", "predict", "train"]
FUZZ_DTYPES = ["float64", "float32", "float16", ">f8", ">f4", "int64", "int8", "uint8", "bool",
               "complex128", "object", "<U3"]
FUZZ_VALUES = [0.0, 1.0, -1.0, 0.5, 3.0, 1e3, -1e3, 1e30, 1e300, np.nan, np.inf, -np.inf]


@st.composite
def fuzz_arrays(draw, good, odds=4):
    """Usually (all but one time in ``odds``) the valid array ``good``; otherwise ``good``
    broken: another dtype, another shape, or odd values (NaN, inf, huge, zeros)."""
    if draw(st.integers(1, odds)) != 1:
        return good
    shape, values = good.shape, good.astype(np.float64)
    how = draw(st.sampled_from(["dtype", "shape", "values"]))
    if how == "shape":
        shape = tuple(draw(st.lists(st.integers(0, 4), max_size=3)))
        values = np.resize(values, shape)
    elif how == "values":
        values = np.array(draw(st.lists(st.sampled_from(FUZZ_VALUES), min_size=values.size,
                                        max_size=values.size))).reshape(shape)
    dtype = draw(st.sampled_from(FUZZ_DTYPES)) if how == "dtype" else good.dtype
    if np.dtype(dtype).kind in "biu":
        values = np.clip(np.nan_to_num(values), -100, 100)
    with np.errstate(all="ignore"):  # huge values overflow to inf in float32/float16
        return values.astype(dtype)


@st.composite
def fuzz_calls(draw, entry):
    """``(kwargs, dims)``: valid arguments for ``entry`` in a random float dtype, some of
    them broken by :func:`fuzz_arrays` or replaced by a bad scalar."""
    dtype = np.dtype(draw(st.sampled_from(["float64", "float32", ">f8", ">f4", "float16"])))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from([0.1, 1.0, 1e3]))  # |z| up to ~1e3 and beyond
    dims = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    m = draw(st.integers(1, 6))
    output_activation, loss = draw(st.sampled_from(OUTPUTS))
    if output_activation == "softmax":
        dims[-1] = max(dims[-1], 2)
    if draw(st.integers(0, 9)) == 0:  # a name or pair that does not fit
        output_activation = draw(st.sampled_from(["softmax", "identity", "tanh", "logistic"]))

    def normal(*shape):
        return (scale * rng.standard_normal(shape)).astype(dtype)

    params = {f"{p}{l}": draw(fuzz_arrays(normal(*shape), odds=4 * len(dims)))
              for l in range(1, len(dims))
              for p, shape in (("W", (dims[l], dims[l - 1])), ("b", (dims[l], 1)))}
    X = draw(fuzz_arrays(normal(dims[0], m)))
    targets = Case(dtype, rng.integers(2**32), 1.0).targets(
        "identity" if output_activation == "tanh" else output_activation, dims[-1], m)
    Y = draw(fuzz_arrays(targets))
    cache = {f"A{l}": draw(fuzz_arrays(np.tanh(normal(dims[l], m)), odds=4 * len(dims)))
             for l in range(1, len(dims))}
    AL = np.abs(np.tanh(cache[f"A{len(dims) - 1}"].astype(np.float64))).astype(dtype)
    grads = {f"d{k}": draw(fuzz_arrays(normal(*np.shape(v)), odds=4 * len(dims)))
             for k, v in params.items()}
    backend = draw(st.sampled_from(["numba", "numpy"]))
    learning_rate = draw(st.sampled_from([0.01, 0.5, 1e3])) if draw(st.integers(0, 9)) else \
        draw(st.sampled_from([0, -1, np.nan, np.inf, "0.1", True]))
    net = dict(output_activation=output_activation)
    kwargs = {
        "initialize_parameters": dict(
            layer_dims=dims if draw(st.integers(0, 5)) else draw(st.sampled_from(
                [[dims[0]], [2.0, 3], [2, 0, 1]])),
            seed=draw(st.integers(0, 9)), dtype=dtype,
            scale=draw(st.sampled_from([0.01, 1.0, 1e3, -1.0, np.nan]))),
        "forward_propagation": dict(X=X, params=params, backend=backend, **net),
        "compute_cost": dict(AL=draw(fuzz_arrays(AL)), Y=Y, loss=loss, **net),
        "backward_propagation": dict(params=params, cache=cache, X=X, Y=Y, loss=loss,
                                     backend=backend, **net),
        "update_parameters": dict(params=params, grads=grads, learning_rate=learning_rate,
                                  backend=backend),
        "predict": dict(params=params, X=X, backend=backend, **net),
        "train": dict(X=X, Y=Y, layer_dims=dims, num_iterations=draw(st.integers(0, 4)),
                      learning_rate=learning_rate, params=draw(st.sampled_from([None, params])),
                      loss=loss, seed=0, backend=backend, **net),
    }[entry]
    return kwargs, dims


def _float(a):
    return np.asarray(a).dtype in FLOATS


def check_result(entry, kwargs, dims, result):
    """A result that looks right: types, shapes and float dtypes of the outputs."""
    L = len(dims) - 1
    if entry == "initialize_parameters":
        assert [result[f"W{l}"].shape for l in range(1, L + 1)] == \
            [(dims[l], dims[l - 1]) for l in range(1, L + 1)]
        assert all(a.dtype == np.dtype(kwargs["dtype"]).newbyteorder("=") for a in result.values())
    elif entry == "forward_propagation":
        AL, cache = result
        assert AL.shape == (dims[-1], np.shape(kwargs["X"])[1]) and _float(AL)
        assert list(cache) == [f"A{l}" for l in range(1, L + 1)]
    elif entry == "compute_cost":
        assert isinstance(result, float)
    elif entry == "predict":
        assert result.shape[-1] == np.shape(kwargs["X"])[1]
    elif entry == "backward_propagation":
        assert sorted(result) == sorted(f"d{k}" for k in kwargs["params"])
        assert all(result[f"d{k}"].shape == np.shape(v) and _float(result[f"d{k}"])
                   for k, v in kwargs["params"].items())
    elif entry == "update_parameters":
        assert all(result[k].shape == np.shape(v) and _float(result[k])
                   for k, v in kwargs["params"].items())
    elif entry == "train":
        params, costs = result
        assert costs.shape == (kwargs["num_iterations"],) and _float(costs)
        assert all(np.isfinite(a).all() for a in params.values()) and np.isfinite(costs).all()


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@settings(SETTINGS, max_examples=40)
@given(data=st.data())
def test_fuzz_entry_point_fails_cleanly_or_succeeds(entry, data):
    kwargs, dims = data.draw(fuzz_calls(entry))
    try:
        with np.errstate(all="ignore"):  # overflow on huge finite inputs is an honest inf
            result = getattr(fastnn, entry)(**kwargs)
    except (ValueError, TypeError, FloatingPointError) as exc:
        assert type(exc) in (ValueError, TypeError, FloatingPointError), type(exc)
        assert str(exc)
        return
    check_result(entry, kwargs, dims, result)
