"""Bad inputs to every public entry point are a ValueError or TypeError naming the argument.

One table row per bad input: which function, which arguments change from a valid
call, the exact exception type (never a subclass such as a Numba typing error),
and a pattern the message must match (the argument's name and, for shape
errors, the shapes involved).  Every row runs on both backends where the
function takes one.
"""
import inspect

import numpy as np
import pytest

import fastnn
from fastnn._validation import check_array
from conftest import read_only

BACKENDS = ["numba", "numpy"]

_rng = np.random.default_rng(0)
X = _rng.standard_normal((2, 5))
Y = (X[:1] > 0).astype(np.float64)
P = fastnn.initialize_parameters([2, 3, 1], seed=0, scale=0.5)
AL, CACHE = fastnn.forward_propagation(X, P)
GRADS = fastnn.backward_propagation(P, CACHE, X, Y)
# a two-output net for the softmax rows
Y2 = np.eye(2)[:, [0, 1, 1, 0, 1]]
P2 = fastnn.initialize_parameters([2, 3, 2], seed=0, scale=0.5)
AL2, CACHE2 = fastnn.forward_propagation(X, P2, output_activation="softmax")
read_only(X, Y, AL, Y2, AL2, *P.values(), *CACHE.values(), *GRADS.values(), *P2.values(),
          *CACHE2.values())

#: A valid call of each entry point; a row changes some of these arguments.
VALID = {
    "initialize_parameters": dict(layer_dims=[2, 3, 1]),
    "forward_propagation": dict(X=X, params=P),
    "compute_cost": dict(AL=AL, Y=Y),
    "backward_propagation": dict(params=P, cache=CACHE, X=X, Y=Y),
    "update_parameters": dict(params=P, grads=GRADS, learning_rate=0.1),
    "predict": dict(params=P, X=X),
    "train": dict(X=X, Y=Y, layer_dims=[2, 3, 1], num_iterations=3, learning_rate=0.5, seed=0),
}
TAKES_X = ["forward_propagation", "backward_propagation", "predict", "train"]
TAKES_PARAMS = ["forward_propagation", "backward_propagation", "update_parameters", "predict",
                "train"]
TAKES_Y = ["compute_cost", "backward_propagation", "train"]
TAKES_ACTIVATION = ["forward_propagation", "backward_propagation", "predict", "train"]
TAKES_OUTPUT = TAKES_ACTIVATION + ["compute_cost"]
TAKES_LOSS = ["compute_cost", "backward_propagation", "train"]
TAKES_BACKEND = ["forward_propagation", "compute_cost", "backward_propagation",
                 "update_parameters", "predict", "train"]


def with_(d, drop=(), **changes):
    """A copy of dict ``d`` without the keys ``drop`` and with ``changes``."""
    return {**{k: v for k, v in d.items() if k not in drop}, **changes}


def rows(entries, exc, match, **changes):
    """One table row per entry point in ``entries``."""
    return [(entry, changes, exc, match) for entry in entries]


def ragged():
    return [[1.0, 2.0], [3.0]]


