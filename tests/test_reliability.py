"""Reliability: honest numbers at extreme inputs, untouched inputs, few compiled
specializations, no allocation per step and bounded memory, thread safety and thread
counts, a disk cache that never breaks an install, and bitwise reproducibility across
runs and processes."""
import concurrent.futures
import contextlib
import os
import pkgutil
import shutil
import subprocess
import sys
import textwrap
import warnings

import numba
import numpy as np
import pytest
import scipy.special
from numba.core import types
from numba.core.registry import CPUDispatcher
from numba.core.runtime import _nrt_python, rtsys

import fastnn
import fastnn.kernels
from fastnn import _threads, datasets
from fastnn._validation import parameter_count
from fastnn.kernels.loop import gram_path_pays
from fastnn.kernels.optimizers import run_epoch
from fastnn.kernels.two_layer import COLUMNS, ROWS, choose_path
from conftest import in_layout, read_only

# subprocesses, threads and compiled-code checks: run with compiled kernels only
pytestmark = pytest.mark.jit_only

BACKENDS = ["numba", "numpy"]
DTYPES = [np.float64, np.float32]
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --------------------------------------------------------------------------- honest numbers
@contextlib.contextmanager
def _warnings_as_errors():
    """Turn warnings into errors, except a spurious "invalid" flag OpenBLAS can set inside
    a matmul of finite values (numpy#24067). A real invalid matmul means NaN or inf in its
    operands, which the tests' finiteness checks catch."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", "invalid value encountered in matmul", RuntimeWarning)
        yield


def _extreme_inputs(dtype):
    """X ``(2, 12)`` with |z| from 0 to 1e3, and the one-layer identity net ``Z = X``."""
    z = np.array([-1e3, -700, -100, -30, -1, -1e-3, 0, 1e-3, 1, 30, 100, 1e3])
    X = np.vstack([z, -z[::-1] / 2]).astype(dtype)
    params = {"W1": np.eye(2, dtype=dtype), "b1": np.zeros((2, 1), dtype)}
    return X, params


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("output_activation", ["sigmoid", "softmax"])
def test_extreme_logits_stay_finite_and_accurate(backend, dtype, output_activation):
    X, params = _extreme_inputs(dtype)
    Z = X.astype(np.float64)
    eps = float(np.finfo(dtype).eps)
    if output_activation == "sigmoid":
        truth = scipy.special.expit(Z)
        Y = (Z < 0).astype(dtype)  # every prediction wrong: the log-loss's worst case
    else:
        truth = scipy.special.softmax(Z, axis=0)
        Y = np.eye(2, dtype=dtype)[:, (Z[0] > Z[1]).astype(int)]
    with _warnings_as_errors():
        AL, cache = fastnn.forward_propagation(X, params, output_activation=output_activation,
                                               backend=backend)
        cost = fastnn.compute_cost(AL, Y, output_activation=output_activation)
        grads = fastnn.backward_propagation(params, cache, X, Y,
                                            output_activation=output_activation, backend=backend)
    assert AL.dtype == dtype and np.isfinite(AL).all()
    np.testing.assert_allclose(AL, truth, rtol=8 * eps, atol=np.finfo(dtype).tiny)
    # Cost and gradients are held to the exact values for the predictions AL they get
    # (log(1 - AL) near AL = 1 is ill-conditioned: AL's rounding is not theirs to fix).
    # The cost clips predictions to [eps, 1 - eps]: at most -log(eps) per sample.
    A = AL.astype(np.float64)
    clipped = np.clip(A, eps, 1 - eps)
    terms = Y * np.log(clipped)
    if output_activation == "sigmoid":
        terms += (1 - Y) * np.log(1 - clipped)
    expected_cost = -terms.sum() / X.shape[1]
    assert np.isfinite(cost) and cost == pytest.approx(expected_cost, rel=16 * eps)
    dZ = A - Y
    m = X.shape[1]
    bound = 16 * eps * (np.abs(dZ) @ np.abs(Z).T) / m + np.finfo(dtype).tiny
    for name, expected in [("dW1", dZ @ Z.T / m), ("db1", dZ.sum(axis=1, keepdims=True) / m)]:
        assert grads[name].dtype == dtype and np.isfinite(grads[name]).all()
        assert (np.abs(grads[name] - expected) <= np.maximum(bound, 16 * eps * np.abs(expected))
                ).all(), name


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_saturated_hidden_layer_trains_without_warnings(backend, dtype):
    X, _ = _extreme_inputs(dtype)
    Y = (X[:1] > 0).astype(dtype)
    with _warnings_as_errors():
        params, costs = fastnn.train(X, Y, [2, 3, 1], num_iterations=20, learning_rate=0.1,
                                     params=fastnn.initialize_parameters([2, 3, 1], seed=0,
                                                                         scale=1.0, dtype=dtype),
                                     backend=backend)
    assert np.isfinite(costs).all() and all(np.isfinite(p).all() for p in params.values())


# --------------------------------------------------------------------------- inputs untouched
def _odd_layouts(a):
    """``a`` as Fortran-ordered, strided, read-only and big-endian arrays."""
    big_endian = a.astype(a.dtype.newbyteorder(">"))
    return {"F": in_layout(a, "F"), "strided": in_layout(a, "strided"),
            "readonly": read_only(a.copy())[0], "big-endian": big_endian}


def _run_all(X, Y, params, backend):
    """Every public entry point on these inputs; the results in one flat dict."""
    AL, cache = fastnn.forward_propagation(X, params, backend=backend)
    grads = fastnn.backward_propagation(params, cache, X, Y, backend=backend)
    out = {"AL": AL, "cost": np.array(fastnn.compute_cost(AL, Y)),
           "predict": fastnn.predict(params, X, backend=backend),
           **{f"cache_{k}": v for k, v in cache.items()}, **grads,
           **{f"new_{k}": v for k, v in fastnn.update_parameters(params, grads, 0.5,
                                                                 backend=backend).items()}}
    trained, costs = fastnn.train(X, Y, [2, 4, 3, 1], num_iterations=5, learning_rate=1.0,
                                  params=params, backend=backend)
    out.update({f"trained_{k}": v for k, v in trained.items()}, costs=costs)
    return out


def _dispatchers():
    """Every compiled function in fastnn.kernels, by qualified name."""
    found = {}
    for info in pkgutil.iter_modules(fastnn.kernels.__path__, "fastnn.kernels."):
        module = sys.modules.get(info.name)
        for name, obj in vars(module).items() if module else ():
            if isinstance(obj, CPUDispatcher):
                found[f"{obj.py_func.__module__}.{name}"] = obj
    return found


@pytest.mark.parametrize("dtype", DTYPES)
def test_any_layout_gives_the_c_answer_and_no_new_compilation(dtype):
    X, Y = (a.astype(dtype) for a in datasets.planar_flower(m=60))
    params = fastnn.initialize_parameters([2, 4, 3, 1], seed=0, scale=0.5, dtype=dtype)
    read_only(X, Y, *params.values())
    expected = {b: _run_all(X, Y, params, b) for b in BACKENDS}
    compiled = {name: len(d.signatures) for name, d in _dispatchers().items()}
    before = {k: v.copy() for k, v in params.items()}
    odd_X, odd_Y = _odd_layouts(X), _odd_layouts(Y)
    odd_params = {k: _odd_layouts(v) for k, v in params.items()}
    for layout in odd_X:
        p = {k: v[layout] for k, v in odd_params.items()}
        for backend in BACKENDS:
            got = _run_all(odd_X[layout], odd_Y[layout], p, backend)
            for key, value in expected[backend].items():
                assert got[key].dtype == value.dtype, (layout, backend, key)
                # the kernels see the same C-contiguous values: bitwise equal; NumPy's BLAS
                # may take another path for another layout
                np.testing.assert_allclose(got[key], value, rtol=0 if backend == "numba" else
                                           1e-12 if dtype == np.float64 else 1e-5,
                                           err_msg=f"{layout} {backend} {key}")
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
    assert {name: len(d.signatures) for name, d in _dispatchers().items()} == compiled
    # one specialization per dtype for C-contiguous writeable arrays, and one per dtype
    # for a Fortran-ordered A_prev (the estimators' X.T, read as it is)
    signatures = fastnn.kernels.dense.dense_forward.signatures
    assert len({(sig[0].dtype, sig[1].layout) for sig in signatures}) == len(signatures) <= 4
    for sig in signatures:
        arrays = [(i, a) for i, a in enumerate(sig) if isinstance(a, types.Array)]
        assert all(a.mutable and (a.layout == "C" or (i, a.layout) == (1, "F"))
                   for i, a in arrays), sig


def test_caller_dicts_are_not_modified():
    X, Y = datasets.xor()
    params = fastnn.initialize_parameters([2, 3, 1], seed=0)
    AL, cache = fastnn.forward_propagation(X, params)
    grads = fastnn.backward_propagation(params, cache, X, Y)
    read_only(X, Y, AL, *params.values(), *cache.values(), *grads.values())
    snapshot = [dict(d) for d in (params, cache, grads)]
    fastnn.backward_propagation(params, cache, X, Y)
    fastnn.update_parameters(params, grads, 0.1)
    fastnn.train(X, Y, [2, 3, 1], num_iterations=2, learning_rate=0.1, params=params)
    for d, before in zip((params, cache, grads), snapshot):
        assert d.keys() == before.keys() and all(d[k] is before[k] for k in d)


# --------------------------------------------------------------------------- memory
@contextlib.contextmanager
def _numba_allocations():
    """Count the allocations of compiled code (Numba's runtime counters, switched on for
    the block); yields a function that returns the count so far."""
    was_on = _nrt_python.memsys_stats_enabled()
    _nrt_python.memsys_enable_stats()
    start = rtsys.get_allocation_stats().alloc
    try:
        yield lambda: rtsys.get_allocation_stats().alloc - start
    finally:
        if not was_on:
            _nrt_python.memsys_disable_stats()


# (layer_dims, m, path, through X.T @ X): one net for each compiled loop
TRAINING_PATHS = [([2, 4, 1], 50, "columns", False), ([100, 3, 1], 80, "rows", False),
                  ([100, 3, 1], 30, "rows", True), ([20, 30, 1], 40, "generic", False),
                  ([100, 20, 1], 30, "generic", True), ([3, 5, 4, 2], 30, "generic", False)]


def _path_of(dims, m, iterations):
    dims = np.asarray(dims, np.int64)
    path = {COLUMNS: "columns", ROWS: "rows"}.get(choose_path(dims), "generic")
    return path, gram_path_pays(dims, m, iterations)


@pytest.mark.parametrize("dims, m, path, gram", TRAINING_PATHS)
def test_training_allocates_nothing_per_iteration(dims, m, path, gram):
    """A 1 000-iteration ``train`` allocates in compiled code as often as a 10-iteration
    one: all work space is allocated before the first step."""
    assert _path_of(dims, m, 10) == _path_of(dims, m, 1000) == (path, gram)
    rng = np.random.default_rng(0)
    X = rng.random((dims[0], m))
    Y = np.eye(dims[-1])[rng.integers(0, dims[-1], m)].T if dims[-1] > 1 else X[:1] > 0.5
    out = "softmax" if dims[-1] > 1 else "sigmoid"
    counts = []
    for iterations in (10, 10, 1000):  # the first call may compile
        with _numba_allocations() as allocations:
            fastnn.train(X, Y, dims, num_iterations=iterations, learning_rate=0.1, seed=0,
                         output_activation=out)
            counts.append(allocations())
    assert counts[2] == counts[1], counts


@pytest.mark.parametrize("dims, n, path", [([2, 4, 1], 200, "columns"),
                                           ([100, 3, 1], 400, "rows"),
                                           ([20, 30, 1], 200, "generic")])
def test_an_epoch_allocates_nothing_per_mini_batch(dims, n, path):
    assert _path_of(dims, n, 1)[0] == path
    rng = np.random.default_rng(0)
    X, Y = rng.random((dims[0], n)), (rng.random((1, n)) > 0.5).astype(float)
    settings = dict(alpha=1e-4, solver="adam", learning_rate=1e-3, momentum=0.9,
                    nesterov=True, beta_1=0.9, beta_2=0.999, epsilon=1e-8, t=0)
    counts = []
    for batch_size in (n // 10, n // 10, 2):  # 10, 10 and n / 2 mini-batches
        theta = rng.standard_normal(parameter_count(dims)) * 0.1
        state = np.zeros((2, theta.size))
        with _numba_allocations() as allocations:
            run_epoch(X, Y, theta, dims, "tanh", "sigmoid", "log_loss", rng.permutation(n),
                      batch_size, state=state, **settings)
            counts.append(allocations())
    assert counts[2] == counts[1], counts


_PEAK_MEMORY = r"""
import re, numpy as np, fastnn
def kib(key):
    return int(re.search(key + r":\s+(\d+) kB", open("/proc/self/status").read()).group(1))
