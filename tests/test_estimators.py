"""MLPClassifier and MLPRegressor: scikit-learn's estimator checks, parity with
scikit-learn's own MLPs, the two backends, persistence and user errors."""
import json
import pickle
import warnings
import zipfile

import numpy as np
import pytest
from sklearn import neural_network as sk
from sklearn.datasets import load_digits, make_classification, make_multilabel_classification
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils.estimator_checks import parametrize_with_checks

from fastnn.estimators import MLPClassifier, MLPRegressor
from fastnn.persistence import load, save

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.mark.jit_only  # many fits; too slow as pure Python
@parametrize_with_checks([MLPClassifier(max_iter=100), MLPRegressor(max_iter=100),
                          MLPClassifier(max_iter=50, backend="numpy")])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# ------------------------------------------------------------------ data
def _classification(n_classes=3, n=120, seed=0):
    X, y = make_classification(n_samples=n, n_features=6, n_informative=4,
                               n_classes=n_classes, random_state=seed)
    return X, y


def _regression(n_targets=1):
    X, y = make_regression(n_samples=90, n_features=5, n_targets=n_targets, noise=0.1,
                           random_state=0)
    return X, y / y.std()


def _fit_pair(ours, theirs, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return ours.fit(X, y), theirs.fit(X, y)


def _assert_same_fit(a, b, rtol=1e-9):
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=rtol)
    for ours, theirs in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-12)
    assert (a.n_iter_, a.t_, a.n_layers_, a.n_outputs_, a.out_activation_) == \
           (b.n_iter_, b.t_, b.n_layers_, b.n_outputs_, b.out_activation_)
    if b.validation_scores_ is None:
        assert a.validation_scores_ is None and a.best_loss_ == pytest.approx(b.best_loss_)
    else:
        np.testing.assert_allclose(a.validation_scores_, b.validation_scores_)
        assert a.best_validation_score_ == pytest.approx(b.best_validation_score_)


# ------------------------------------------------------------------ parity with scikit-learn
CLASSIFIER_SETTINGS = [
    dict(solver="adam"),
    dict(solver="adam", batch_size=32),  # the last batch of an epoch is short
    dict(solver="sgd", learning_rate_init=0.05, momentum=0.9, nesterovs_momentum=True),
    dict(solver="sgd", learning_rate_init=0.05, momentum=0.5, nesterovs_momentum=False),
    dict(solver="sgd", learning_rate_init=0.05, momentum=0.0, shuffle=False, batch_size=32),
    dict(solver="adam", activation="logistic", hidden_layer_sizes=(7, 5), alpha=0.1),
    dict(solver="adam", activation="tanh", early_stopping=True, validation_fraction=0.2,
         n_iter_no_change=3, learning_rate_init=0.02),
    dict(solver="adam", activation="identity", tol=0.5, n_iter_no_change=2),
]


@pytest.mark.parametrize("settings", CLASSIFIER_SETTINGS)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier_fits_like_sklearn(settings, n_classes):
    X, y = _classification(n_classes)
    kw = dict(hidden_layer_sizes=(10,), max_iter=15, random_state=1) | settings
    ours, theirs = _fit_pair(MLPClassifier(**kw), sk.MLPClassifier(**kw), X, y)
    _assert_same_fit(ours, theirs)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-9)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_multilabel_classifier_fits_like_sklearn(early_stopping):
    X, Y = make_multilabel_classification(n_samples=80, n_features=5, n_classes=3,
                                          random_state=0)
    kw = dict(hidden_layer_sizes=(8,), max_iter=10, random_state=0,
              early_stopping=early_stopping)
    ours, theirs = _fit_pair(MLPClassifier(**kw), sk.MLPClassifier(**kw), X, Y)
    _assert_same_fit(ours, theirs)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("n_targets", [1, 3])
@pytest.mark.parametrize("solver, early_stopping", [("adam", False), ("sgd", False),
                                                    ("adam", True)])
