"""``python -m fastnn``: the default run, ``train`` on the user's files, ``bench`` and errors."""
from __future__ import annotations

import csv
import re
import subprocess
import sys

import numpy as np
import pytest

from fastnn import cli

#: subprocess and training tests need the compiled kernels (too slow as Python)
jit_only = pytest.mark.jit_only


def run_module(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fastnn", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def blobs():
    """40 samples, 3 features, two well-separated classes."""
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 20)
    X = rng.normal(size=(40, 3)) + 3.0 * y[:, None]
    return X, y


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


# -- help -------------------------------------------------------------------------

@jit_only
def test_help_documents_every_command():
    result = run_module("--help")
    assert result.returncode == 0
    for text in ("train", "bench", "--iterations", "--print-every", "planar-flower"):
        assert text in result.stdout


def test_train_help_documents_its_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in ("DATA", "--target", "--hidden", "--activation", "--epochs", "--lr",
                   "--batch-size", "--seed", "--model"):
        assert option in out


# -- the default run --------------------------------------------------------------

@jit_only
def test_default_run_prints_costs_accuracy_and_speedup():
    result = run_module("--iterations", "300", "--print-every", "100")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "[2, 4, 1]" in lines[0] and "learning rate 1.2" in lines[0]
    rows = [line.split() for line in lines if re.fullmatch(r"\s*\d+\s+[\d.]+\s+[\d.]+", line)]
    assert [int(r[0]) for r in rows] == [0, 100, 200]
    assert all(r[1] == r[2] for r in rows)  # the backends agree to the printed digits
    assert float(rows[-1][1]) < float(rows[0][1]) < 0.7  # starts near log 2, then learns
    accuracy = re.search(r"accuracy \(training set\): numba ([\d.]+)%\s+numpy ([\d.]+)%",
                         result.stdout)
    assert accuracy and float(accuracy[1]) > 80 and accuracy[1] == accuracy[2]
    timing = re.search(r"numba\s+([\d.]+) µs/iteration\s+numpy\s+([\d.]+) µs/iteration\s+"
                       r"speedup\s+([\d.]+)x\s+max \|Δ params\| ([\d.e+-]+)", result.stdout)
    assert timing, result.stdout
    assert float(timing[4]) < 1e-8


def test_compare_backends_starts_both_from_the_same_parameters():
    X, Y = np.array([[0.0, 1.0, 2.0, 3.0]]), np.array([[0.0, 0.0, 1.0, 1.0]])
    run = cli.compare_backends(X, Y, [1, 2, 1], num_iterations=5, learning_rate=0.5, seed=3)
    assert run.num_iterations == 5
    np.testing.assert_allclose(run.costs["numba"], run.costs["numpy"], rtol=1e-12)
    assert run.max_param_diff < 1e-12 and run.speedup > 0
    assert "µs/iteration" in run.summary()


def test_compare_backends_compiles_the_loop_it_times(loops_run):
    """Its warm-up takes the timed run's loop: one iteration of a many-input net on
    few samples runs layer by layer, two run the ``ROWS`` loop."""
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((300, 100)), rng.random((1, 100)) > 0.5
    cli.compare_backends(X, Y, [300, 3, 1], num_iterations=2, learning_rate=0.5)
    assert loops_run == ["rows", "rows"]


# -- train ------------------------------------------------------------------------

@jit_only
def test_train_on_npz_saves_a_model(blobs, tmp_path, capsys):
    X, y = blobs
    np.savez(tmp_path / "data.npz", X=X, y=y)
    model = tmp_path / "m.npz"
    status = cli.main(["train", str(tmp_path / "data.npz"), "--hidden", "8,4", "--epochs", "30",
                       "--lr", "0.05", "--seed", "1", "--model", str(model)])
    out = capsys.readouterr().out
    assert status == 0
    accuracy = re.search(r"training accuracy: ([\d.]+)%", out)
    assert accuracy and float(accuracy[1]) >= 90
    from fastnn.persistence import load
    loaded = load(model)
    assert loaded.hidden_layer_sizes == (8, 4)
    np.testing.assert_array_equal(loaded.predict(X[:5]), np.zeros(5))


@jit_only
def test_train_on_csv_with_named_target_and_string_labels(blobs, tmp_path, capsys):
    X, y = blobs
    labels = np.array(["cat", "dog"])[y]
    path = tmp_path / "pets.csv"
    write_csv(path, ["weight", "kind", "height", "age"],
              [[a, label, b, c] for (a, b, c), label in zip(X, labels)])
    status = cli.main(["train", str(path), "--target", "kind", "--epochs", "30", "--lr", "0.05",
                       "--batch-size", "10", "--model", str(tmp_path / "pets.npz")])
    assert status == 0
    assert "3 features, 2 classes" in capsys.readouterr().out
    from fastnn.persistence import load
    assert list(load(tmp_path / "pets.npz").classes_) == ["cat", "dog"]


# -- bench ------------------------------------------------------------------------