TABLE = [
    # ------------------------------------------------------------------ X
    *rows(TAKES_X, ValueError, r"X must be 2-D; got shape \(5,\)", X=X[0]),
    *rows(TAKES_X, ValueError, r"X must be 2-D; got shape \(2, 5, 1\)", X=X[:, :, None]),
    *rows(TAKES_X, ValueError, r"X must be 2-D; got shape \(\)", X=1.0),
    *rows(TAKES_X, ValueError, r"X contains NaN or inf", X=np.where(X > 1, np.nan, X)),
    *rows(TAKES_X, ValueError, r"X contains NaN or inf", X=np.where(X > 1, -np.inf, X)),
    *rows(TAKES_X, ValueError, r"X contains NaN or inf", X=np.full((2, 5), 1e300, np.longdouble) ** 2),
    *rows(TAKES_X, ValueError, r"X must not be empty; got shape \(2, 0\)", X=X[:, :0]),
    *rows(TAKES_X, TypeError, r"X must hold real numbers; got dtype object", X=X.astype(object)),
    *rows(TAKES_X, TypeError, r"X must hold real numbers; got dtype <U", X=X.astype(str)),
    *rows(TAKES_X, TypeError, r"X must hold real numbers; got dtype complex128", X=X + 0j),
    *rows(TAKES_X, TypeError, r"X must hold real numbers; got dtype datetime64",
          X=np.zeros((2, 5), "M8[s]")),
    *rows(TAKES_X, TypeError, r"X must be a numeric array; got list", X=ragged()),
    *rows(TAKES_X, TypeError, r"X is a masked array", X=np.ma.masked_greater(X, 1)),
    *rows(["forward_propagation", "backward_propagation", "predict"], ValueError,
          r"X has shape \(3, 5\) but params\['W1'\] has shape \(3, 2\)", X=np.ones((3, 5))),
    *rows(["train"], ValueError, r"layer_dims\[0\] = 2 .* X has shape \(3, 5\)",
          X=np.ones((3, 5))),
    # ------------------------------------------------------------------ params
    *rows(TAKES_PARAMS, TypeError, r"params must be a dict.*got list", params=list(P.values())),
    *rows(TAKES_PARAMS, ValueError, r"params must have keys W1, b1, \.\.\., WL, bL; got \[\]",
          params={}),
    *rows(TAKES_PARAMS, ValueError, r"params must have keys .*got \['W1', 'W2', 'b1'\]",
          params=with_(P, drop=["b2"])),
    *rows(TAKES_PARAMS, ValueError, r"params must have keys .*'lr'", params=with_(P, lr=0.1)),
    *rows(TAKES_PARAMS, ValueError, r"params must have keys .*'W3'", params=with_(P, W3=P["W2"])),
    *rows(TAKES_PARAMS, ValueError, r"params must have keys .*got \['W1', 'W2', 'b1', 'b2', 3\]",
          params={**P, 3: P["b1"]}),
    *rows(TAKES_PARAMS, ValueError,
          r"params\['W2'\] has shape \(1, 4\) but params\['W1'\] has shape \(3, 2\)",
          params=with_(P, W2=np.ones((1, 4)))),
    *rows(TAKES_PARAMS, ValueError,
          r"params\['b1'\] must have shape \(3, 1\) .*params\['W1'\] of shape \(3, 2\); "
          r"got \(2, 1\)", params=with_(P, b1=np.zeros((2, 1)))),
    *rows(TAKES_PARAMS, ValueError, r"params\['b1'\] must be 2-D; got shape \(3,\)",
          params=with_(P, b1=np.zeros(3))),
    *rows(TAKES_PARAMS, ValueError, r"params\['b1'\] must have shape \(3, 1\) .*got \(1, 3\)",
          params=with_(P, b1=np.zeros((1, 3)))),  # a row: would broadcast when m == 3
    *rows(TAKES_PARAMS, TypeError, r"params mix dtypes .*float32.*float64",
          params=with_(P, W1=P["W1"].astype(np.float32))),
    *rows(TAKES_PARAMS, ValueError, r"params\['W2'\] contains NaN or inf",
          params=with_(P, W2=P["W2"] * np.nan)),
    *rows(TAKES_PARAMS, TypeError, r"params\['W1'\] must hold real numbers; got dtype object",
          params={k: v.astype(object) for k, v in P.items()}),
    *rows(TAKES_PARAMS, TypeError, r"params\['W1'\] must hold real numbers; got dtype complex",
          params={k: v + 0j for k, v in P.items()}),
    *rows(TAKES_PARAMS, TypeError, r"params\['W1'\] must be a numeric array",
          params=with_(P, W1=ragged())),
    *rows(TAKES_PARAMS, ValueError, r"params\['W1'\] must not be empty; got shape \(0, 2\)",
          params={"W1": np.ones((0, 2)), "b1": np.ones((0, 1))}),
    *rows(["train"], ValueError, r"params have layer sizes \[2, 3, 1\]; layer_dims is \[2, 4, 1\]",
          layer_dims=[2, 4, 1], params=P),
    # ------------------------------------------------------------------ Y
    *rows(TAKES_Y, ValueError, r"Y must have shape \(1, 5\) .*got \(1, 4\)", Y=Y[:, :4]),
    *rows(TAKES_Y, ValueError, r"Y must have shape \(1, 5\) .*got \(2, 5\)", Y=np.zeros((2, 5))),
    *rows(TAKES_Y, ValueError, r"Y must be 2-D; got shape \(5,\)", Y=Y[0]),
    *rows(TAKES_Y, ValueError, r"Y must not be empty", Y=Y[:, :0]),
    *rows(TAKES_Y, ValueError, r"Y contains NaN or inf", Y=Y * np.nan),
    *rows(TAKES_Y, TypeError, r"Y must hold real numbers; got dtype <U", Y=Y.astype(str)),
    *rows(TAKES_Y, TypeError, r"Y must hold real numbers; got dtype complex", Y=Y + 1j),
    *rows(TAKES_Y, ValueError, r"Y must lie in \[0, 1\] for a sigmoid output; got values in "
          r"\[-1\.0, 1\.0\]", Y=2 * Y - 1),
    *rows(TAKES_Y, ValueError, r"Y must lie in \[0, 1\] for a sigmoid output; got values in "
          r"\[1\.0, 2\.0\]", Y=Y + 1),
    *rows(TAKES_Y, ValueError, r"a softmax output needs at least 2 rows in Y; got shape \(1, 5\)",
          output_activation="softmax", Y=np.ones((1, 5))),
    *rows(["forward_propagation", "predict"], ValueError, r"a softmax output needs at least 2 "
          r"units; the last layer's weights W2 have shape \(1, 3\)", output_activation="softmax"),
    *rows(["compute_cost"], ValueError, r"Y must be one-hot", AL=AL2, Y=np.full((2, 5), 0.5),
          output_activation="softmax"),
    *rows(["backward_propagation"], ValueError, r"Y must be one-hot", params=P2, cache=CACHE2,
          Y=np.ones((2, 5)), output_activation="softmax"),
    *rows(["train"], ValueError, r"Y must be one-hot", layer_dims=[2, 3, 2],
          Y=Y2[::-1] + Y2, output_activation="softmax"),
    # ------------------------------------------------------------------ names
    *rows(TAKES_ACTIVATION, ValueError, r"activation must be one of .*got 'sigmoidd'",
          activation="sigmoidd"),
    *rows(TAKES_ACTIVATION, ValueError, r"activation must be one of .*got 'softmax'",
          activation="softmax"),
    *rows(TAKES_ACTIVATION, ValueError, r"activation must be one of .*got None", activation=None),
    *rows(TAKES_OUTPUT, ValueError, r"output_activation must be one of .*got 'tanh'",
          output_activation="tanh"),
    *rows(TAKES_OUTPUT, ValueError, r"output_activation must be one of .*got 1",
          output_activation=1),
    *rows(TAKES_LOSS, ValueError, r"loss must be one of .*got 'mse'", loss="mse"),
    *rows(TAKES_BACKEND, ValueError, r"backend must be one of 'numba', 'numpy'; got 'torch'",
          backend="torch"),
    *rows(TAKES_BACKEND, ValueError, r"backend must be one of .*got None", backend=None),
    # incompatible output / loss pairs
    *rows(TAKES_LOSS, ValueError, r"loss='log_loss' needs output_activation 'sigmoid' or "
          r"'softmax'", output_activation="identity", loss="log_loss"),
    *rows(TAKES_LOSS, ValueError, r"output_activation='softmax' goes with loss='log_loss'",
          output_activation="softmax", loss="squared_error"),
    # ------------------------------------------------------------------ numbers
    *[row for lr, exc, match in [
        (0, ValueError, r"learning_rate must be positive and finite; got 0"),
        (-1, ValueError, r"learning_rate must be positive and finite; got -1"),
        (np.nan, ValueError, r"learning_rate must be positive and finite; got nan"),
        (np.inf, ValueError, r"learning_rate must be positive and finite; got inf"),
        ("0.1", TypeError, r"learning_rate must be a real number; got '0.1'"),
        (True, TypeError, r"learning_rate must be a real number; got True"),
        (None, TypeError, r"learning_rate must be a real number; got None"),
        (0.1 + 0j, TypeError, r"learning_rate must be a real number"),
        (np.array([0.1]), TypeError, r"learning_rate must be a real number"),
    ] for row in rows(["update_parameters", "train"], exc, match, learning_rate=lr)],
    *[row for name in ["num_iterations", "print_cost_every"] for value, exc, match in [
        (-1, ValueError, rf"{name} must be >= 0; got -1"),
        (2.5, TypeError, rf"{name} must be an int; got 2.5"),
        (3.0, TypeError, rf"{name} must be an int; got 3.0"),
        ("10", TypeError, rf"{name} must be an int; got '10'"),
        (True, TypeError, rf"{name} must be an int; got True"),
        (None, TypeError, rf"{name} must be an int; got None"),
    ] for row in rows(["train"], exc, match, **{name: value})],
    # ------------------------------------------------------------------ layer_dims
    *[row for dims, exc, match in [
        ([2], ValueError, r"layer_dims must hold at least 2 positive sizes; got \[2\]"),
        ([], ValueError, r"layer_dims must hold at least 2 positive sizes; got \[\]"),
        ([2, 0, 1], ValueError, r"layer_dims must hold at least 2 positive sizes; got \[2, 0, 1\]"),
        ([2, -3, 1], ValueError, r"layer_dims must hold at least 2 positive sizes"),
        ([2.0, 3, 1], TypeError, r"layer_dims must be a sequence of ints; got \[2\.0, 3, 1\]"),
        ([2, 3.5, 1], TypeError, r"layer_dims must be a sequence of ints"),
        (np.array([2.0, 3.0, 1.0]), TypeError, r"layer_dims must be a sequence of ints"),
        ([2, True, 1], TypeError, r"layer_dims must be a sequence of ints"),
        ("231", TypeError, r"layer_dims must be a sequence of ints; got '231'"),
        (3, TypeError, r"layer_dims must be a sequence of ints; got 3"),
        (None, TypeError, r"layer_dims must be a sequence of ints; got None"),
        ({2, 3, 1}, TypeError, r"layer_dims must be a sequence of ints"),
        ({2: 3}, TypeError, r"layer_dims must be a sequence of ints"),
    ] for row in rows(["initialize_parameters", "train"], exc, match, layer_dims=dims)],
    *rows(["train"], ValueError, r"Y must have shape \(2, 5\) .*got \(1, 5\)", layer_dims=[2, 3, 2]),
    # ------------------------------------------------------------------ initialize_parameters
    *[row for changes, exc, match in [
        (dict(dtype="int32"), TypeError, r"dtype must be float32 or float64; got 'int32'"),
        (dict(dtype=np.float16), TypeError, r"dtype must be float32 or float64"),
        (dict(dtype=np.complex128), TypeError, r"dtype must be float32 or float64"),
        (dict(dtype="foo"), TypeError, r"dtype must be float32 or float64; got 'foo'"),
        (dict(dtype=None), TypeError, r"dtype must be float32 or float64; got None"),
        (dict(scale=-1.0), ValueError, r"scale must be finite and >= 0; got -1\.0"),
        (dict(scale=np.nan), ValueError, r"scale must be finite and >= 0; got nan"),
        (dict(scale="1"), TypeError, r"scale must be a real number; got '1'"),
        (dict(scale=None), TypeError, r"scale must be a real number; got None"),
        (dict(seed="a"), TypeError, r"seed must be None, a non-negative int or a numpy "
         r"Generator; got 'a'"),
        (dict(seed=1.5), TypeError, r"seed must be .*got 1\.5"),
        (dict(seed=-1), ValueError, r"seed must be >= 0; got -1"),
    ] for row in rows(["initialize_parameters"], exc, match, **changes)],
    *rows(["train"], ValueError, r"seed must be >= 0; got -1", seed=-1),
    # ------------------------------------------------------------------ compute_cost's AL
    *rows(["compute_cost"], ValueError, r"AL must be 2-D; got shape \(5,\)", AL=AL[0]),
    *rows(["compute_cost"], ValueError, r"AL contains NaN or inf", AL=AL * np.nan),
    *rows(["compute_cost"], ValueError, r"AL must not be empty; got shape \(1, 0\)", AL=AL[:, :0]),
    *rows(["compute_cost"], TypeError, r"AL must hold real numbers; got dtype complex", AL=AL + 0j),
    *rows(["compute_cost"], TypeError, r"AL must hold real numbers; got dtype object",
          AL=AL.astype(object)),
    *rows(["compute_cost"], ValueError, r"Y must have shape \(1, 3\) .*got \(1, 5\)", AL=AL[:, :3]),
    *rows(["compute_cost"], ValueError, r"AL must be probabilities in \[0, 1\] for "
          r"loss='log_loss' \(the output of a sigmoid\); got values in \[-3\.0, 2\.0\]",
          AL=np.array([[2.0, -3.0, 0.5, 0.5, 0.5]])),
    *rows(["compute_cost"], ValueError, r"AL must be probabilities .*got values in "
          r"\[0\.5, 1\.5\]", AL=np.array([[1.5, 0.5, 0.5, 0.5, 0.5]])),
    *rows(["compute_cost"], ValueError, r"AL must be probabilities .*got values in "
          r"\[-0\.5, 0\.5\]", AL=np.array([[-0.5, 0.5, 0.5, 0.5, 0.5]])),
    *rows(["compute_cost"], ValueError, r"AL's columns must each sum to 1 \(the output of a "
          r"softmax\); got column sums in \[1\.0, 1\.8\]",
          AL=np.where(np.arange(5) == 0, 0.9, 0.5) * np.ones((2, 1)), Y=Y2,
          output_activation="softmax"),
    *rows(["compute_cost"], ValueError, r"AL's columns must each sum to 1",
          AL=(AL2 * (1 + 1e-3)).astype(np.float32), Y=Y2, output_activation="softmax"),
    # ------------------------------------------------------------------ cache
    *rows(["backward_propagation"], TypeError, r"cache must be the dict from "
          r"forward_propagation; got list", cache=list(CACHE.values())),
    *rows(["backward_propagation"], ValueError, r"cache lacks 'A2'",
          cache=with_(CACHE, drop=["A2"])),
    *rows(["backward_propagation"], ValueError, r"cache lacks 'A1'", cache={}),
    *rows(["backward_propagation"], ValueError, r"cache\['A1'\] must have shape \(3, 5\); "
          r"got \(3, 4\)", cache=with_(CACHE, A1=CACHE["A1"][:, :4])),
    *rows(["backward_propagation"], ValueError, r"cache\['A2'\] must have shape \(1, 5\); "
          r"got \(2, 5\)", cache=with_(CACHE, A2=np.zeros((2, 5)))),
    *rows(["backward_propagation"], ValueError, r"cache\['A1'\] must be 2-D; got shape \(3,\)",
          cache=with_(CACHE, A1=CACHE["A1"][:, 0])),
    *rows(["backward_propagation"], ValueError, r"cache\['A2'\] contains NaN or inf",
          cache=with_(CACHE, A2=CACHE["A2"] * np.inf)),
    *rows(["backward_propagation"], TypeError, r"cache\['A1'\] must hold real numbers; got "
          r"dtype object", cache=with_(CACHE, A1=None)),
    # ------------------------------------------------------------------ grads
    *rows(["update_parameters"], TypeError, r"grads must be a dict of dW1, db1, \.\.\.; got list",
          grads=list(GRADS.values())),
    *rows(["update_parameters"], ValueError, r"grads must have keys dW1, db1, \.\.\., dW2, db2 "
          r"to match params with 2 layers; got \['dW1', 'dW2', 'db1'\]",
          grads=with_(GRADS, drop=["db2"])),
    *rows(["update_parameters"], ValueError, r"grads must have keys .*'dW3'",
          grads=with_(GRADS, dW3=GRADS["dW2"])),
    *rows(["update_parameters"], ValueError, r"grads must have keys .*got \['W1', 'W2', 'b1', "
          r"'b2'\]", grads=P),
    *rows(["update_parameters"], ValueError, r"grads\['dW1'\] must have the shape of "
          r"params\['W1'\] \(3, 2\); got \(2, 3\)", grads=with_(GRADS, dW1=GRADS["dW1"].T)),
    *rows(["update_parameters"], ValueError, r"grads\['db2'\] must be 2-D; got shape \(1,\)",
          grads=with_(GRADS, db2=GRADS["db2"][:, 0])),
    *rows(["update_parameters"], ValueError, r"grads\['dW2'\] contains NaN or inf",
          grads=with_(GRADS, dW2=GRADS["dW2"] * np.nan)),
    *rows(["update_parameters"], TypeError, r"grads mix dtypes .*float32.*float64",
          grads=with_(GRADS, db1=GRADS["db1"].astype(np.float32))),
    *rows(["update_parameters"], TypeError, r"grads\['dW1'\] must hold real numbers; got "
          r"dtype <U", grads={k: g.astype(str) for k, g in GRADS.items()}),
]


