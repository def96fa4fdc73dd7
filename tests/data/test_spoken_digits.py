"""spoken_digits: deterministic synthesis, labels that match the audio, held-out voices; speech_commands
through the same loading code (a fake prepared copy, no TensorFlow, no network)."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

from jaxdl.config import base_config
from jaxdl.data import audio, load_dataset
from jaxdl.data import spoken_digits_builder as sd
from jaxdl.data.speech import decode_tokens
from jaxdl.errors import UserError
from jaxdl.train.run import train_and_evaluate


@pytest.fixture
def tiny_spoken_digits(monkeypatch, tmp_path):
    monkeypatch.setattr(sd, "NUM_TRAIN", 6)
    monkeypatch.setattr(sd, "NUM_TEST", 3)
    return str(tmp_path / "tfds")


def test_builder_is_deterministic_and_labels_match_audio(tiny_spoken_digits):
    ds = load_dataset("spoken_digits", tiny_spoken_digits)
    assert ds.num_classes == 11 and ds.train["inputs"].shape[0] == 6 and ds.test["inputs"].shape[0] == 3
    for split, arrays in (("train", ds.train), ("test", ds.test)):
        for i in range(len(arrays["input_lengths"])):
            u = sd.draw_utterance(split, i)
            assert u == sd.draw_utterance(split, i)  # a pure function of (seed, split, index)
            n, length = arrays["label_lengths"][i], arrays["input_lengths"][i]
            # the stored label is the utterance's digits, and its frames are exactly that utterance re-synthesized
            assert decode_tokens(arrays["labels"][i][:n]) == "".join(map(str, u.digits))
            assert np.all(arrays["labels"][i][n:] == 0)
            assert np.all(arrays["inputs"][i][length:] == 0)
            # eSpeak NG's waveform varies slightly between calls (see the builder's docstring), so "exactly that
            # utterance" is: about the same length, and far more alike than another utterance of the split
            again = sd.example(u)["features"].astype(np.float32)
            other = arrays["inputs"][(i + 1) % len(arrays["input_lengths"])]
            assert abs(len(again) - length) <= 0.02 * length + 1
            n = min(len(again), length)
            same = np.corrcoef(arrays["inputs"][i][:n].ravel(), again[:n].ravel())[0, 1]
            different = np.corrcoef(arrays["inputs"][i][:n].ravel(), other[:n].ravel())[0, 1]
            assert same > 0.9 and different < 0.6


def test_more_digits_take_longer_with_the_same_voice():
    u = sd.draw_utterance("train", 0)
    lengths = [len(sd.render(type(u)(**{**u.__dict__, "digits": (7,) * k}))) for k in (1, 3, 7)]
    assert lengths[0] < lengths[1] < lengths[2]
    assert lengths[0] > 0.2 * audio.SAMPLE_RATE  # one word, spoken: audible length, not an empty buffer


def test_test_voices_are_held_out():
    train, test = set(sd.split_variants("train")), set(sd.split_variants("test"))
    assert train and test and not train & test
    voices = {sd.draw_utterance("test", i).voice.split("+")[1] for i in range(50)}
    assert voices <= test


def _fake_speech_commands(data_dir, n=6):
    """A prepared speech_commands copy whose audio is a plain int16 Tensor (TFDS's Audio feature needs
    TensorFlow to construct): 1-second clips, two of them shorter, labels cycling over 12 classes."""
    names = ["down", "go", "left", "no", "off", "on", "right", "stop", "up", "yes", "_silence_", "_unknown_"]

    class FakeSpeechCommands(tfds.core.GeneratorBasedBuilder, skip_registration=True):
        name = "speech_commands"
        VERSION = tfds.core.Version("0.0.3")
        code_path = None

        def _info(self):
            return tfds.core.DatasetInfo(builder=self, disable_shuffling=True, features=tfds.features.FeaturesDict({
                "audio": tfds.features.Tensor(shape=(None,), dtype=np.int16),
                "label": tfds.features.ClassLabel(names=names)}))

        def _split_generators(self, dl_manager):
            return {split: self._generate_examples(split) for split in ("train", "test")}

        def _generate_examples(self, split):
            rng = np.random.default_rng(0 if split == "train" else 1)
            for i in range(n):
                length = 16000 if i % 3 else 9000
                yield i, {"audio": (rng.standard_normal(length) * 3000).astype(np.int16), "label": i % 12}

    FakeSpeechCommands(data_dir=str(data_dir), file_format="array_record").download_and_prepare()


def test_speech_commands_keywords_train_through_the_same_front_end(tmp_path):
    with pytest.raises(UserError, match="not prepared in .*jaxdl prepare speech_commands"):
        load_dataset("speech_commands", str(tmp_path / "empty"))
    _fake_speech_commands(tmp_path / "tfds")
    ds = load_dataset("speech_commands", str(tmp_path / "tfds"))
    assert ds.num_classes == 12 and ds.train["inputs"].shape == (6, 98, 40) and list(ds.train["label"][:3]) == [0, 1, 2]
    c = base_config()
    c.dataset.name, c.data_dir = "speech_commands", str(tmp_path / "tfds")
    c.model = dict(name="speech_keywords", conv_channels=(8,), hidden_size=8, num_layers=1)
    c.update(dict(batch_size=3, steps=4, log_every=2, eval_every=4, eval_batch_size=6))
    summary = train_and_evaluate(c, str(tmp_path / "run"), quiet=True, tensorboard=False)
    assert summary["status"] == "completed" and 0.0 <= summary["final"]["test"]["accuracy"][0] <= 1.0