def test_regressor_fits_like_sklearn(n_targets, solver, early_stopping):
    X, y = _regression(n_targets)
    kw = dict(hidden_layer_sizes=(9,), max_iter=12, random_state=0, solver=solver,
              learning_rate_init=0.01, alpha=0.01, early_stopping=early_stopping)
    ours, theirs = _fit_pair(MLPRegressor(**kw), sk.MLPRegressor(**kw), X, y)
    _assert_same_fit(ours, theirs)  # loss_ is scikit-learn's, averaged over outputs
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_validation_scores_are_sklearns_metrics(dtype):
    """The early-stopping score, computed without scikit-learn's input checks, is its
    ``accuracy_score`` / ``r2_score``, edge cases included: a constant target column
    predicted exactly or not, a perfect fit, outputs that pass the 0.5 threshold."""
    rng = np.random.default_rng(0)
    Y = rng.random((30, 3)).astype(dtype)
    Y[:, 1] = 2.5  # constant
    regressor = MLPRegressor()
    for P in (Y + 0.1 * rng.standard_normal(Y.shape).astype(dtype), Y.copy()):
        for cols in ([0], [1], [0, 1, 2]):
            assert regressor._score_outputs(Y[:, cols], P[:, cols]) == \
                r2_score(Y[:, cols], P[:, cols])
    huge = np.array([[3e38], [3e38], [-3e38], [-3e38], [0], [0], [0], [0]], dtype)
    # in float32 the mean, and so the spread, overflow to NaN
    with np.errstate(over="ignore", invalid="ignore"):
        assert regressor._score_outputs(huge, huge) == r2_score(huge, huge) == 1.0
    for y in (rng.integers(0, 2, 30), rng.integers(0, 4, 30), rng.integers(0, 2, (30, 3))):
        classifier = MLPClassifier(max_iter=1).fit(rng.random((30, 2)).astype(dtype), y)
        T = classifier._targets(y, False, True, None).astype(dtype)
        for P in (T, rng.random(T.shape).astype(dtype)):
            assert classifier._score_outputs(T, P) == \
                accuracy_score(classifier._labels(T), classifier._labels(P))


def test_partial_fit_and_warm_start_continue_like_sklearn():
    X, y = _classification()
    ours, theirs = MLPClassifier(random_state=0), sk.MLPClassifier(random_state=0)
    for est in (ours, theirs):
        for _ in range(3):
            est.partial_fit(X, y, classes=[0, 1, 2])
    _assert_same_fit(ours, theirs)
    kw = dict(max_iter=4, warm_start=True, random_state=0)
    ours, theirs = _fit_pair(MLPRegressor(**kw), sk.MLPRegressor(**kw), *_regression())
    _fit_pair(ours, theirs, *_regression())
    _assert_same_fit(ours, theirs)


@pytest.mark.jit_only  # a long fit
def test_digits_accuracy_within_one_point_of_sklearn():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16, y, test_size=0.2,
                                                        random_state=0)
    kw = dict(hidden_layer_sizes=(64,), solver="adam", alpha=1e-4, batch_size=200,
              max_iter=60, random_state=0)
    ours, theirs = _fit_pair(MLPClassifier(**kw), sk.MLPClassifier(**kw), X_train, y_train)
    assert abs(ours.score(X_test, y_test) - theirs.score(X_test, y_test)) <= 0.01
    assert ours.score(X_test, y_test) > 0.9


# ------------------------------------------------------------------ backends, dtypes, seeds
@pytest.mark.parametrize("Estimator, data", [(MLPClassifier, _classification),
                                             (MLPRegressor, _regression)])
