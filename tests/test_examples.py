"""Every script in examples/ runs, prints its timing and accuracy lines and writes its plots."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# runs the examples in subprocesses: run with compiled kernels only
pytestmark = pytest.mark.jit_only

for module in ("matplotlib", "sklearn"):
    pytest.importorskip(module, reason=f"the examples need {module} (pip install fastnn[examples])")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

#: script -> the PNG files it must write
PLOTS = {
    "planar_flower.py": ["planar_flower_cost.png", "planar_flower_boundary.png"],
    "xor.py": ["xor_boundaries.png", "xor_cost.png"],
    "sign_digits.py": ["sign_digits_cost.png"],
    "l_layer.py": ["l_layer_cost.png", "l_layer_boundary.png"],
    "digits_softmax.py": ["digits_softmax_confusion.png", "digits_softmax_cost.png"],
}


def run_example(script: str, *args: str, iterations_env: str = "20",
                cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "FASTNN_EXAMPLE_ITERATIONS": iterations_env, "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, str(EXAMPLES / script), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_every_example_is_listed():
    scripts = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert scripts == set(PLOTS)
    readme = (EXAMPLES / "README.md").read_text()
    assert all(script in readme for script in PLOTS)


@pytest.mark.parametrize("script", sorted(PLOTS))
def test_example_runs_and_writes_its_plots(script, tmp_path):
    out = tmp_path / "plots"
    result = run_example(script, "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "µs/iteration" in result.stdout and "speedup" in result.stdout
    assert "accuracy" in result.stdout
    for name in PLOTS[script]:
        png = out / name
        assert png.is_file() and png.stat().st_size > 0, f"{script} did not write {name}"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in out.iterdir()) == sorted(PLOTS[script])


def test_iterations_option_wins_over_environment(tmp_path):
    # 10**9 iterations from the environment would never finish within the timeout
    result = run_example("planar_flower.py", "--iterations", "3", "--out", str(tmp_path),
                         iterations_env=str(10**9), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "3 iterations" in result.stdout


@pytest.mark.parametrize("script, args, env, message", [
    ("xor.py", ["--iterations", "-1"], "20", "argument --iterations: expected an integer >= 1"),
    ("xor.py", [], "abc", "$FASTNN_EXAMPLE_ITERATIONS: expected an integer >= 1; got 'abc'"),
    ("l_layer.py", ["--layer-dims", "2,x,1"], "20", "--layer-dims: expected an integer >= 1"),
    ("xor.py", ["--out", "/proc/no-plots-here"], "20", "argument --out: cannot create"),
])
def test_bad_options_are_usage_errors(script, args, env, message, tmp_path):
    result = run_example(script, *args, iterations_env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and message in result.stderr
