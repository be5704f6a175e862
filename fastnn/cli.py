"""The ``python -m fastnn`` command line.

``python -m fastnn``
    Trains the planar-flower network of text 003 (2-4-1, tanh hidden, sigmoid
    output, 10 000 iterations) at learning rate 1.2, with both backends from the
    same initial parameters; prints the costs, the accuracy, the time per
    iteration of each backend, the speedup and how far the two results differ.
    (The text's rate, 0.01, trains slower: 66-92% training accuracy after 10 000
    iterations over seeds 0-2, against 94% at 1.2.)
``python -m fastnn train DATA``
    Fits :class:`fastnn.estimators.MLPClassifier` on a ``.npz`` (arrays ``X``
    and ``y``, rows are samples) or ``.csv`` file and saves the model.
``python -m fastnn bench ...``
    Hands its arguments to :func:`fastnn.bench.main`.

Bad input ends with a one-line message on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import __version__, datasets
from ._validation import float_dtype
from .network import initialize_parameters, predict, train

BACKENDS = ("numba", "numpy")
PROG = "python -m fastnn"
#: MLPClassifier's names of ``train``'s options, which its errors use.
ESTIMATOR_FLAGS = {"learning_rate_init": "--lr", "hidden_layer_sizes": "--hidden",
                   "batch_size": "--batch-size", "max_iter": "--epochs"}
#: The default run's options, in run_demo's order, and their defaults.
DEMO_DEFAULTS = {"--iterations": 10_000, "--print-every": 1_000, "--seed": 0}


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit status 2."""


# -- numba against numpy ----------------------------------------------------------

@dataclass
class BackendRun:
    """Results of training one network with each backend from the same start."""

    params: dict[str, dict[str, np.ndarray]]
    costs: dict[str, np.ndarray]
    seconds: dict[str, float]
    num_iterations: int

    def us_per_iteration(self, backend: str) -> float:
        """Wall time per training iteration of ``backend``, in microseconds."""
        return 1e6 * self.seconds[backend] / max(self.num_iterations, 1)

    @property
    def speedup(self) -> float:
        """How many times faster the numba run was than the numpy run."""
        return self.seconds["numpy"] / self.seconds["numba"]

    @property
    def max_param_diff(self) -> float:
        """Largest absolute difference between the two backends' final parameters."""
        a, b = self.params["numba"], self.params["numpy"]
        return max(float(np.max(np.abs(a[k] - b[k]))) for k in a)

    def summary(self) -> str:
        """One line: time per iteration of each backend, speedup, max |Δ params|."""
        return (f"numba {self.us_per_iteration('numba'):9.1f} µs/iteration   "
                f"numpy {self.us_per_iteration('numpy'):9.1f} µs/iteration   "
                f"speedup {self.speedup:5.1f}x   max |Δ params| {self.max_param_diff:.1e}")


def compare_backends(X: np.ndarray, Y: np.ndarray, layer_dims: list[int], *,
                     num_iterations: int, learning_rate: float, seed: int | None = 0,
                     init_scale: float = 0.01, **network) -> BackendRun:
    """Train ``layer_dims`` on ``(X, Y)`` with each backend from one set of initial
    parameters (``randn * init_scale``, seeded by ``seed``) and time both runs.

    The numba kernels are compiled (or loaded from Numba's cache) by a run of at most
    two iterations before the clock starts (it takes the timed run's loop: one
    iteration of a many-input net may take another).  ``network`` takes
    ``activation``, ``output_activation`` and ``loss`` as in :func:`fastnn.train`.
    """
    start_params = initialize_parameters(layer_dims, seed=seed, scale=init_scale,
                                         dtype=float_dtype(np.asarray(X)))
    kwargs = dict(learning_rate=learning_rate, params=start_params, **network)
    train(X, Y, layer_dims, num_iterations=min(num_iterations, 2), backend="numba",
          **kwargs)  # compile
    params, costs, seconds = {}, {}, {}
    for backend in BACKENDS:
        start = time.perf_counter()
        params[backend], costs[backend] = train(X, Y, layer_dims, num_iterations=num_iterations,
                                                backend=backend, **kwargs)
        seconds[backend] = time.perf_counter() - start
    return BackendRun(params, costs, seconds, num_iterations)


