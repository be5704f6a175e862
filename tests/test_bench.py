"""The benchmark command and the asv suite's kernel table (no timing is asserted)."""
import json
from pathlib import Path

import numpy as np
import pytest

import fastnn
import fastnn.reference
from fastnn import bench

# times compiled kernels: run with compiled kernels only
pytestmark = pytest.mark.jit_only

ASV_DIR = Path(__file__).resolve().parents[1] / "asv_bench"


def test_bench_main_writes_json(tmp_path, capsys):
    path = tmp_path / "bench.json"
    rc = bench.main(["--workloads", "W1", "--iterations", "3", "--repeats", "1",
                     "--json", str(path)])
    assert rc == 0
    assert "W1" in capsys.readouterr().out

    report = json.loads(path.read_text())
    assert set(report) >= {"machine", "results", "notes"}
    machine = report["machine"]
    assert machine["cpu_count"] >= 1
    assert {"numpy", "numba", "matmul_peak_gflops"} <= set(machine)
    assert set(machine["matmul_peak_gflops"]) == {"float64", "float32"}

    rows = {row["dtype"]: row for row in report["results"]}
    assert set(rows) == {"float64", "float32"}
    for row in rows.values():
        assert row["workload"] == "W1" and row["layer_dims"] == [2, 4, 1]
        assert row["iterations"] == 3
        assert set(row["seconds_per_iteration"]) == {"numba", "numpy"}
        assert all(t > 0 for t in row["seconds_per_iteration"].values())
        assert row["first_call_seconds"]["numba"] > 0
        assert row["speedup_numba_vs_numpy"] > 0
        assert row["speedup_range"] == [pytest.approx(row["speedup_numba_vs_numpy"])] * 2
        assert row["gflops"]["numba"] > 0
        assert row["matmul_peak_gflops"] == machine["matmul_peak_gflops"][row["dtype"]] > 0
    assert rows["float64"]["max_abs_delta_params"]["numba"] < 1e-8
    assert rows["float32"]["max_abs_delta_params"]["numba"] < 1e-3


def test_bench_speedup_range_and_peak_come_from_each_repeat(monkeypatch):
    """time_backends pairs each repeat's calls for the range of the speedup, and takes the
    peak from the fastest 2048² product timed between them (timings scripted here)."""
    seconds = iter([1.0, 2.0, 0.5,   # repeat 0: numba, numpy, peak product
                    3.0, 1.0, 0.25,  # repeat 1: numpy, numba (order reversed), peak
                    2.0, 2.0, 1.0])  # repeat 2: numba, numpy, peak
    monkeypatch.setattr(bench, "_seconds", lambda fn: next(seconds))
    runners = {name: bench.fastnn_runner("numpy") for name in ("numba", "numpy")}
    row = bench.time_backends(runners, bench.WORKLOADS["W1"], "float64", 2, 3)
    assert row["seconds_per_iteration"] == {"numba": 0.5, "numpy": 1.0}  # medians / 2
    assert row["speedup_numba_vs_numpy"] == 2.0
    assert row["speedup_range"] == [1.0, 3.0]  # ratios 2, 3, 1
    assert row["matmul_peak_gflops"] == pytest.approx(2 * 2048**3 / 0.25 / 1e9)
    assert next(seconds, None) is None


def test_bench_leaves_out_gflops_where_numba_trains_through_the_gram_matrix(tmp_path, capsys):
    path = tmp_path / "bench.json"
    bench.main(["--workloads", "W2", "--dtypes", "float32", "--iterations", "10",
                "--repeats", "1", "--json", str(path)])
    row = json.loads(path.read_text())["results"][0]
    assert row["gflops"]["numba"] is None and row["gflops"]["numpy"] > 0
    assert row["matmul_seconds_per_iteration"] is None and row["speedup_bound_matmuls"] is None
    assert row["max_abs_delta_params"]["numba"] < 1e-3
    line = next(s for s in capsys.readouterr().out.splitlines() if s.startswith("W2"))
    assert line.split()[-2:] == ["-", "-"]


def test_bench_bounds_the_speedup_by_the_matmuls_of_a_blas_step(tmp_path, capsys):
    """W3 runs its products with BLAS: the matmul-only time and the bound are reported
    (W1's small net runs compiled loops: neither is)."""
    path = tmp_path / "bench.json"
    bench.main(["--workloads", "W1,W3", "--dtypes", "float32", "--iterations", "1",
                "--repeats", "1", "--json", str(path)])
    rows = {row["workload"]: row for row in json.loads(path.read_text())["results"]}
    w3 = rows["W3"]
    assert w3["matmul_seconds_per_iteration"] > 0
    assert w3["speedup_bound_matmuls"] == pytest.approx(
        w3["seconds_per_iteration"]["numpy"] / w3["matmul_seconds_per_iteration"])
    assert rows["W1"]["matmul_seconds_per_iteration"] is None
    after_range = {}  # the table's words after the speedup and range columns
    for line in capsys.readouterr().out.splitlines():
        words = line.split()
        if words and words[0] in rows:
            i = next(k for k, word in enumerate(words) if word.endswith("x"))
            low, high = map(float, words[i + 1].split("-"))
            assert low <= high
            after_range[words[0]] = words[i + 2:i + 5]
    assert after_range["W1"][:2] == ["-", "-"]
    assert after_range["W3"][1] in ("ms", "µs") and after_range["W3"][2].endswith("x")


