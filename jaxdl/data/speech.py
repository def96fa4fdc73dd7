"""Speech datasets as in-memory arrays of log-mel frames (`jaxdl.data.audio.log_mel`).

CTC transcription (`spoken_digits`, or any TFDS dataset with the same two features, "features" [F, 40]
and "digits" [L]): each split is
  "inputs"        float32 [N, T, 40]  log-mel frames, zero after each utterance's end (T = longest of both splits)
  "input_lengths" int32   [N]         valid frames
  "labels"        int32   [N, L]      token ids, digit d -> d + 1, padding BLANK (0) after label_lengths
  "label_lengths" int32   [N]
and num_classes = 11 (blank + ten digits).

Keyword classification (TFDS `speech_commands`, features "audio" int16 [S] at 16 kHz, "label"): each
1-second clip is zero-padded/cut to 16,000 samples and featurised the same way: "inputs" float32 [N, 98, 40],
"label" int32 [N].
"""

from __future__ import annotations

import numpy as np

from jaxdl.data import audio
from jaxdl.data.dataset import Dataset

BLANK = 0
ALPHABET = "0123456789"  # token id i + 1 is ALPHABET[i]
NUM_CTC_CLASSES = len(ALPHABET) + 1
CLIP_SAMPLES = audio.SAMPLE_RATE  # speech_commands clips are at most one second


def encode_digits(text: str) -> np.ndarray:
    """int32 [len(text)] token ids of a digit string ("314" -> [4, 2, 5])."""
    return np.array([ALPHABET.index(ch) + 1 for ch in text], np.int32)


def decode_tokens(ids) -> str:
    """The characters of token ids, blanks dropped (no collapsing: that is the decoder's job)."""
    return "".join(ALPHABET[i - 1] for i in np.asarray(ids).tolist() if i != BLANK)


def features_of(waveform: np.ndarray) -> np.ndarray:
    """float32 [F, 40] features of float audio [S] at 16 kHz, rounded through float16 as stored."""
    return audio.log_mel(waveform).astype(np.float16).astype(np.float32)


def _all(source) -> list[dict]:
    return source.__getitems__(list(range(len(source))))


def read_ctc(sources, name: str) -> Dataset:
    """Dataset of padded frames and labels from (train, test) data sources of {"features", "digits"}."""
    splits = [_all(s) for s in sources]
    steps = max(len(e["features"]) for examples in splits for e in examples)
    max_label = max(max(len(e["digits"]) for e in examples) for examples in splits)
    arrays = []
    for examples in splits:
        n = len(examples)
        out = {"inputs": np.zeros((n, steps, audio.N_MELS), np.float32), "input_lengths": np.zeros(n, np.int32),
               "labels": np.zeros((n, max_label), np.int32), "label_lengths": np.zeros(n, np.int32)}
        for i, e in enumerate(examples):
            f, d = np.asarray(e["features"], np.float32), np.asarray(e["digits"], np.int32)
            out["inputs"][i, : len(f)], out["input_lengths"][i] = f, len(f)
            out["labels"][i, : len(d)], out["label_lengths"][i] = d + 1, len(d)
        arrays.append(out)
    return Dataset(name=name, train=arrays[0], test=arrays[1], num_classes=NUM_CTC_CLASSES,
                   input_shape=(steps, audio.N_MELS))


def read_keywords(sources, name: str, num_classes: int) -> Dataset:
    """Keyword-classification Dataset from (train, test) data sources of {"audio" int16 [S], "label"}."""
    arrays = []
    for examples in (_all(s) for s in sources):
        clips = np.zeros((len(examples), CLIP_SAMPLES), np.float32)
        for i, e in enumerate(examples):
            x = audio.resample(np.asarray(e["audio"]), audio.SAMPLE_RATE)[:CLIP_SAMPLES]
            clips[i, : len(x)] = x
        arrays.append({"inputs": np.stack([features_of(c) for c in clips]) if len(clips) else
                       np.zeros((0, audio.num_frames(CLIP_SAMPLES), audio.N_MELS), np.float32),
                       "label": np.array([int(e["label"]) for e in examples], np.int32)})
    return Dataset(name=name, train=arrays[0], test=arrays[1], num_classes=num_classes,
                   input_shape=arrays[0]["inputs"].shape[1:])