# -- the default command: the texts' planar-flower network ------------------------

def run_demo(num_iterations: int, print_every: int, seed: int) -> None:
    """Train text 003's 2-4-1 network on the planar flower with both backends, at
    learning rate 1.2 (the text uses 0.01); print the costs, accuracy, time per
    iteration, speedup and max |Δ params|."""
    X, Y = datasets.planar_flower()
    layer_dims, learning_rate = [2, 4, 1], 1.2
    print(f"fastnn {__version__}: planar flower, {X.shape[1]} samples; network {layer_dims} "
          f"(tanh hidden, sigmoid output), learning rate {learning_rate}, "
          f"{num_iterations} iterations, seed {seed}")
    run = compare_backends(X, Y, layer_dims, num_iterations=num_iterations,
                           learning_rate=learning_rate, seed=seed)
    print(f"{'iteration':>9}  {'cost numba':>10}  {'cost numpy':>10}")
    for i in range(0, num_iterations, print_every):
        print(f"{i:9d}  {run.costs['numba'][i]:10.6f}  {run.costs['numpy'][i]:10.6f}")
    accuracy = {b: float(np.mean(predict(run.params[b], X, backend=b) == Y)) for b in BACKENDS}
    print(f"accuracy (training set): numba {accuracy['numba']:.2%}   "
          f"numpy {accuracy['numpy']:.2%}")
    print(run.summary())


# -- train: the user's own data ---------------------------------------------------

def positive_int(text: str) -> int:
    """An int >= 1 (argparse type; the examples' options use it too)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1; got {text!r}")
    return value


def _seed(text: str) -> int:
    """An int in ``[0, 2**32 - 1]``, the seeds scikit-learn takes (argparse type)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 2**32 - 1; "
                                         f"got {text!r}")
    return value


def _positive_float(text: str) -> float:
    """A finite float > 0 (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (0 < value < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a number > 0; got {text!r}")
    return value


def _hidden_sizes(text: str) -> tuple[int, ...]:
    """``"16,8"`` -> ``(16, 8)`` (argparse type)."""
    try:
        sizes = tuple(int(s) for s in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"expected positive layer sizes separated by commas, like 16,8; got {text!r}")
    return sizes


def _labels(values: list[str]) -> np.ndarray:
    """Class labels from CSV text: integers if they all are (exactly, or as whole finite
    numbers like ``2.0`` below 2**53), else finite numbers, else the strings."""
    try:
        return np.array([int(v) for v in values], dtype=np.int64)
    except (ValueError, OverflowError):
        pass
    try:
        numbers = np.array([float(v) for v in values])
    except ValueError:
        return np.array(values)
    if not np.isfinite(numbers).all():  # "inf" or "nan" is a name here, not a number
        return np.array(values)
    if np.all(numbers == np.round(numbers)) and np.abs(numbers).max() < 2.0**53:
        return numbers.astype(np.int64)
    return numbers


#: Label cells that mean "no label" (pandas' default missing-value markers).
MISSING_LABELS = frozenset({
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
    "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})


def _is_number(text: str) -> bool:
    """Whether ``float`` reads ``text`` as a number."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _header_advice(path: Path, header: list[str], what: str) -> UsageError:
    """The error for a first row that is data (it ``what``), with a header to add."""
    return UsageError(f"{path}: the first row ({','.join(header)}) {what}, but it must be a "
                      "header naming the columns; add one, such as "
                      f"{','.join(f'x{i}' for i in range(1, len(header)))},label")