def test_backends_agree(Estimator, data):
    X, y = data()
    kw = dict(hidden_layer_sizes=(6, 5), max_iter=10, random_state=3, batch_size=16)
    numba_fit = Estimator(**kw).fit(X, y)
    numpy_fit = Estimator(**kw, backend="numpy").fit(X, y)
    _assert_same_fit(numba_fit, numpy_fit, rtol=1e-10)


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_weights_keep_scikit_learns_layout_and_any_layout_predicts_the_same(backend):
    """Fitted ``coefs_`` are C-ordered, as scikit-learn's: an edit through a
    ``ravel()`` view (pruning, say) reaches the predictions.  Weights in Fortran
    order and intercepts shaped ``(fan_out, 1)`` set by hand predict the same."""
    X, y = _classification()
    est = MLPClassifier(hidden_layer_sizes=(40, 5), max_iter=3, random_state=0,
                        backend=backend).fit(X, y)
    assert all(c.flags.c_contiguous for c in est.coefs_)
    P = est.predict_proba(X)
    coefs, intercepts = est.coefs_, est.intercepts_
    est.coefs_ = [np.asfortranarray(c) for c in coefs]
    est.intercepts_ = [b[:, None] for b in intercepts]
    np.testing.assert_array_equal(est.predict_proba(X), P)
    est.coefs_, est.intercepts_ = coefs, intercepts
    est.coefs_[-1].ravel()[:] = 0
    est.intercepts_[-1][:] = 0
    np.testing.assert_allclose(est.predict_proba(X), 1 / len(est.classes_))


@pytest.mark.parametrize("dtype, expected", [(np.float32, np.float32),
                                             (np.float64, np.float64),
                                             (np.int64, np.float64)])
def test_dtype_follows_X(dtype, expected):
    X, y = _classification()
    X = (X * 10).astype(dtype)
    est = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0).fit(X, y)
    assert all(c.dtype == expected for c in est.coefs_ + est.intercepts_)
    assert est.predict_proba(X).dtype == expected


def test_mixed_dtypes_predict_and_continue_as_scikit_learn():
    """Predictions come in float64 when X or the weights are (as ``X @ coefs_`` would);
    warm_start and partial_fit keep the model's dtype whatever the new data's."""
    X, y = _classification()
    for fit_dtype, other in ((np.float32, np.float64), (np.float64, np.float32)):
        ours = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0,
                             warm_start=True).fit(X.astype(fit_dtype), y)
        theirs = sk.MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0,
                                  warm_start=True).fit(X.astype(fit_dtype), y)
        P = ours.predict_proba(X.astype(other))
        assert P.dtype == theirs.predict_proba(X.astype(other)).dtype == np.float64
        ours.fit(X.astype(other), y)
        ours.partial_fit(X.astype(other), y)
        theirs.fit(X.astype(other), y)
        theirs.partial_fit(X.astype(other), y)
        assert {c.dtype for c in ours.coefs_} == {c.dtype for c in theirs.coefs_} == {
            np.dtype(fit_dtype)}


def test_random_state_makes_fits_reproducible():
    X, y = _classification()
    fits = [MLPClassifier(max_iter=5, random_state=7).fit(X, y) for _ in range(2)]
    _assert_same_fit(*fits, rtol=0)
    other = MLPClassifier(max_iter=5, random_state=8).fit(X, y)
    assert not np.allclose(other.coefs_[0], fits[0].coefs_[0])


def test_full_batch_and_convergence_warning():
    X, y = _classification()
    est = MLPClassifier(batch_size=None, max_iter=3, random_state=0, tol=0)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        est.fit(X, y)
    assert est.n_iter_ == 3 and est.t_ == 3 * len(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        MLPClassifier(max_iter=50, tol=10.0, n_iter_no_change=1).fit(X, y)


def test_a_numpy_integer_batch_size_fits_as_a_python_int():
    """A small NumPy int batch_size used to give t_ its type, which wrapped around."""
    X, y = _classification(n=60)
    fits = [MLPClassifier(hidden_layer_sizes=(4,), batch_size=b, max_iter=40, tol=0,
                          random_state=0).fit(X, y) for b in (np.int8(10), 10)]
    assert fits[0].t_ == fits[1].t_ == 40 * 60 and type(fits[0].t_) is int
    _assert_same_fit(*fits, rtol=0)


def test_partial_fit_sorts_the_given_classes_like_sklearn():
    X, y = _classification()
    ours = MLPClassifier(random_state=0).partial_fit(X, y, classes=[2, 0, 1])
    theirs = sk.MLPClassifier(random_state=0).partial_fit(X, y, classes=[2, 0, 1])
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-7)