def test_bench_forwards_every_argument(monkeypatch):
    from fastnn import bench
    received = []
    monkeypatch.setattr(bench, "main", lambda argv: received.append(argv) or 7)
    assert cli.main(["bench", "--workloads", "W1", "--help"]) == 7
    assert received == [["--workloads", "W1", "--help"]]


# -- errors -----------------------------------------------------------------------

def write_bad_files(tmp_path):
    (tmp_path / "data.txt").write_text("x,y\n1,0\n")
    write_csv(tmp_path / "data.csv", ["a", "b", "label"], [[1, 2, 0], [3, 4, 1]])
    write_csv(tmp_path / "words.csv", ["a", "label"], [["one", 0], ["two", 1]])
    np.savez(tmp_path / "noy.npz", X=np.ones((2, 2)))
    (tmp_path / "broken.npz").write_text("not a zip file")
    (tmp_path / "binary.csv").write_bytes(b"a,b\n\xff\xfe\x00,1\n")
    (tmp_path / "blank.csv").write_text("a,b,label\n\n1,2,0\n3,4\n")
    (tmp_path / "nolabel.csv").write_text("a,b,label\n1,2,0\n3,4,1\n5,6, \n")
    (tmp_path / "nalabel.csv").write_text("a,label,b\n1,0,2\n3,NA,4\n5,1,6\n")
    (tmp_path / "noheader.csv").write_text("1.0,2.0,0\n3,4,1\n5,6,0\n")
    np.save(tmp_path / "array.npy", np.ones(3))
    (tmp_path / "array.npz").write_bytes((tmp_path / "array.npy").read_bytes())
    np.savez(tmp_path / "flat.npz", X=np.ones(4), y=np.array([0, 1, 0, 1]))
    (tmp_path / "unclosed.csv").write_text('a,b,label\n1,2,0\n3,"4,1\n5,6,1\n')
    (tmp_path / "twice.csv").write_text("a,label,label\n1,1,0\n3,0,1\n")
    (tmp_path / "semicolons.csv").write_text("a;b;label\n1;2;0\n3;4;1\n")
    (tmp_path / "iris.csv").write_text("5.1,3.5,setosa\n4.9,3.0,setosa\n7.0,3.2,versicolor\n")
    (tmp_path / "unnamed.csv").write_text("a,b,label,\n1,2,0,\n3,4,1,\n")
    (tmp_path / "fractions.csv").write_text("a,b\n1,0.5\n2,1.5\n")
    (tmp_path / "wide.csv").write_text(",".join(f"x{i}" for i in range(30)) + ",y\n"
                                       + ",".join(["1"] * 31) + "\n")


@pytest.mark.parametrize("args, message", [
    (["train", "missing.csv"], "no such file"),
    (["train", "."], ".: not a file"),
    (["train", "data.txt"], "unknown file type '.txt'"),
    (["train", "data.csv", "--target", "colour"], "no column 'colour'"),
    (["train", "words.csv"], "must hold numbers"),
    (["train", "noy.npz"], "no array 'y'"),
    (["train", "broken.npz"], "broken.npz: not a readable .npz file (not a zip archive of "
                              "arrays)"),
    (["train", "binary.csv"], "not a readable CSV file"),
    (["train", "blank.csv"], "blank.csv, line 4: 2 fields"),  # the file's line, blanks counted
    (["train", "nolabel.csv"], "nolabel.csv, line 4: no label in column 'label' (found '')"),
    (["train", "nalabel.csv", "--target", "label"], "line 3: no label in column 'label' "
                                                    "(found 'NA')"),
    (["train", "noheader.csv"], "the first row (1.0,2.0,0) holds only numbers"),
    (["train", "array.npz"], "holds a single array (a .npy file)"),
    (["train", "unclosed.csv"], "not a readable CSV file (unexpected end of data)"),  # was
    # read as 1 sample, the rest of the file in one quoted label
    (["train", "twice.csv"], "column names must be distinct; repeated: label"),
    (["train", "semicolons.csv"], "its header has one (it looks semicolon-separated)"),
    (["train", "words.csv"], "line 2: column 'a' holds 'one'"),
    (["train", "wide.csv", "--target", "z"], "x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, ... "
                                             "(31 in all)"),
    (["train", "data.csv", "--model", "no/such/dir/m.npz"],
     "cannot write the model to no/such/dir/m.npz: its directory does not exist"),
    (["train", "flat.npz"], "Expected 2D array, got 1D array"),  # scikit-learn's, one line
    # a word label let the first data row pass for a header: one sample was lost
    (["train", "iris.csv"], "the first row (5.1,3.5,setosa) holds numbers and a label that "
                            "later rows have in column 3"),
    (["train", "unnamed.csv"], "column 4 of the header has no name"),
    (["train", "fractions.csv"], "the label column 'b' (the last; name another with "
                                 "--target) holds numbers that are not whole, such as 0.5"),
    (["train", "data.txt", "--target", "label"], "unknown file type '.txt'"),
    (["train", "data.csv", "--model", "data.csv"],
     "cannot write the model to data.csv: it is the data file"),
    (["train", "data.csv", "--model", "data.csv/m.npz"], "data.csv is not a directory"),
    (["train", "data.csv", "--hidden", "100000000000"],
     "not enough memory for hidden layers [100000000000] (--hidden) on 2 samples"),
])
def test_bad_input_is_one_line_and_exit_status_2(args, message, tmp_path, capsys, monkeypatch):
    write_bad_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert cli.main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and message in captured.err
    assert captured.err.startswith("python -m fastnn train: error:")