def _check_header(path: Path, header: list[str]) -> None:
    """Refuse a first row of numbers, which is data, not column names (unless it is
    ``0, 1, ..., k-1``, the names pandas writes for unnamed columns), and a header
    with an unnamed column."""
    if all(_is_number(name) for name in header) and header != [str(i) for i in
                                                               range(len(header))]:
        raise _header_advice(path, header, "holds only numbers")
    if "" in header:
        raise UsageError(f"{path}: column {header.index('') + 1} of the header has no name "
                         f"(header: {','.join(header)}); name every column")


def load_csv(path: Path, target: str | None) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` from a CSV file with a header row; ``target`` names the label column
    (default: the last).  Every other column must hold numbers, and every row a label
    (an empty cell or a marker such as ``NA`` is refused)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f, strict=True)  # strict: an unclosed quote is an error
            # rows of empty cells (blank lines, spreadsheets' ",,") are padding, not data
            numbered = [(reader.line_num, row) for row in reader
                        if any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"{path}: not a readable CSV file ({exc})") from None
    if len(numbered) < 2:
        raise UsageError(f"{path}: needs a header row and at least one data row")
    header = [name.strip() for name in numbered[0][1]]
    body = [row for _, row in numbered[1:]]
    if len(header) < 2:
        other = next((f" (it looks {name}-separated)" for sep, name in ((";", "semicolon"),
                                                                         ("\t", "tab"))
                      if sep in header[0]), "")
        raise UsageError(f"{path}: needs at least two comma-separated columns (features and "
                         f"a label); its header has one{other}")
    _check_header(path, header)
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise UsageError(f"{path}: column names must be distinct; repeated: "
                         f"{_some(repeated)}")
    given = target is not None
    target = header[-1] if target is None else target
    if target not in header:
        raise UsageError(f"{path}: no column {target!r}; columns are {_some(header)}")
    for line, row in numbered[1:]:
        if len(row) != len(header):
            raise UsageError(f"{path}, line {line}: {len(row)} fields, header has {len(header)}")
    j = header.index(target)
    labels = [row[j].strip() for row in body]
    if header[j] in labels and all(_is_number(name) for i, name in enumerate(header)
                                   if i != j):
        raise _header_advice(path, header, f"holds numbers and a label that later rows have "
                                           f"in column {j + 1}")
    for (line, _), label in zip(numbered[1:], labels):
        if label in MISSING_LABELS:
            raise UsageError(f"{path}, line {line}: no label in column {target!r} "
                             f"(found {label!r}); every sample needs one")
    features = [[v for i, v in enumerate(row) if i != j] for row in body]
    try:
        X = np.array(features, dtype=float)
    except ValueError:
        bad = next(((line, header[i], v) for line, row in numbered[1:]
                    for i, v in enumerate(row) if i != j and not _is_number(v)), None)
        where = "" if bad is None else f", line {bad[0]}: column {bad[1]!r} holds {bad[2]!r}"
        raise UsageError(f"{path}: every column but the label {target!r} must hold "
                         f"numbers{where}") from None
    y = _labels(labels)
    if y.dtype.kind == "f":
        which = "" if given else " (the last; name another with --target)"
        raise UsageError(f"{path}: the label column {target!r}{which} holds numbers that are "
                         f"not whole, such as {next(v for v in y if v != round(v))}; a "
                         "classifier needs class labels")
    return X, y


def _some(names: list[str], limit: int = 10) -> str:
    """The first ``limit`` of ``names``, and how many there are in all."""
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])}, ... ({len(names)} in all)"


def load_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` from the arrays ``X`` and ``y`` of an ``.npz`` file."""
    try:
        data = np.load(path, allow_pickle=False)
    except (ValueError, zipfile.BadZipFile, EOFError):  # NumPy's message would suggest pickle
        raise UsageError(f"{path}: not a readable .npz file (not a zip archive of arrays)") \
            from None
    except OSError as exc:
        raise UsageError(f"{path}: not a readable .npz file ({exc})") from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise UsageError(f"{path}: holds a single array (a .npy file), not the arrays X and y")
    with data:
        missing = [k for k in ("X", "y") if k not in data.files]
        if missing:
            raise UsageError(f"{path}: no array {missing[0]!r}; it holds "
                             f"{', '.join(data.files) or 'nothing'} (need X and y)")
        try:
            return data["X"], data["y"]
        except (OSError, ValueError, zipfile.BadZipFile) as exc:  # object arrays, damage
            raise UsageError(f"{path}: not a readable .npz file ({exc})") from None


def load_data(path: str, target: str | None) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)``, rows are samples, from a ``.npz`` or ``.csv`` file."""
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"{path}: {'not a file' if file.exists() else 'no such file'}")
    suffix = file.suffix.lower()
    if suffix not in (".csv", ".npz"):
        raise UsageError(f"{path}: unknown file type {suffix or '(none)'!r}; use .npz or .csv")
    if suffix == ".csv":
        return load_csv(file, target)
    if target is not None:
        raise UsageError("--target applies to .csv files only; an .npz file holds X and y")
    return load_npz(file)