def test_binary_probability_of_one_half_predicts_the_first_class_like_sklearn():
    X, y = _classification(n_classes=2)
    ours, theirs = _fit_pair(MLPClassifier(hidden_layer_sizes=(3,), max_iter=1, random_state=0),
                             sk.MLPClassifier(hidden_layer_sizes=(3,), max_iter=1,
                                              random_state=0), X, y)
    for est in (ours, theirs):  # every output exactly 0.5
        est.coefs_ = [np.zeros_like(c) for c in est.coefs_]
        est.intercepts_ = [np.zeros_like(b) for b in est.intercepts_]
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert (ours.predict(X) == ours.classes_[0]).all()


def test_early_stopping_with_tol_0_counts_a_tie_as_improvement_like_sklearn():
    X, y = _classification(n_classes=2, n=300)
    kw = dict(hidden_layer_sizes=(10,), early_stopping=True, tol=0.0, n_iter_no_change=2,
              learning_rate_init=0.02, max_iter=100, random_state=0)
    ours, theirs = _fit_pair(MLPClassifier(**kw), sk.MLPClassifier(**kw), X, y)
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_)


def test_early_stopping_keeps_best_weights():
    X, y = _classification(n=300)
    est = MLPClassifier(hidden_layer_sizes=(10,), early_stopping=True, max_iter=60,
                        n_iter_no_change=3, learning_rate_init=0.05, random_state=0).fit(X, y)
    assert est.best_loss_ is None and est.n_iter_ < 60
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.validation_scores_[-1] < est.best_validation_score_
    # the held-out split is drawn from the seed's stream right after the initial weights
    rng = np.random.RandomState(0)
    for shape in [(6, 10), (10,), (10, 3), (3,)]:
        rng.uniform(size=shape)
    _, X_val, _, y_val = train_test_split(X, y, random_state=rng, test_size=0.1)
    assert est.score(X_val, y_val) == pytest.approx(est.best_validation_score_)


def test_verbose_prints_the_loss_of_every_epoch(capsys):
    X, y = _classification()
    est = MLPClassifier(max_iter=3, verbose=True, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"Iteration {i}, loss = {loss:.8f}"
                     for i, loss in enumerate(est.loss_curve_, start=1)]


# ------------------------------------------------------------------ persistence
def _fitted_with_string_labels():
    X, y = _classification()
    labels = np.array(["cat", "dog", "emu"])[y]
    return MLPClassifier(hidden_layer_sizes=(5, 4), max_iter=5, random_state=0).fit(X, labels), X


def test_pickle_round_trip():
    est, X = _fitted_with_string_labels()
    clone = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(clone.predict(X), est.predict(X))
    np.testing.assert_array_equal(clone.predict_proba(X), est.predict_proba(X))


@pytest.mark.parametrize("make", [_fitted_with_string_labels,
                                  lambda: (MLPRegressor(max_iter=3, random_state=0)
                                           .fit(*_regression(2)), _regression(2)[0])])
def test_save_and_load_round_trip(tmp_path, make):
    est, X = make()
    path = tmp_path / "model.npz"
    est.save(path)
    with np.load(path, allow_pickle=False) as data:  # plain arrays only, no pickled code
        assert all(data[k].dtype != object for k in data.files)
    loaded = load(path)
    assert type(loaded) is type(est) and loaded.get_params() == est.get_params()
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    assert loaded.loss_curve_ == est.loss_curve_ and loaded.n_iter_ == est.n_iter_
    loaded.partial_fit(X, est.predict(X))  # the loaded estimator trains on


def test_a_loaded_model_continues_a_warm_start_like_the_original(tmp_path):
    """The count of epochs without improvement is saved: a warm-started fit of the
    loaded model stops where the original's does."""
    X, y = _classification()
    est = MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, tol=10.0, n_iter_no_change=7,
                        warm_start=True, random_state=0).fit(X, y)
    est.save(tmp_path / "model.npz")
    loaded = load(tmp_path / "model.npz")
    est.fit(X, y)
    loaded.fit(X, y)
    assert loaded.n_iter_ == est.n_iter_ < 10
    np.testing.assert_array_equal(loaded.loss_curve_, est.loss_curve_)