def _cases():
    """Each table row once per backend for the functions that take one."""
    for row, (entry, changes, exc, match) in enumerate(TABLE):
        backends = BACKENDS if entry in TAKES_BACKEND and "backend" not in changes else [None]
        for backend in backends:
            yield pytest.param(entry, changes, exc, match, backend,
                               id=f"{row}-{entry}-{','.join(changes)}-{backend}")


def call(entry, backend, changes=None):
    """``entry`` called with its valid arguments, ``backend`` (unless None) and ``changes``."""
    kwargs = {**VALID[entry], **({"backend": backend} if backend else {}), **(changes or {})}
    return getattr(fastnn, entry)(**kwargs)


def test_the_valid_calls_are_valid():
    """Each row fails because of its change alone."""
    for entry in VALID:
        for backend in BACKENDS if entry in TAKES_BACKEND else [None]:
            call(entry, backend)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_outputs_pass_the_column_sum_check(dtype):
    """Softmax outputs of any dtype and width sum to 1 within the check's tolerance."""
    for n_y in (2, 10, 100):
        X = _rng.standard_normal((4, 50)).astype(dtype)
        params = fastnn.initialize_parameters([4, n_y], seed=n_y, scale=5.0, dtype=dtype)
        AL, _ = fastnn.forward_propagation(X, params, output_activation="softmax")
        Y = np.eye(n_y, dtype=dtype)[:, _rng.integers(0, n_y, 50)]
        assert np.isfinite(fastnn.compute_cost(AL, Y, output_activation="softmax"))