def run_train(args: argparse.Namespace) -> int:
    """Fit an MLPClassifier to the data file, report training accuracy, save the model."""
    model_path = Path(args.model)
    why = None  # found out before fitting
    if model_path.is_dir():
        why = "it is a directory"
    elif not model_path.parent.is_dir():
        why = (f"{model_path.parent} is not a directory" if model_path.parent.exists()
               else "its directory does not exist")
    elif model_path.resolve() == Path(args.data).resolve():
        why = "it is the data file; choose another --model"
    if why:
        raise UsageError(f"cannot write the model to {args.model}: {why}")
    X, y = load_data(args.data, args.target)
    from .estimators import MLPClassifier  # imports scikit-learn: only when needed

    optional = {} if args.batch_size is None else {"batch_size": args.batch_size}
    model = MLPClassifier(hidden_layer_sizes=args.hidden, activation=args.activation,
                          solver=args.solver, learning_rate_init=args.lr, max_iter=args.epochs,
                          random_state=args.seed, backend=args.backend, **optional)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.fit(X, y)
            accuracy = model.score(X, y)
        except MemoryError as exc:
            raise UsageError(f"not enough memory for hidden layers {list(args.hidden)} "
                             f"(--hidden) on {X.shape[0]} samples ({exc})") from None
        except (ValueError, TypeError, FloatingPointError) as exc:
            message = str(exc)
            for name, flag in ESTIMATOR_FLAGS.items():  # as the user spelled them
                message = message.replace(name, f"{name} ({flag})")
            raise UsageError(f"{args.data}: {message}") from None
    for warning in caught:
        print(f"{PROG} train: warning: {warning.message}", file=sys.stderr)
    print(f"trained on {X.shape[0]} samples, {X.shape[1]} features, "
          f"{len(model.classes_)} classes: hidden layers {list(args.hidden)}, "
          f"{args.activation}, {args.solver}, {model.n_iter_} epochs")
    print(f"training accuracy: {accuracy:.2%}")
    try:
        model.save(args.model)
    except OSError as exc:
        raise UsageError(f"cannot write the model to {args.model}: {exc.strerror}") from None
    print(f"model saved to {args.model} (load it with fastnn.persistence.load)")
    return 0


# -- bench: forwarded -------------------------------------------------------------

def run_bench(argv: list[str]) -> int:
    """Run :func:`fastnn.bench.main` on ``argv``."""
    from .bench import main as bench_main

    return bench_main(argv)