def test_a_failed_save_leaves_the_old_file_whole(tmp_path, monkeypatch):
    """The file is written beside ``path`` and moved over it: a write that fails part
    way (a full disk) keeps the previous model and leaves no part file behind; the
    new file gets the permissions of any new file (not a temporary file's 0600)."""
    est, X = _fitted_with_string_labels()
    path = tmp_path / "model.npz"
    est.save(path)
    (tmp_path / "plain").write_bytes(b"")
    assert path.stat().st_mode == (tmp_path / "plain").stat().st_mode

    def fail_part_way(file, **arrays):
        file.write(b"PK\x03\x04 partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", fail_part_way)
    with pytest.raises(OSError, match="No space left"):
        MLPClassifier(hidden_layer_sizes=(3,), max_iter=1).fit(X, est.predict(X)).save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz", "plain"]
    np.testing.assert_array_equal(load(path).predict(X), est.predict(X))
    with pytest.raises(FileNotFoundError, match="no such directory: '.*/missing'"):
        est.save(tmp_path / "missing" / "model.npz")


def test_save_refuses_other_estimators_of_the_same_name(tmp_path):
    X, y = _classification()
    with pytest.raises(TypeError, match="got sklearn.neural_network"):
        save(sk.MLPClassifier(max_iter=2).fit(X, y), tmp_path / "sk.npz")


def _rewrite(src, dst, edit_arrays=None, edit_meta=None):
    with np.load(src) as data:
        arrays = {k: data[k] for k in data.files}
    if edit_meta:
        meta = json.loads(arrays["meta"].item())
        edit_meta(meta)
        arrays["meta"] = np.array(json.dumps(meta))
    if edit_arrays:
        edit_arrays(arrays)
    np.savez(dst, **arrays)


@pytest.mark.parametrize("edit_arrays, edit_meta, match", [
    (None, lambda m: m["fitted"].update(predict=0), r"unknown fitted attributes \['predict'\]"),
    (None, lambda m: m["params"].update(colour=1), "bad parameters"),
    (None, lambda m: m["fitted"].update(n_layers_=5), "no 'coef_3' for 5 layers"),
    (lambda a: a.update(coef_0=a["coef_0"].astype(np.int64)), None, "all be float32 or all"),
    (lambda a: a.update(coef_0=np.ascontiguousarray(a["coef_0"].T)), None, "do not follow"),
    (lambda a: a.update(classes_=a["classes_"][:2]), None, "2 classes for 3 outputs"),
    (lambda a: a.update(meta=np.array("{not json")), None, "no readable 'meta'"),
    (lambda a: a.update(coef_1=a["coef_1"] * np.nan), None, "the weights hold NaN or inf"),
    (None, lambda m: m["params"].update(hidden_layer_sizes=[5, 3]),
     r"the hidden layers have \[5, 4\] units; hidden_layer_sizes is \(5, 3\)"),
    (None, lambda m: m["params"].update(solver="lbfgs"), "bad parameters.*solver"),
    (None, lambda m: m.update({"class": "MLPRegressor"}),
     "out_activation_ is 'softmax'; a regressor's is 'identity'"),
    (None, lambda m: m.update({"class": ["MLPRegressor"]}), "unknown estimator class"),
    (None, lambda m: m["fitted"].update(_y_type="binary"), r"3 classes for 3 outputs \(binary"),
    (None, lambda m: m["fitted"].pop("_y_type"), "_y_type is None"),
    (None, lambda m: m["fitted"].update(out_activation_="logistic"),
     "out_activation_ is 'logistic'; multiclass targets train 'softmax'"),
    (None, lambda m: m["fitted"].update(loss_curve_="abc"), "loss_curve_ must be a list"),
    (None, lambda m: m["fitted"].update(n_iter_=-1), "n_iter_ must be an int >= 0"),
    (lambda a: a.update(classes_=a["classes_"][[0, 1, 1]]), None, "distinct labels"),
    (lambda a: a.update(classes_=a["classes_"][None]), None, "1-D array"),
    (lambda a: a.update(feature_names_in_=np.array(["a", "b"])), None,
     r"feature_names_in_ has shape \(2,\) for 6 features"),
    (lambda a: a.update(coef_0=np.array([None] * 6, dtype=object)), None,
     "'coef_0' cannot be read"),
    (lambda a: a.update(junk=np.ones(2), coef_9=np.ones(2)), None,
     r"unknown entries \['coef_9', 'junk'\]"),
], ids=["method", "param", "layers", "dtype", "shape", "classes", "json", "nan", "hidden",
        "setting", "class", "class-list", "y-type", "no-y-type", "output", "curve", "n-iter",
        "duplicate-classes", "2-d-classes", "feature-names", "object-array", "extra-entries"])