def test_step_products_are_the_counted_flops():
    """step_products computes exactly the products flops_per_iteration counts."""
    for dims in ([2, 4, 1], [7, 5, 3, 2]):
        X = np.ones((dims[0], 11), np.float32)
        products = bench.step_products(X, dims)
        flops = sum(2 * a.shape[0] * a.shape[1] * b.shape[1] for a, b, _ in products)
        assert flops == bench.Workload("x", "", tuple(dims), 11, 1, 0.1).flops_per_iteration()
        assert all(out.shape == (a.shape[0], b.shape[1]) and out.dtype == np.float32
                   for a, b, out in products)


@pytest.mark.parametrize("args, message", [
    (["--workloads", "W9"], "unknown workload"),
    (["--repeats", "0"], "--repeats must be >= 1"),
    (["--iterations", "0"], "--iterations must be >= 1"),
    (["--blas-threads", "0"], "--blas-threads must be >= 1"),
    (["--json", "/no/such/dir/out.json"], "no such directory"),
    (["--json", ""], "--json '': a file name is needed"),  # was accepted, nothing written
    (["--json", "."], "--json '.': a file name is needed"),  # a traceback after the run
])
def test_bench_refuses_bad_arguments_with_status_2(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.main(args)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_bench_lists_run_each_item_once():
    assert bench._parse_list("float64, float32,float64", bench.DTYPES, "dtype") == [
        "float64", "float32"]


def test_bench_compare_skips_missing_library(monkeypatch, tmp_path):
    def missing():
        raise ImportError("not installed here")
    monkeypatch.setitem(bench.COMPARE, "torch", missing)
    path = tmp_path / "bench.json"
    bench.main(["--workloads", "W1", "--dtypes", "float64", "--iterations", "1",
                "--repeats", "1", "--compare", "torch", "--json", str(path)])
    report = json.loads(path.read_text())
    assert any("torch" in note for note in report["notes"])
    assert set(report["results"][0]["seconds_per_iteration"]) == {"numba", "numpy"}


def test_asv_kernel_benchmarks_cover_every_kernel(monkeypatch):
    """Each name in KERNEL_NAMES has benchmark arguments the reference accepts."""
    monkeypatch.syspath_prepend(str(ASV_DIR))
    from benchmarks import bench_kernels

    assert bench_kernels.KERNELS == fastnn.reference.KERNEL_NAMES
    for name in fastnn.reference.KERNEL_NAMES:
        args = bench_kernels.kernel_args(name, 3, 4, 5, "float64")
        getattr(fastnn.reference, name)(*args)
    assert np.dtype(bench_kernels.kernel_args("tanh", 3, 4, 5, "float32")[0].dtype) == np.float32


def test_asv_optimizer_benchmarks_cover_every_optimizer(monkeypatch):
    """Each name in OPTIMIZER_NAMES is benchmarked, with arguments both twins accept."""
    monkeypatch.syspath_prepend(str(ASV_DIR))
    from benchmarks import bench_kernels

    import fastnn.optimizers
    assert set(bench_kernels.Optimizer.params[0]) == set(fastnn.optimizers.OPTIMIZER_NAMES)
    for name in fastnn.optimizers.OPTIMIZER_NAMES:
        for backend in ("numba", "numpy"):
            bench = bench_kernels.Optimizer()
            bench.setup(name, "2-4-400", "float32", backend)
            bench.time_optimizer(name, "2-4-400", "float32", backend)


def test_flops_count_no_input_gradient():
    """W3 (784-128-1): forward and dW products over both layers, dA only for layer 2,
    i.e. the issue's "4 GFLOP" per step."""
    w3 = bench.WORKLOADS["W3"]
    m = w3.m
    assert w3.flops_per_iteration() == 4 * m * (784 * 128 + 128) + 2 * m * 128
    assert w3.flops_per_iteration() == pytest.approx(4.0e9, rel=0.01)


def test_asv_texts_step_computes_the_tutorial_step(monkeypatch):
    """TextsStep's plain-NumPy baseline gives the cost and parameters of one step of the
    tutorial functions (so TutorialStep and TextsStep time the same work)."""
    monkeypatch.syspath_prepend(str(ASV_DIR))
    from benchmarks import bench_train

    X, Y = fastnn.datasets.planar_flower(40)
    params = fastnn.initialize_parameters([2, 4, 1], seed=3, scale=0.5)
    cost, new = bench_train.texts_step(X, Y, params, 1.2)
    AL, cache = fastnn.forward_propagation(X, params, backend="numpy")
    grads = fastnn.backward_propagation(params, cache, X, Y, backend="numpy")
    expected = fastnn.update_parameters(params, grads, 1.2, backend="numpy")
    assert cost == pytest.approx(fastnn.compute_cost(AL, Y), rel=1e-12)
    assert new.keys() == expected.keys()
    for key in new:
        np.testing.assert_allclose(new[key], expected[key], rtol=1e-12, atol=1e-14)