# -- argument parsing -------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m fastnn`` and its ``train`` and ``bench`` commands."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Without a command: train the planar-flower network of the texts "
                    "(2-4-1, tanh hidden layer, sigmoid output) at learning rate 1.2 with the "
                    "numba and the numpy backend from the same initial parameters, and print "
                    "the costs, the accuracy, the time per iteration of each backend, the "
                    "speedup and the largest difference between their final parameters.",
        epilog=f"Run '{PROG} train --help' and '{PROG} bench --help' for the commands' options.")
    parser.add_argument("--version", action="version", version=f"fastnn {__version__}")
    # the default run's options: None when not given, so that main can refuse them
    # before a command (whose own --seed would otherwise replace this one silently)
    parser.add_argument("--iterations", dest="demo_iterations", type=positive_int,
                        metavar="N", help=f"training iterations of the default run (default: "
                                          f"{DEMO_DEFAULTS['--iterations']}; lower it for "
                                          f"a quick check)")
    parser.add_argument("--print-every", dest="demo_print_every", type=positive_int,
                        metavar="K", help=f"print the cost every K iterations (default: "
                                          f"{DEMO_DEFAULTS['--print-every']})")
    parser.add_argument("--seed", dest="demo_seed", type=_seed, metavar="SEED",
                        help=f"seed of the initial parameters (default: "
                             f"{DEMO_DEFAULTS['--seed']})")
    commands = parser.add_subparsers(dest="command", metavar="{train,bench}")

    fit = commands.add_parser(
        "train", help="fit an MLPClassifier to your own .npz or .csv data and save it",
        description="Fit fastnn.estimators.MLPClassifier to DATA, print the training "
                    "accuracy and save the model (fastnn.persistence.load reads it back).",
        epilog="DATA is an .npz file with arrays X (samples x features) and y (labels), "
               "or a .csv file with a header row whose last column (or --target) is the label.")
    fit.add_argument("data", metavar="DATA", help="an .npz or .csv file")
    fit.add_argument("--target", metavar="NAME",
                     help="label column of a .csv file (default: the last column)")
    fit.add_argument("--hidden", type=_hidden_sizes, default=(16,), metavar="SIZES",
                     help="hidden layer sizes separated by commas, like 16,8 (default: 16)")
    fit.add_argument("--activation", default="tanh",
                     choices=("tanh", "logistic", "relu", "identity"),
                     help="hidden-layer activation (default: %(default)s)")
    fit.add_argument("--solver", default="adam", choices=("adam", "sgd"),
                     help="optimizer (default: %(default)s)")
    fit.add_argument("--epochs", type=positive_int, default=200, metavar="N",
                     help="at most N passes over the data; training stops earlier once the "
                          "loss stops improving (default: %(default)s)")
    fit.add_argument("--lr", type=_positive_float, default=0.001, metavar="RATE",
                     help="learning rate (default: %(default)s)")
    fit.add_argument("--batch-size", type=positive_int, default=None, metavar="B",
                     help="samples per gradient step (default: min(200, number of samples))")
    fit.add_argument("--seed", type=_seed, default=0,
                     help="seed of the initial weights and shuffling (default: %(default)s)")
    fit.add_argument("--backend", default="numba", choices=BACKENDS,
                     help="compiled kernels or the NumPy reference (default: %(default)s)")
    fit.add_argument("--model", default="model.npz", metavar="PATH",
                     help="where to save the fitted model (default: %(default)s)")

    commands.add_parser(
        "bench", add_help=False, help="time the kernels (all arguments go to fastnn.bench)",
        description="Every argument after 'bench' is passed to fastnn.bench.main.")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    demo = {flag: getattr(args, "demo_" + flag[2:].replace("-", "_")) for flag in DEMO_DEFAULTS}
    given = [flag for flag, value in demo.items() if value is not None]
    if args.command and given:
        parser.error(f"{', '.join(given)} belong{'s' if len(given) == 1 else ''} to the "
                     f"default run; give {args.command}'s options after '{args.command}'")
    if args.command == "bench":
        return run_bench(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        if args.command == "train":
            return run_train(args)
        run_demo(*(DEMO_DEFAULTS[flag] if value is None else value
                   for flag, value in demo.items()))
    except UsageError as exc:
        message = " ".join(str(exc).split())  # one line, whatever scikit-learn's message was
        print(f"{parser.prog}{' ' + args.command if args.command else ''}: error: {message}",
              file=sys.stderr)
        return 2
    return 0