def test_load_refuses_inconsistent_files(tmp_path, edit_arrays, edit_meta, match):
    est, _ = _fitted_with_string_labels()
    est.save(tmp_path / "good.npz")
    _rewrite(tmp_path / "good.npz", tmp_path / "bad.npz", edit_arrays, edit_meta)
    with pytest.raises(ValueError, match=match):
        load(tmp_path / "bad.npz")


def test_load_refuses_a_regressor_file_relabelled_a_classifier(tmp_path):
    est = MLPRegressor(max_iter=3, random_state=0).fit(*_regression(1))
    est.save(tmp_path / "r.npz")
    _rewrite(tmp_path / "r.npz", tmp_path / "bad.npz",
             edit_meta=lambda m: m.update({"class": "MLPClassifier"}))
    with pytest.raises(ValueError, match="_y_type is None"):
        load(tmp_path / "bad.npz")


def test_load_refuses_a_damaged_archive_and_names_the_member(tmp_path):
    est, _ = _fitted_with_string_labels()
    est.save(tmp_path / "good.npz")
    data = bytearray((tmp_path / "good.npz").read_bytes())
    with zipfile.ZipFile(tmp_path / "good.npz") as archive:
        member = archive.getinfo("coef_0.npy")
    data[member.header_offset + 30 + len(member.filename) + 100] ^= 0xFF  # in its data
    (tmp_path / "bad.npz").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="'coef_0' cannot be read .*CRC"):
        load(tmp_path / "bad.npz")


def test_load_takes_weights_of_either_byte_order(tmp_path):
    est, X = _fitted_with_string_labels()
    est.save(tmp_path / "good.npz")
    _rewrite(tmp_path / "good.npz", tmp_path / "big.npz",
             edit_arrays=lambda a: a.update({k: v.astype(v.dtype.newbyteorder(">"))
                                             for k, v in a.items() if k.startswith(("coef",
                                                                                     "inter"))}))
    loaded = load(tmp_path / "big.npz")
    assert all(c.dtype.isnative for c in loaded.coefs_ + loaded.intercepts_)
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))


def test_load_says_a_newer_format_needs_a_newer_fastnn(tmp_path):
    est, _ = _fitted_with_string_labels()
    est.save(tmp_path / "good.npz")
    _rewrite(tmp_path / "good.npz", tmp_path / "new.npz",
             edit_meta=lambda m: m.update(format=2))
    with pytest.raises(ValueError, match=r"written by a newer fastnn \(file format 2; this "
                                         r"version reads format 1\)"):
        load(tmp_path / "new.npz")


def test_load_refuses_a_file_that_is_no_archive(tmp_path):
    (tmp_path / "notes.npz").write_text("not a zip file\n")
    with pytest.raises(ValueError, match="not a valid fastnn estimator file: it is not an .npz"):
        load(tmp_path / "notes.npz")


def test_save_takes_array_settings_and_refuses_changed_layers(tmp_path):
    X, y = _classification()
    est = MLPClassifier(hidden_layer_sizes=np.array([4, 3]), max_iter=2, random_state=0)
    est.fit(X, y).save(tmp_path / "m.npz")
    assert load(tmp_path / "m.npz").hidden_layer_sizes == (4, 3)
    est.set_params(hidden_layer_sizes=(5,))  # not refitted: the weights no longer match
    with pytest.raises(ValueError, match=r"cannot save: the hidden layers have \[4, 3\] units"):
        est.save(tmp_path / "m.npz")