dtype, dims, m = np.dtype(DTYPE), [784, 512, 1], 20_000
rng = np.random.default_rng(0)
X = rng.random((dims[0], m)).astype(dtype)
params = fastnn.initialize_parameters(dims, seed=0, dtype=dtype)
growth = {}
for backend in ("numba", "numpy"):
    fastnn.train(X[:, :50], X[:1, :50] > 0.5, dims, num_iterations=2, learning_rate=0.1,
                 params=params, backend=backend)  # compile, or load from the disk cache
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # the peak resident size (VmHWM) restarts from the current size
    before = kib("VmRSS")
    fastnn.train(X, X[:1] > 0.5, dims, num_iterations=3, learning_rate=0.1, params=params,
                 backend=backend)
    growth[backend] = (kib("VmHWM") - before) * 1024 / (dims[1] * m * dtype.itemsize)
print(growth["numba"], growth["numpy"])
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="Linux only")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_training_memory_stays_under_one_and_a_half_hidden_layers(dtype):
    """Peak memory of a ``train`` call of the 784-512-1 net on 20 000 samples grows by at
    most 1.5 x ``n_h * m * itemsize`` (the hidden layer's activations), where the NumPy
    backend's temporaries take several times that (so the measurement sees them)."""
    out, _ = _finish(_python(f"DTYPE = {dtype!r}\n" + _PEAK_MEMORY, REPO))
    numba_growth, numpy_growth = map(float, out.split())
    assert numba_growth <= 1.5 < numpy_growth, (numba_growth, numpy_growth)


