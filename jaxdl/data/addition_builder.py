"""Integer addition written as characters ("123+45" -> "168"), an embedded TFDS builder for seq2seq.

Deterministic from SEED: train and test are disjoint sets of (a, b) pairs with a, b in [0, 10**DIGITS).
Features are fixed-length int32 token ids over CHARS (id 0 padding, 1 the decoder's start token, 2 the end
of an answer): "inputs" [2 * DIGITS + 1], "targets" [DIGITS + 2] = the sum's digits, EOS, padding.
"""

import numpy as np
import tensorflow_datasets as tfds

PAD_ID, BOS_ID, EOS_ID = 0, 1, 2
CHARS = ("<pad>", "<bos>", "<eos>", *"0123456789+")
DIGITS = 3
INPUT_LEN, TARGET_LEN = 2 * DIGITS + 1, DIGITS + 2
NUM_TRAIN, NUM_TEST, SEED = 20000, 1000, 0


def encode(text: str, length: int, eos: bool = False) -> np.ndarray:
    """int32 [length]: ids of text's characters (then EOS if asked), padded with PAD_ID."""
    ids = [CHARS.index(ch) for ch in text] + ([EOS_ID] if eos else [])
    return np.array(ids + [PAD_ID] * (length - len(ids)), np.int32)


def decode(ids) -> str:
    """The characters of ids up to the first EOS, padding and BOS dropped."""
    out = []
    for i in np.asarray(ids).tolist():
        if i == EOS_ID:
            break
        if i > EOS_ID:
            out.append(CHARS[i])
    return "".join(out)


def make_pairs() -> dict[str, np.ndarray]:
    """{"train": int [NUM_TRAIN, 2], "test": int [NUM_TEST, 2]}: distinct (a, b) pairs, disjoint splits."""
    rng = np.random.default_rng(SEED)
    codes = rng.choice(10 ** (2 * DIGITS), NUM_TRAIN + NUM_TEST, replace=False)
    pairs = np.stack([codes // 10**DIGITS, codes % 10**DIGITS], axis=1)
    return {"train": pairs[:NUM_TRAIN], "test": pairs[NUM_TRAIN:]}


_NAME_TAKEN = "addition" in tfds.list_builders(with_community_datasets=False)


class Addition(tfds.core.GeneratorBasedBuilder, skip_registration=_NAME_TAKEN):
    """Addition of two integers below 10**3 as character sequences: "inputs" "a+b", "targets" "a+b" digits."""

    name = "addition"
    VERSION = tfds.core.Version("1.0.0")
    code_path = None  # downloads nothing, so no checksums file; see jaxdl/data/load.py on TFDS#11212
    RELEASE_NOTES = {"1.0.0": "20000 train / 1000 test pairs, a, b < 1000, numpy default_rng(0)."}

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=self.__doc__,
            features=tfds.features.FeaturesDict({
                "inputs": tfds.features.Tensor(shape=(INPUT_LEN,), dtype=np.int32),
                "targets": tfds.features.Tensor(shape=(TARGET_LEN,), dtype=np.int32),
            }),
            disable_shuffling=True,
        )

    def _split_generators(self, dl_manager):
        del dl_manager
        pairs = make_pairs()
        return {split: self._generate_examples(p) for split, p in pairs.items()}

    def _generate_examples(self, pairs):
        for i, (a, b) in enumerate(pairs.tolist()):
            yield i, {"inputs": encode(f"{a}+{b}", INPUT_LEN), "targets": encode(str(a + b), TARGET_LEN, eos=True)}
