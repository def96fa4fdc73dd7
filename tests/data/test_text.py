"""Text classification data: the deterministic vocabulary, padding/truncation, and imdb_reviews end to end
through load_dataset and the trainer under tfds.testing.mock_data (no TensorFlow, no network)."""

import json
import os

import numpy as np
import pytest
import tensorflow_datasets as tfds

from jaxdl.config import base_config
from jaxdl.data import load_dataset
from jaxdl.data.text import PAD_ID, UNK_ID, VOCAB_FILE, Vocabulary, words
from jaxdl.errors import UserError
from jaxdl.runs import load_run
from jaxdl.train.run import train_and_evaluate


def test_vocabulary_is_deterministic_with_reserved_ids():
    texts = ["The film was GOOD.<br /><br />good!", "the plot: bad, bad; don't", "an ok film"]
    assert words(texts[0]) == ["the", "film", "was", "good", "good"]
    vocab = Vocabulary.build(texts, max_size=6)
    # counts: bad 2, film 2, good 2, the 2, then an/don't/ok/plot/was 1 -> ties alphabetical
    assert vocab.tokens == ("<pad>", "<unk>", "bad", "film", "good", "the")
    assert Vocabulary.build(list(reversed(texts)), max_size=6) == vocab
    ids = vocab.encode(["good film zebra", "the the the the the"], max_len=4)
    assert ids.dtype == np.int32 and ids.shape == (2, 4)
    np.testing.assert_array_equal(ids, [[4, 3, UNK_ID, PAD_ID], [5, 5, 5, 5]])  # padded / truncated
    assert vocab.decode(ids[0]) == "good film <unk>"
    with pytest.raises(UserError):
        Vocabulary.build(texts, max_size=2)


def test_vocabulary_round_trips(tmp_path):
    vocab = Vocabulary.build(["b a c a", "b a"], max_size=10)
    vocab.save(str(tmp_path / "v.json"))
    loaded = Vocabulary.load(str(tmp_path / "v.json"))
    assert loaded == vocab
    np.testing.assert_array_equal(loaded.encode(["c a x"], 5), vocab.encode(["c a x"], 5))


def _fake_imdb(data_dir, n=8):
    """A prepared array_record imdb_reviews (same config, version and features) with n train/test texts."""
    real = tfds.builder("imdb_reviews", data_dir=str(data_dir))
    features = real.info.features

    class FakeImdb(tfds.core.GeneratorBasedBuilder, skip_registration=True):
        name = "imdb_reviews"
        VERSION = real.version
        BUILDER_CONFIGS = [tfds.core.BuilderConfig(name="plain_text")]
        code_path = None

        def _info(self):
            return tfds.core.DatasetInfo(builder=self, features=features, disable_shuffling=True)

        def _split_generators(self, dl_manager):
            return {split: self._generate_examples(split) for split in ("train", "test")}

        def _generate_examples(self, split):
            for i in range(n):
                yield i, {"text": f"{split} review {i} great" if i % 2 else f"{split} review {i} awful",
                          "label": i % 2}

    FakeImdb(data_dir=str(data_dir), file_format="array_record").download_and_prepare()


def test_offline_without_imdb_is_one_line_error(tmp_path):
    with pytest.raises(UserError) as error:
        load_dataset("imdb_reviews", data_dir=str(tmp_path), max_len=8)
    assert "'imdb_reviews'" in str(error.value) and "--config.data_dir" in str(error.value)
    assert "\n" not in str(error.value)


def test_imdb_mock_data_trains_end_to_end(fixed_mock_getitems, tmp_path):
    metadata_dir = tmp_path / "meta"
    _fake_imdb(metadata_dir)
    ds = load_dataset("imdb_reviews", data_dir=str(metadata_dir), max_len=4, vocab_size=50)
    assert ds.train["inputs"].shape == (8, 4) and ds.vocabulary.decode(ds.train["inputs"][1]) == "train review 1 great"

    c = base_config()
    with c.dataset.unlocked():
        c.dataset.update(dict(name="imdb_reviews", max_len=16, vocab_size=200))
    c.model = dict(name="lstm_text", hidden_size=8, embed_dim=8, vocab_size=200)
    c.data_dir = str(tmp_path / "empty")  # mock_data serves every read
    c.update(dict(batch_size=10, steps=10, log_every=5, eval_every=10, eval_batch_size=20))
    workdir = str(tmp_path / "run")
    with tfds.testing.mock_data(num_examples=20, policy=tfds.testing.MockPolicy.USE_FILES,
                                data_dir=str(metadata_dir)):
        summary = train_and_evaluate(c, workdir, quiet=True, tensorboard=False)
    assert summary["status"] == "completed" and 0.0 <= summary["final"]["test"]["accuracy"][0] <= 1.0
    vocab = Vocabulary.load(os.path.join(workdir, VOCAB_FILE))
    assert vocab.tokens[:2] == ("<pad>", "<unk>") and 2 < len(vocab) <= 200
    run = load_run(workdir)
    assert run.config["dataset"]["max_len"] == 16
    with open(os.path.join(workdir, VOCAB_FILE)) as f:
        assert json.load(f)["pad_id"] == PAD_ID