# --------------------------------------------------------------------------- threads
def _train(config):
    backend, dtype, seed = config
    X, Y = (a.astype(dtype) for a in datasets.planar_flower(m=200))
    return fastnn.train(X, Y, [2, 4, 1], num_iterations=300, learning_rate=1.2, seed=seed,
                        backend=backend)


def test_train_from_several_threads_matches_serial_runs():
    configs = [(b, d, s) for b in BACKENDS for d in DTYPES for s in (0, 1, 2)]
    serial = [_train(c) for c in configs]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(_train, configs))
    for config, (p1, c1), (p2, c2) in zip(configs, serial, parallel):
        np.testing.assert_array_equal(c1, c2, err_msg=str(config))
        for k in p1:
            np.testing.assert_array_equal(p1[k], p2[k], err_msg=f"{config} {k}")


def test_thread_counts_reach_numba_and_blas():
    limit = numba.config.NUMBA_NUM_THREADS
    start = _threads.get_num_threads()
    with _threads.threads(1):
        assert _threads.get_num_threads() == numba.get_num_threads() == 1
        assert _threads.blas_num_threads() and set(_threads.blas_num_threads()) == {1}
    assert _threads.get_num_threads() == start
    try:
        _threads.set_num_threads(limit)
        assert numba.get_num_threads() == limit and set(_threads.blas_num_threads()) == {limit}
    finally:
        _threads.set_num_threads(start)
    between, an_int = "n must be between 1 and", "n must be an int"
    for bad, exc, match in [(0, ValueError, between), (-1, ValueError, between),
                            (limit + 1, ValueError, between), (1.5, TypeError, an_int),
                            ("2", TypeError, an_int), (True, TypeError, an_int),
                            (False, TypeError, an_int)]:
        with pytest.raises(exc, match=match):
            _threads.set_num_threads(bad)


