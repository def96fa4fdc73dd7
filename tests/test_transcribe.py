"""`jaxdl transcribe`: a model fitted to two synthesized utterances transcribes their WAV files; bad files
and runs are one-line errors (exit 2)."""

import os

import jax
import numpy as np
import pytest

from jaxdl.cli import main
from jaxdl.config import load_config, to_json
from jaxdl.data import audio
from jaxdl.data import spoken_digits_builder as sd
from jaxdl.data.speech import encode_digits, features_of
from jaxdl.tasks import build_task

UTTERANCES = {"42": sd.Utterance((4, 2), "en-us+m3", 160, 50, 1, (0.1, 0.1), 40.0, 0),
              "7": sd.Utterance((7,), "en+f2", 160, 50, 1, (0.1, 0.1), 40.0, 1)}


@pytest.fixture(scope="module")
def fitted_run(tmp_path_factory):
    """A run directory (config.json + the CTC task's final parameters) fitted to UTTERANCES' WAV files."""
    root = tmp_path_factory.mktemp("transcribe")
    wavs = {}
    for text, u in UTTERANCES.items():
        wavs[text] = str(root / f"{text}.wav")
        audio.write_wav(wavs[text], sd.render(u))
    frames = [features_of(audio.read_wav(wavs[t])) for t in UTTERANCES]
    steps = max(len(f) for f in frames)
    batch = {"inputs": np.zeros((2, steps, audio.N_MELS), np.float32),
             "input_lengths": np.array([len(f) for f in frames]),
             "labels": np.zeros((2, 2), np.int32), "label_lengths": np.array([len(t) for t in UTTERANCES])}
    for i, (f, t) in enumerate(zip(frames, UTTERANCES, strict=True)):
        batch["inputs"][i, : len(f)], batch["labels"][i, : len(t)] = f, encode_digits(t)
    config = load_config("experiments/configs/spoken_digits_ctc.py")
    config.model.update(dict(conv_channels=(16,), hidden_size=24, num_layers=1))
    config.optimizer.learning_rate, config.optimizer.clip_norm = 1e-2, 0.0
    dataset = type("D", (), {"name": "fit", "num_classes": 11, "train": batch, "test": batch})()
    task = build_task(config, dataset)
    task.examples = None  # no spectrogram plot here
    state, step = task.init(jax.random.PRNGKey(0), batch), jax.jit(task.train_step)
    for _ in range(300):
        state, metrics = step(state, batch)
    assert float(metrics["loss"]) < 0.1
    workdir = str(root / "run")
    os.makedirs(workdir)
    with open(os.path.join(workdir, "config.json"), "w") as f:
        f.write(to_json(config))
    task.write_artifacts(jax.tree_util.tree_map(lambda a: a[None], state), 300, workdir, final=True)
    return workdir, wavs


def test_transcribe_prints_the_known_strings(fitted_run, capsys):
    workdir, wavs = fitted_run
    assert main(["transcribe", "--workdir", workdir, wavs["42"], wavs["7"]]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == [f"{wavs['42']}\t42", f"{wavs['7']}\t7"]
    assert main(["transcribe", "--workdir", workdir, "--beam", "4", wavs["7"]]) == 0
    assert capsys.readouterr().out.strip() == f"{wavs['7']}\t7"


def test_bad_files_and_runs_are_one_line_errors(fitted_run, tmp_path, capsys):
    workdir, wavs = fitted_run
    slow = str(tmp_path / "8k.wav")
    audio.write_wav(slow, np.zeros(8000, np.float32), rate=8000)
    junk = str(tmp_path / "junk.wav")
    with open(junk, "w") as f:
        f.write("not audio")
    cases = {"sample rate 8000": [slow], "cannot read": [junk], "no such file": [str(tmp_path / "nope.wav")]}
    for message, files in cases.items():
        assert main(["transcribe", "--workdir", workdir, *files]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
    assert main(["transcribe", "--workdir", str(tmp_path), wavs["7"]]) == 2  # not a run directory
    assert "no config.json" in capsys.readouterr().err
