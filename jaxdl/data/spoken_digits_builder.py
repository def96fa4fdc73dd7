"""Spoken digit strings synthesized offline with eSpeak NG, an embedded TFDS builder for CTC training.

Each utterance speaks 1-7 random digits ("three one four") with voice settings drawn deterministically
from (SEED, split, index): an English accent, a voice variant, speaking rate, pitch, extra gaps between
words, leading/trailing silence and white noise at a random SNR. Audio is synthesized at 22,050 Hz,
resampled to 16 kHz and stored as log-mel features (computed once here; see `jaxdl/data/audio.py`).

Held-out voices: the test split speaks with voice variants that never occur in training (every fourth
variant in sorted order), so test error measures generalisation to new voices, not memorisation.

Determinism: every choice above is a pure function of the seed, but eSpeak NG 1.52 (espeakng-loader 0.2.4)
itself is not bitwise reproducible: synthesizing the same text with the same settings twice gives waveforms
that differ from ~75 ms in and lengths that differ by up to ~0.5%, even after espeak_ng_SetRandSeed, libc
srand or re-initialising the library (measured). Re-synthesized features correlate > 0.96 with the stored
ones (other utterances: < 0.3). So two preparations hold the same utterances, not identical bytes.

Features: "features" float16 [F, 40] (F = 10 ms frames), "digits" int32 [L] in 0..9, "voice" the eSpeak
voice name ("en-us+m3"). Preparation takes ~20 s on one core.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow_datasets as tfds

from jaxdl.data import audio, espeak

NUM_TRAIN, NUM_TEST, SEED = 1600, 400, 0
MAX_DIGITS = 7
WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ACCENTS = ("en", "en-us", "en-gb-x-rp", "en-gb-scotland", "en-029", "en-us-nyc", "en-gb-x-gbclan")
_SPLIT_IDS = {"train": 0, "test": 1}


def split_variants(split: str) -> list[str]:
    """The voice variants of `split`: every fourth shipped variant (sorted) is held out for test."""
    all_variants = espeak.variants()
    held_out = all_variants[3::4]
    return held_out if split == "test" else [v for v in all_variants if v not in held_out]


@dataclasses.dataclass(frozen=True)
class Utterance:
    """Everything that determines one example: the digits and how they are spoken."""

    digits: tuple[int, ...]
    voice: str  # "accent+variant"
    rate: int  # words per minute
    pitch: int  # 0..99
    word_gap: int  # extra pause between words, x 10 ms
    silence: tuple[float, float]  # seconds of silence before / after
    snr_db: float  # signal-to-noise ratio of the added white noise
    noise_seed: int

    @property
    def text(self) -> str:
        return " ".join(WORDS[d] for d in self.digits)


def draw_utterance(split: str, index: int, variants: list[str] | None = None) -> Utterance:
    """Utterance `index` of `split`, a pure function of (SEED, split, index)."""
    rng = np.random.default_rng([SEED, _SPLIT_IDS[split], index])
    variants = variants if variants is not None else split_variants(split)
    n = int(rng.integers(1, MAX_DIGITS + 1))
    return Utterance(
        digits=tuple(int(d) for d in rng.integers(0, 10, n)),
        voice=f"{ACCENTS[rng.integers(len(ACCENTS))]}+{variants[rng.integers(len(variants))]}",
        rate=int(rng.integers(130, 230)),
        pitch=int(rng.integers(20, 80)),
        word_gap=int(rng.integers(0, 5)),
        silence=(float(rng.uniform(0.0, 0.2)), float(rng.uniform(0.0, 0.2))),
        snr_db=float(rng.uniform(10.0, 40.0)),
        noise_seed=int(rng.integers(2**31)),
    )


def render(u: Utterance) -> np.ndarray:
    """float32 [S] at 16 kHz: the utterance's speech with its silences and noise."""
    speech = audio.resample(espeak.synthesize(u.text, u.voice, u.rate, u.pitch, u.word_gap), espeak.SAMPLE_RATE)
    before, after = (np.zeros(int(s * audio.SAMPLE_RATE), np.float32) for s in u.silence)
    x = np.concatenate([before, speech, after])
    power = float(np.mean(speech.astype(np.float64) ** 2)) + 1e-12
    noise = np.random.default_rng(u.noise_seed).standard_normal(len(x)) * np.sqrt(power / 10 ** (u.snr_db / 10))
    return (x + noise).astype(np.float32)


def example(u: Utterance) -> dict[str, np.ndarray | str]:
    """The stored features of one utterance (the float16 rounding is part of the features: transcribe
    applies it too)."""
    return {"features": audio.log_mel(render(u)).astype(np.float16),
            "digits": np.array(u.digits, np.int32), "voice": u.voice}


_NAME_TAKEN = "spoken_digits" in tfds.list_builders(with_community_datasets=False)


class SpokenDigits(tfds.core.GeneratorBasedBuilder, skip_registration=_NAME_TAKEN):
    """Digit strings (1-7 digits) spoken by eSpeak NG voices, as log-mel features; test voices held out."""

    name = "spoken_digits"
    VERSION = tfds.core.Version("1.0.0")
    code_path = None  # downloads nothing, so no checksums file; see jaxdl/data/load.py on TFDS#11212
    RELEASE_NOTES = {"1.0.0": "1600 train / 400 test utterances, eSpeak NG via espeakng-loader, seed 0."}

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=self.__doc__,
            features=tfds.features.FeaturesDict({
                "features": tfds.features.Tensor(shape=(None, audio.N_MELS), dtype=np.float16),
                "digits": tfds.features.Tensor(shape=(None,), dtype=np.int32),
                "voice": tfds.features.Text(),
            }),
            disable_shuffling=True,
        )

    def _split_generators(self, dl_manager):
        del dl_manager
        return {split: self._generate_examples(split, n) for split, n in (("train", NUM_TRAIN), ("test", NUM_TEST))}

    def _generate_examples(self, split, n):
        import threadpoolctl  # a scikit-learn dependency

        variants = split_variants(split)
        # one BLAS thread: waking a thread pool for each small matmul costs ~30x the matmul on a busy CPU
        with threadpoolctl.threadpool_limits(1):
            for i in range(n):
                yield i, example(draw_utterance(split, i, variants))