# --------------------------------------------------------------------------- disk cache
#: A forward pass and an update on XOR's net: few kernels, so a process that compiles
#: them from scratch takes about 10 s here (training XOR compiled for about 29 s).
KERNELS_SCRIPT = """
import fastnn
X, Y = fastnn.datasets.xor()
params = fastnn.initialize_parameters([2, 4, 1], seed=0, scale=1.0)
AL, _ = fastnn.forward_propagation(X, params)
grads = {"d" + k: v for k, v in params.items()}
print("from", fastnn.__file__)
print("result", AL.round(3).tolist(), AL.sum().hex(),
      fastnn.update_parameters(params, grads, 0.5)["W1"].sum().hex())
"""


def _copy_package(dest, with_cache):
    """A copy of the fastnn package under ``dest`` (with or without its __pycache__)."""
    ignore = None if with_cache else shutil.ignore_patterns("__pycache__")
    shutil.copytree(os.path.join(REPO, "fastnn"), os.path.join(dest, "fastnn"), ignore=ignore)
    return dest


def _python(code, pythonpath, **env):
    """Start ``python -c code`` with fastnn imported from ``pythonpath``."""
    environ = {k: v for k, v in os.environ.items()
               if k not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME", "FASTNN_CACHE")}
    environ.update(PYTHONPATH=pythonpath, **env)
    # run from the folder on pythonpath: "python -c" puts the working directory first
    return subprocess.Popen([sys.executable, "-c", code], env=environ, text=True,
                            cwd=pythonpath, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(proc):
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return out, err


def test_an_unusable_disk_cache_never_breaks_fastnn(tmp_path):
    """Read-only package and home: import warns once and trains (kernels compiled in
    memory).  ``FASTNN_CACHE=0``: no warning, nothing written.  Both compile from
    scratch, so they run side by side."""
    readonly = _copy_package(tmp_path / "readonly", with_cache=False)
    home = tmp_path / "home"
    home.mkdir()
    # Root ignores permission bits, so also put regular files where Numba would create its
    # cache directories (the package's __pycache__ and ~/.cache): then even root cannot.
    (home / ".cache").touch()
    for folder, _, _ in os.walk(readonly / "fastnn"):
        open(os.path.join(folder, "__pycache__"), "w").close()
    for folder, _, files in os.walk(readonly):
        for name in files:
            os.chmod(os.path.join(folder, name), 0o444)
        os.chmod(folder, 0o555)
    os.chmod(home, 0o555)
    probe = textwrap.dedent(f"""
        import numba
        namespace = {{}}
        exec(compile("def f(): return 1", {str(readonly / "fastnn" / "kernels" / "loop.py")!r},
                     "exec"), namespace)
        try:
            numba.njit(cache=True)(namespace["f"])
            print("numba can cache")
        except RuntimeError as exc:
            print("numba:", exc)
        """)
    off = _copy_package(tmp_path / "off", with_cache=False)
    try:
        blocked = _python(probe + KERNELS_SCRIPT, str(readonly), HOME=str(home))
        disabled = _python(KERNELS_SCRIPT, str(off), FASTNN_CACHE="0")
        (out, err), (out_off, err_off) = _finish(blocked), _finish(disabled)
    finally:
        for folder, _, _ in os.walk(tmp_path):
            os.chmod(folder, 0o755)
    assert "no locator available" in out, out  # plain Numba would fail to import
    assert f"from {readonly / 'fastnn'}" in out and "result [[0.5" in out
    assert err.count("RuntimeWarning: fastnn: no writable place for Numba's on-disk cache") == 1
    assert "result [[0.5" in out_off and "Warning" not in err_off
    assert not any(name.endswith((".nbi", ".nbc")) for _, _, files in os.walk(off)
                   for name in files)
    assert out.split("result")[-1] == out_off.split("result")[-1]  # same results, bit for bit


def test_editing_a_kernel_file_recompiles_its_kernels(tmp_path):
    """Numba keys a file's cached kernels on a hash of the file's contents: touching
    the file reuses them, editing it recompiles them (and rewrites the cache)."""
    package = _copy_package(tmp_path, with_cache=True)
    update = package / "fastnn" / "kernels" / "update.py"
    script = textwrap.dedent("""
        import fastnn
        params = fastnn.initialize_parameters([2, 4, 1], seed=0, scale=1.0)
        grads = {"d" + k: v for k, v in params.items()}
        print("from", fastnn.__file__)
        print("update", fastnn.update_parameters(params, grads, 0.5)["W1"].sum().hex())
        """)

    def run():
        out, _ = _finish(_python(script, str(package), NUMBA_DEBUG_CACHE="1"))
        saved = [line for line in out.splitlines()
                 if "data saved" in line and "update.sgd_update" in line]
        return [line for line in out.splitlines()
                if line.startswith(("from", "update"))], saved

    first, _ = run()
    assert first[0] == f"from {package / 'fastnn' / '__init__.py'}"
    assert first[1].startswith("update ")
    os.utime(update)
    assert run() == (first, [])  # touched: the cached sgd_update is loaded, not rebuilt
    update.write_text(update.read_text() + "\n# edited\n")
    results, saved = run()
    assert results == first and saved  # edited: sgd_update compiled and saved again


# --------------------------------------------------------------------------- reproducibility
REPRO_SCRIPT = """
import hashlib
import numpy as np
import fastnn
from fastnn import _threads


def digest(backend, dtype, threads):
    X, Y = (a.astype(dtype) for a in fastnn.datasets.planar_flower())
    with _threads.threads(threads):
        params, costs = fastnn.train(X, Y, [2, 4, 1], num_iterations=200, learning_rate=1.2,
                                     seed=3, backend=backend)
    h = hashlib.sha256(costs.tobytes())
    for k in sorted(params):
        h.update(params[k].tobytes())
    return h.hexdigest()


CONFIGS = [(b, d, t) for b in ("numba", "numpy") for d in ("float64", "float32")
           for t in (1, 2)]
if __name__ == "__main__":
    for config in CONFIGS:
        print(*config, digest(*config))
"""


def test_same_settings_give_bitwise_identical_results_across_runs_and_processes():
    namespace = {"__name__": "repro"}
    exec(REPRO_SCRIPT, namespace)
    threads = min(2, numba.config.NUMBA_NUM_THREADS)
    configs = [(b, d, min(t, threads)) for b, d, t in namespace["CONFIGS"]]
    here = [" ".join(map(str, (*c, namespace["digest"](*c)))) for c in configs]
    assert here == [" ".join(map(str, (*c, namespace["digest"](*c)))) for c in configs]
    if threads < 2:
        pytest.skip("one thread only: cannot compare processes at two threads")
    procs = [_python(REPRO_SCRIPT, REPO) for _ in range(2)]
    for proc in procs:
        out, _ = _finish(proc)
        assert out.splitlines() == here