def test_load_refuses_a_single_array(tmp_path):
    np.save(tmp_path / "a.npy", np.ones(3))
    with pytest.raises(ValueError, match=r"a single array \(a \.npy file\)"):
        load(tmp_path / "a.npy")


# ------------------------------------------------------------------ user errors
@pytest.mark.parametrize("settings, match", [
    (dict(solver="lbfgs"), "solver must be one of"),
    (dict(activation="softmax"), "activation must be one of"),
    (dict(batch_size=0), "batch_size"),
    (dict(hidden_layer_sizes=(3, 0)), "hidden_layer_sizes"),
    (dict(learning_rate_init=0.0), "learning_rate_init"),
    (dict(backend="cuda"), "backend must be one of"),
    (dict(momentum=1.5), "momentum"),
    (dict(tol=np.nan), "tol must be finite"),
    (dict(alpha=np.inf), "alpha must be finite"),
    (dict(learning_rate_init=np.inf), "learning_rate_init must be finite"),
    (dict(n_iter_no_change=0), "n_iter_no_change"),
])
def test_bad_settings_are_named(settings, match):
    X, y = _classification()
    with pytest.raises(ValueError, match=match):
        MLPClassifier(**settings).fit(X, y)


def test_n_iter_no_change_may_be_infinite():
    X, y = _classification()
    est = MLPClassifier(max_iter=4, tol=10.0, n_iter_no_change=np.inf, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    assert est.n_iter_ == 4  # never stopped early, though no epoch improved by tol
    with pytest.raises(TypeError, match="n_iter_no_change must be an instance of int"):
        est.set_params(n_iter_no_change=2.5).fit(X, y)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow on the way to divergence
def test_diverging_early_stopping_is_an_error():
    X, y = _regression(1)
    est = MLPRegressor(early_stopping=True, solver="sgd", learning_rate_init=1e3,
                       max_iter=20, random_state=0)
    with pytest.raises(ValueError, match="diverged: non-finite outputs on the validation"):
        est.fit(X * 1e3, y * 1e3)


@pytest.mark.parametrize("first, then", [(False, True), (True, False)])
def test_warm_start_may_switch_early_stopping(first, then):
    X, y = _classification(n=300)
    est = MLPClassifier(early_stopping=first, max_iter=3, random_state=0).fit(X, y)
    est.set_params(warm_start=True, early_stopping=then).fit(X, y)
    if then:
        assert len(est.validation_scores_) == est.n_iter_ and est.best_loss_ is None
    else:
        assert est.best_loss_ == min(est.loss_curve_[-est.n_iter_:])


def test_bad_labels_are_explained():
    X, y = _classification()
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier().fit(X, y + 0.5)
    with pytest.raises(ValueError, match="at least 2 classes; got only one class, 0.0$"):
        MLPClassifier().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="at least 2 classes; got only one class, 'a'$"):
        MLPClassifier().fit(X, np.full(len(X), "a"))
    with pytest.raises(ValueError, match="at least 2 classes; got none$"):
        MLPClassifier().partial_fit(X, y, classes=[])
    with pytest.raises(ValueError, match="classes must be passed"):
        MLPClassifier().partial_fit(X, y)
    with pytest.raises(TypeError, match="positional"):  # scikit-learn's 3rd: sample_weight
        MLPClassifier().partial_fit(X, y, np.ones(len(y)))
    with pytest.raises(TypeError, match="sample_weight"):
        MLPClassifier().fit(X, y, sample_weight=np.ones(len(y)))
    est = MLPClassifier(max_iter=2).partial_fit(X, y, classes=[0, 1, 2, 3])
    with pytest.raises(ValueError, match="not in classes_"):
        est.partial_fit(X, y + 2)
    with pytest.raises(ValueError, match="early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="multi-label indicator"):
        MLPClassifier().fit(X, np.column_stack([y, y]))
