"""The sample-quality score on cases with known answers, and the scorer cache."""

import numpy as np
import pytest
import scipy.linalg

from jaxdl.data import load_dataset
from jaxdl.sample_quality import (
    RECIPES,
    SCORER_VERSION,
    _cache_path,
    classifier_score,
    frechet_distance,
    load_or_train_scorer,
    recipe_for,
    report,
)


def test_frechet_distance_closed_forms():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 5))
    cov = a @ a.T + np.eye(5)
    assert abs(frechet_distance(np.zeros(5), cov, np.zeros(5), cov)) < 1e-8
    m = np.array([1.0, 2.0, 0.0, -1.0, 0.5])
    np.testing.assert_allclose(frechet_distance(np.zeros(5), np.eye(5), m, np.eye(5)), m @ m, rtol=1e-10)
    da, db = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 1.0])
    expected = 1.0 + np.sum((np.sqrt(da) - np.sqrt(db)) ** 2)
    got = frechet_distance(np.zeros(3), np.diag(da), np.array([1.0, 0, 0]), np.diag(db))
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    b = rng.normal(size=(5, 5))
    cov_b = b @ b.T + 0.1 * np.eye(5)  # does not commute with cov: compare with scipy's matrix sqrt
    reference = np.trace(cov + cov_b - 2 * scipy.linalg.sqrtm(cov @ cov_b).real)
    np.testing.assert_allclose(frechet_distance(np.zeros(5), cov, np.zeros(5), cov_b), reference, rtol=1e-6)


def test_classifier_score_known_cases():
    c = 10
    every_class = np.eye(c)[np.arange(100) % c]
    s = classifier_score(every_class)
    np.testing.assert_allclose([s["score"], s["confidence"], s["coverage"]], [c, 1, c], rtol=1e-6)
    one_class = np.eye(c)[np.zeros(100, int)]
    np.testing.assert_allclose([classifier_score(one_class)[k] for k in ("score", "coverage")], [1, 1], rtol=1e-6)
    assert classifier_score(every_class)["min_class_share"] == 0.1
    one = classifier_score(one_class)
    assert one["class_shares"] == [1.0] + [0.0] * (c - 1) and one["min_class_share"] == 0.0
    unsure = np.full((100, c), 1 / c)
    s = classifier_score(unsure)
    np.testing.assert_allclose([s["score"], s["confidence"], s["coverage"]], [1, 1 / c, c], rtol=1e-6)
    skewed = np.eye(c)[np.r_[np.zeros(55, int), np.arange(45) % 9 + 1]]  # class 0: 55%, classes 1-9: 5% each
    np.testing.assert_allclose(classifier_score(skewed)["class_shares"], [0.55] + [0.05] * 9, rtol=1e-12)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


@pytest.mark.outcome
def test_scorer_is_cached_and_real_test_images_score_as_the_ceiling(digits, tmp_path, outcome):
    scorer, info = load_or_train_scorer(digits, str(tmp_path), steps=150)  # the digits CNN recipe, 150 steps
    assert not info["loaded_from_cache"]
    assert info["model"]["name"] == "cnn2d" and info["train_steps"] == 150 and info["version"] == SCORER_VERSION
    outcome.at_least("scorer test accuracy", info["test_accuracy"], 0.7)  # chance is 0.1
    again, info2 = load_or_train_scorer(digits, str(tmp_path), steps=150)
    assert info2["loaded_from_cache"] and info2["test_accuracy"] == info["test_accuracy"]
    x = digits.test["inputs"][:50]
    np.testing.assert_allclose(again.features_probs(x)[1], scorer.features_probs(x)[1], rtol=1e-6)

    test_images = digits.test["inputs"][None]  # "samples" that are the real test split: the ceiling itself
    noise = np.random.default_rng(0).uniform(size=(1, 360, 8, 8, 1)).astype(np.float32)
    out = report(digits, np.concatenate([test_images, noise]), str(tmp_path), scorer_steps=150)
    assert out["scorer"]["loaded_from_cache"]
    for key, value in out["real_test"].items():
        np.testing.assert_allclose(out["samples"][key][0], value, rtol=1e-6)
    outcome.at_least("noise / real classifier Frechet distance",
                     out["samples"]["classifier_frechet"][1] / out["real_test"]["classifier_frechet"], 5)
    outcome.at_most("noise / real classifier score",
                    out["samples"]["classifier_score"][1] / out["real_test"]["classifier_score"], 1.0)
    real = out["real_test"]  # the test split has 33-37 images of each class out of 360
    assert abs(sum(real["classifier_class_shares"]) - 1) < 1e-9 and len(real["classifier_class_shares"]) == 10
    outcome.at_least("real test min class share", real["classifier_min_class_share"], 0.05)


def test_recipes_name_the_dataset_scorers_and_steps_override(digits):
    assert recipe_for(digits) == RECIPES["digits"]
    assert recipe_for(digits, steps=7).steps == 7 and recipe_for(digits, steps=7).model == RECIPES["digits"].model
    assert RECIPES["mnist"].model["name"] == "cnn2d"


def test_a_read_only_data_dir_caches_the_scorer_in_the_user_cache(digits, tmp_path, monkeypatch):
    data_dir, cache = tmp_path / "data", tmp_path / "cache"
    data_dir.mkdir()
    data_dir.chmod(0o555)  # read-only by its mode, which is respected even when running as root
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    path = _cache_path(digits, str(data_dir), recipe_for(digits, steps=7))
    assert path.startswith(str(cache / "jaxdl" / "scorers")) and "digits_8x8x1_cnn2d_7steps" in path
    data_dir.chmod(0o755)
    assert _cache_path(digits, str(data_dir), recipe_for(digits)).startswith(str(data_dir / "jaxdl_scorers"))
