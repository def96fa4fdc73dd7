"""Translation data for seq2seq: ted_hrlr_translate/pt_to_en through load_dataset (a real on-disk copy
and tfds.testing.mock_data, no TensorFlow, no network) and the seq2seq task end to end."""

import os

import numpy as np
import pytest
import tensorflow_datasets as tfds

from jaxdl.config import base_config
from jaxdl.data import load_dataset
from jaxdl.data.text import SEQ2SEQ_SPECIALS, VOCAB_FILE, Vocabulary
from jaxdl.errors import UserError
from jaxdl.train.run import train_and_evaluate

NAME = "ted_hrlr_translate/pt_to_en"
PAIRS = {"train": [("o gato não dorme", "the cat does not sleep"), ("o cão dorme", "the dog sleeps"),
                   ("não", "no")],
         "test": [("o gato dorme muito bem", "the cat sleeps very well")]}


def _fake_ted(data_dir):
    """A prepared array_record ted_hrlr_translate/pt_to_en (same config, version, features) holding PAIRS."""
    real = tfds.builder(NAME, data_dir=str(data_dir))
    features, version, supervised = real.info.features, real.version, real.info.supervised_keys

    class FakeTed(tfds.core.GeneratorBasedBuilder, skip_registration=True):
        name = "ted_hrlr_translate"
        VERSION = version
        BUILDER_CONFIGS = [tfds.core.BuilderConfig(name="pt_to_en")]
        code_path = None

        def _info(self):
            return tfds.core.DatasetInfo(builder=self, features=features, supervised_keys=supervised,
                                         disable_shuffling=True)

        def _split_generators(self, dl_manager):
            return {split: self._generate_examples(split) for split in PAIRS}

        def _generate_examples(self, split):
            for i, (pt, en) in enumerate(PAIRS[split]):
                yield i, {"pt": pt, "en": en}

    FakeTed(data_dir=str(data_dir), file_format="array_record").download_and_prepare()


def test_translation_is_tokenized_with_a_train_vocabulary(tmp_path):
    _fake_ted(tmp_path)
    ds = load_dataset(NAME, data_dir=str(tmp_path), max_len=4, target_max_len=5, vocab_size=16)
    vocab = ds.vocabulary
    assert vocab.tokens[:4] == SEQ2SEQ_SPECIALS  # 0 pad, 1 decoder start, 2 end, 3 unknown
    assert len(vocab) == 16 and ds.num_classes == 16 and ds.input_shape == (4,)
    # most frequent train words of both languages first: dorme 2, não 2, o 2, the 2, then ties alphabetical
    assert vocab.tokens[4:8] == ("dorme", "não", "o", "the")
    assert ds.train["inputs"].shape == (3, 4) and ds.train["targets"].shape == (3, 5)
    assert vocab.decode(ds.train["inputs"][0]) == "o gato não dorme"
    # at most target_max_len - 1 words, then EOS: every target row ends its answer
    np.testing.assert_array_equal((ds.train["targets"] == 2).sum(1), [1, 1, 1])
    assert vocab.decode(ds.train["targets"][0]) == "the cat does not"
    assert vocab.decode(ds.train["targets"][2]) == "no"
    assert "<unk>" in vocab.decode(ds.test["inputs"][0])  # "muito" is not in the train vocabulary


def test_offline_without_translation_data_is_one_line_error(tmp_path):
    with pytest.raises(UserError) as error:
        load_dataset(NAME, data_dir=str(tmp_path), max_len=8)
    message = str(error.value)
    assert f"'{NAME}'" in message and "--config.data_dir" in message and "\n" not in message


def test_translation_mock_data_trains_seq2seq_end_to_end(fixed_mock_getitems, tmp_path):
    metadata_dir = tmp_path / "meta"
    _fake_ted(metadata_dir)
    c = base_config()
    with c.dataset.unlocked():
        c.dataset.update(dict(name=NAME, max_len=6, target_max_len=5, vocab_size=60))
    c.task.name = "seq2seq"
    c.model = dict(name="seq2seq", cell="gru", hidden_size=8, embed_dim=8, attention=True)
    c.data_dir = str(tmp_path / "empty")  # mock_data serves every read
    c.update(dict(batch_size=8, steps=4, log_every=2, eval_every=4, eval_batch_size=16))
    workdir = str(tmp_path / "run")
    with tfds.testing.mock_data(num_examples=16, policy=tfds.testing.MockPolicy.USE_FILES,
                                data_dir=str(metadata_dir)):
        summary = train_and_evaluate(c, workdir, quiet=True, tensorboard=False)
    assert summary["status"] == "completed"
    test = summary["final"]["test"]
    assert 0.0 <= test["token_accuracy"][0] <= 1.0 and np.isfinite(test["loss"][0])
    vocab = Vocabulary.load(os.path.join(workdir, VOCAB_FILE))
    assert vocab.tokens[:4] == SEQ2SEQ_SPECIALS and 4 < len(vocab) <= 60