def test_the_table_covers_every_entry_point():
    assert set(VALID) == {"initialize_parameters", "forward_propagation", "compute_cost",
                          "backward_propagation", "update_parameters", "predict", "train"}
    assert {entry for entry, *_ in TABLE} == set(VALID)
    for entry in TAKES_BACKEND:
        assert "backend" in inspect.signature(getattr(fastnn, entry)).parameters


@pytest.mark.parametrize("entry, changes, exc, match, backend", list(_cases()))
def test_bad_input_is_a_clear_error(entry, changes, exc, match, backend):
    with pytest.raises(exc, match=match) as info:
        call(entry, backend, changes)
    assert type(info.value) is exc, f"{type(info.value).__module__}.{type(info.value).__name__}"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("X_in", [X.astype(">f8"), X.astype(np.float16), X > 0,
                                  X.astype(np.int16), X.astype(np.longdouble), X.tolist()],
                         ids=["big-endian", "float16", "bool", "int16", "longdouble", "list"])
def test_other_real_inputs_are_accepted_as_float64(X_in, backend):
    AL_in, _ = fastnn.forward_propagation(X_in, P, backend=backend)
    assert type(AL_in) is np.ndarray and AL_in.dtype == np.float64
    np.testing.assert_allclose(AL_in, fastnn.forward_propagation(
        np.asarray(X_in, np.float64), P, backend=backend)[0], rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_big_endian_float32_stays_float32(backend):
    params = {k: v.astype(">f4") for k, v in P.items()}
    params_out, costs = fastnn.train(X.astype(">f4"), Y, [2, 3, 1], num_iterations=3,
                                     learning_rate=0.5, params=params, backend=backend)
    assert costs.dtype == np.float32
    assert all(a.dtype == np.float32 and a.dtype.isnative for a in params_out.values())


def test_params_in_both_byte_orders_are_one_dtype():
    mixed = with_(P, W1=P["W1"].astype(">f8"))
    np.testing.assert_array_equal(fastnn.predict(mixed, X), fastnn.predict(P, X))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("params, grads, match", [
    (with_(P, W1=P["W1"] * np.nan, b2=np.zeros((2, 1))), GRADS, r"params\['W1'\] contains NaN"),
    (with_(P, W2=P["W2"] * np.inf), with_(GRADS, db1=np.zeros(3)), r"params\['W2'\] contains"),
    (P, with_(GRADS, dW1=GRADS["dW1"] * np.nan, db2=np.zeros((1, 2))),
     r"grads\['dW1'\] contains NaN"),
], ids=["params-nan-then-shape", "params-inf-then-grads-ndim", "grads-nan-then-shape"])
def test_update_reports_the_first_of_two_defects(params, grads, match, backend):
    """update_parameters tests NaN/inf after the shapes, but reports defects in the
    order of the other entry points: each array whole, W1 before b1 before W2..."""
    with pytest.raises(ValueError, match=match):
        fastnn.update_parameters(params, grads, 0.1, backend=backend)


@pytest.mark.parametrize("fill", [0.0, 1e200], ids=["small", "huge"])
@pytest.mark.parametrize("at", [0, 65_535, 65_536, 150_002])
def test_a_bad_value_anywhere_in_a_large_array_is_found(at, fill):
    """The finiteness check sums the squares, and when that overflows (``huge``
    values) goes through the array in blocks: every block is read."""
    X_big = np.full((3, 50_001), fill)
    X_big.flat[at] = np.nan if at % 2 else -np.inf
    with pytest.raises(ValueError, match="X contains NaN or inf"):
        fastnn.forward_propagation(X_big, fastnn.initialize_parameters([3, 2, 1], seed=0))


@pytest.mark.parametrize("dtype, huge", [(np.float64, 1e200), (np.float32, 1e30)])
def test_huge_finite_values_are_finite(dtype, huge):
    """Values whose squares overflow are still accepted (the blockwise check decides)."""
    X_huge = np.full((3, 70_000), huge, dtype)
    X_huge[1] *= -1
    assert check_array("X", X_huge) is X_huge
    assert check_array("X", X_huge[:, :7]).dtype == dtype
