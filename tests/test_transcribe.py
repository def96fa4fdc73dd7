"""`jaxdl transcribe`: a run whose checkpoint holds a model fitted to two synthesized utterances transcribes
their WAV files; bad files, runs and replicas are one-line errors (exit 2)."""

import functools
import os
import struct

import jax
import numpy as np
import pytest

from jaxdl.cli import main
from jaxdl.config import load_config, to_json
from jaxdl.data import audio, load_dataset
from jaxdl.data import spoken_digits_builder as sd
from jaxdl.data.speech import encode_digits, features_of
from jaxdl.train.checkpoint import Checkpoints
from jaxdl.train.loop import init_states, make_programs
from jaxdl.train.setup import build_experiment
from jaxdl.train.step import train_step

UTTERANCES = {"42": sd.Utterance((4, 2), "en-us+m3", 160, 50, 1, (0.1, 0.1), 40.0, 0),
              "7": sd.Utterance((7,), "en+f2", 160, 50, 1, (0.1, 0.1), 40.0, 1)}
STEP = 300
FIT_LOSS = []  # the loss `fitted_run` reached, for the outcome check


def _fit(task, wavs):
    """Parameters of the task's model fitted to the WAV files of UTTERANCES (one batch of both)."""
    frames = [features_of(audio.read_wav(wavs[t])) for t in UTTERANCES]
    steps = max(len(f) for f in frames)
    batch = {"inputs": np.zeros((2, steps, audio.N_MELS), np.float32),
             "input_lengths": np.array([len(f) for f in frames]),
             "labels": np.zeros((2, 2), np.int32), "label_lengths": np.array([len(t) for t in UTTERANCES])}
    for i, (f, t) in enumerate(zip(frames, UTTERANCES, strict=True)):
        batch["inputs"][i, : len(f)], batch["labels"][i, : len(t)] = f, encode_digits(t)
    state, step = task.init(jax.random.PRNGKey(0), batch), jax.jit(functools.partial(train_step, task))
    # eSpeak's audio is not bitwise reproducible across processes (README), so the loss after a fixed count
    # varies around 0.1: fit in rounds of STEP steps until it is well below, up to 4 rounds
    for _ in range(4):
        for _ in range(STEP):
            state, metrics = step(state, batch)
        if float(metrics["loss"]) < 0.05:
            break
    FIT_LOSS.append(float(metrics["loss"]))
    return state.params


@pytest.fixture(scope="module")
def fitted_run(tmp_path_factory):
    """A 2-replica spoken_digits_ctc run directory (config.json, one checkpoint) over a 4 + 2 utterance copy of
    the dataset, whose replica 0 holds parameters fitted to UTTERANCES' WAV files; and those files."""
    root = tmp_path_factory.mktemp("transcribe")
    wavs = {}
    for text, u in UTTERANCES.items():
        wavs[text] = str(root / f"{text}.wav")
        audio.write_wav(wavs[text], sd.render(u))
    config = load_config("experiments/configs/spoken_digits_ctc.py")
    config.model.update(dict(conv_channels=(16,), hidden_size=24, num_layers=1))
    config.optimizer.learning_rate, config.optimizer.clip_norm = 1e-2, 0.0
    config.replicas, config.batch_size, config.eval_batch_size = 2, 2, 2
    config.data_dir = str(root / "tfds")
    with pytest.MonkeyPatch.context() as m:  # a tiny prepared copy; restoring the run reads it back
        m.setattr(sd, "NUM_TRAIN", 4)
        m.setattr(sd, "NUM_TEST", 2)
        load_dataset("spoken_digits", config.data_dir)
    exp = build_experiment(config)
    states, data_keys = init_states(exp, make_programs(exp, config.log_every))
    fitted = _fit(exp.task, wavs)
    states = states.replace(step=states.step + STEP, params=jax.tree_util.tree_map(
        lambda many, one: many.at[0].set(one), states.params, fitted))
    workdir = str(root / "run")
    os.makedirs(workdir)
    with open(os.path.join(workdir, "config.json"), "w") as f:
        f.write(to_json(config))
    checkpoints = Checkpoints(os.path.join(workdir, "checkpoints"))
    checkpoints.save(STEP, {"states": states, "data_keys": data_keys})
    checkpoints.close()
    return workdir, wavs


@pytest.mark.outcome
def test_transcribe_prints_the_known_strings(fitted_run, capsys, outcome):
    workdir, wavs = fitted_run
    outcome.at_most("loss fitted to the two utterances", FIT_LOSS[-1], 0.1)
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
    silent = str(tmp_path / "empty.wav")
    audio.write_wav(silent, np.zeros(0, np.float32))
    huge = str(tmp_path / "huge.wav")  # a header that claims ~4 GB of samples in a 3 kB file
    audio.write_wav(huge, np.zeros(1600, np.float32))
    data = bytearray(open(huge, "rb").read())
    at = data.find(b"data")
    data[4:8], data[at + 4:at + 8] = struct.pack("<I", 0xFFFFFFF0), struct.pack("<I", 0xFFFFFF00)
    open(huge, "wb").write(data)
    cases = {"sample rate 8000": [slow], "cannot read": [junk], "no such file": [str(tmp_path / "nope.wav")],
             "holds no samples": [silent], "expected 4294967288 bytes": [huge]}
    for message, files in cases.items():
        assert main(["transcribe", "--workdir", workdir, *files]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
    for replica in ("2", "-1"):
        assert main(["transcribe", "--workdir", workdir, "--replica", replica, wavs["7"]]) == 2
        err = capsys.readouterr().err
        assert f"replica {replica} is not in" in err and err.count("\n") == 1
    assert main(["transcribe", "--workdir", workdir, "--beam", "-3", wavs["7"]]) == 2
    err = capsys.readouterr().err
    assert "--beam must be >= 0" in err and err.count("\n") == 1
    assert main(["transcribe", "--workdir", str(tmp_path), wavs["7"]]) == 2  # not a run directory
    assert "no config.json" in capsys.readouterr().err
    empty = tmp_path / "empty"  # a run directory without checkpoints
    empty.mkdir()
    (empty / "config.json").write_text(open(os.path.join(workdir, "config.json")).read())
    assert main(["transcribe", "--workdir", str(empty), wavs["7"]]) == 2
    err = capsys.readouterr().err
    assert "no checkpoint in" in err and err.count("\n") == 1