@pytest.mark.parametrize("args", [["--iterations", "0"], ["train", "a.csv", "--hidden", "4,x"],
                                  ["train", "a.csv", "--lr", "-1"], ["frobnicate"],
                                  ["--seed", "-1"], ["train", "a.csv", "--seed", "x"],
                                  ["train", "a.csv", "--seed", str(2**32)]])
def test_bad_options_exit_2(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize("args, given", [
    (["--seed", "5", "train", "a.csv"], "--seed belongs"),
    (["--iterations", "5", "bench"], "--iterations belongs"),
    (["--print-every", "5", "--seed", "1", "train", "a.csv", "--seed", "2"],
     "--print-every, --seed belong"),
])
def test_default_run_options_before_a_command_exit_2(args, given, capsys, monkeypatch):
    """A default-run option given before a command is refused, not dropped: train's own
    --seed would silently replace it, and bench would run with its own iterations."""
    monkeypatch.setattr(cli, "run_train", lambda args: pytest.fail("ran train"))
    monkeypatch.setattr(cli, "run_bench", lambda argv: pytest.fail("ran bench"))
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    assert exit_info.value.code == 2
    assert f"error: {given} to the default run" in capsys.readouterr().err


def test_default_run_gets_its_options_and_defaults(monkeypatch):
    calls = []
    monkeypatch.setattr(cli, "run_demo", lambda *a: calls.append(a))
    assert cli.main(["--print-every", "7"]) == 0
    assert cli.main(["--seed", "3", "--iterations", "20"]) == 0
    assert calls == [(10_000, 7, 0), (20, 1_000, 3)]


@pytest.mark.parametrize("values, expected", [
    (["3", "10", "70"], np.array([3, 10, 70])),
    (["2.0", "-1.0"], np.array([2, -1])),
    (["9007199254740993", "9007199254740992"], np.array([9007199254740993, 9007199254740992])),
    (["0.5", "1.5"], np.array([0.5, 1.5])),
    (["inf", "1"], np.array(["inf", "1"])),
    (["cat", "1"], np.array(["cat", "1"])),
])
def test_csv_labels_keep_their_values(values, expected):
    """Labels are parsed exactly: big integers are not merged through float64, and
    non-finite numbers stay names."""
    labels = cli._labels(values)
    assert labels.dtype.kind == expected.dtype.kind
    np.testing.assert_array_equal(labels, expected)


@jit_only
def test_a_diverging_fit_names_the_option_to_change(blobs, tmp_path, capsys):
    X, y = blobs
    np.savez(tmp_path / "d.npz", X=X, y=y)
    assert cli.main(["train", str(tmp_path / "d.npz"), "--lr", "1e308", "--epochs", "3",
                     "--model", str(tmp_path / "m.npz")]) == 2
    assert "lower learning_rate_init (--lr)" in capsys.readouterr().err


def test_csv_rows_of_empty_cells_are_padding(tmp_path):
    """Spreadsheets end files with rows like ``,,``; they are skipped like blank lines."""
    (tmp_path / "d.csv").write_text("a,b,label\n1.5,2,0\n,,\n3,4,1\n   \n,, \n")
    X, y = cli.load_csv(tmp_path / "d.csv", None)
    np.testing.assert_array_equal(X, [[1.5, 2], [3, 4]])
    np.testing.assert_array_equal(y, [0, 1])


def test_csv_header_of_column_numbers_is_a_header(tmp_path):
    """pandas writes ``0,1,...`` as the header of unnamed columns: that is not data."""
    write_csv(tmp_path / "d.csv", ["0", "1", "2"], [[1.5, 2, 0], [3, 4, 1]])
    X, y = cli.load_csv(tmp_path / "d.csv", None)
    np.testing.assert_array_equal(X, [[1.5, 2], [3, 4]])
    np.testing.assert_array_equal(y, [0, 1])


def test_compare_backends_takes_integer_inputs():
    X, Y = np.array([[0, 1, 2, 3]]), np.array([[0, 0, 1, 1]])
    run = cli.compare_backends(X, Y, [1, 2, 1], num_iterations=3, learning_rate=0.5)
    assert run.params["numba"]["W1"].dtype == np.float64


@jit_only
def test_missing_file_from_the_shell_has_no_traceback(tmp_path):
    result = run_module("train", "nothing.npz", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "python -m fastnn train: error: nothing.npz: no such file"
