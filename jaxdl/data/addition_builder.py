"""Integer addition written as characters ("123+45" -> "168"), an embedded TFDS builder for seq2seq.

Deterministic from SEED: train and test are disjoint sets of (a, b) pairs with a, b in [0, 10**DIGITS),
and no test pair's swap (b, a) is a train pair either, so a held-out sum is never seen in another order.
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


def make_pairs(digits: int = DIGITS, num_train: int = NUM_TRAIN, num_test: int = NUM_TEST,
               seed: int = SEED) -> dict[str, np.ndarray]:
    """{"train": int [num_train, 2], "test": int [num_test, 2]}: distinct (a, b) pairs, a, b < 10**digits;
    no train pair equals a test pair or a test pair swapped."""
    base = 10**digits
    if num_train + 2 * num_test > base * base:
        raise ValueError(f"{num_train} + 2 * {num_test} pairs do not fit {digits}-digit operands")
    codes = np.random.default_rng(seed).choice(base * base, num_train + 2 * num_test, replace=False)
    test = codes[:num_test]
    held_out = np.union1d(test, (test % base) * base + test // base)  # the test pairs and their swaps
    train = codes[num_test:][~np.isin(codes[num_test:], held_out)][:num_train]
    return {split: np.stack([c // base, c % base], axis=1) for split, c in (("train", train), ("test", test))}


def encode_pairs(pairs, digits: int = DIGITS) -> dict[str, np.ndarray]:
    """pairs int [N, 2] -> {"inputs": int32 [N, 2 * digits + 1] "a+b", "targets": int32 [N, digits + 2]}."""
    pairs = np.asarray(pairs).tolist()
    return {"inputs": np.stack([encode(f"{a}+{b}", 2 * digits + 1) for a, b in pairs]),
            "targets": np.stack([encode(str(a + b), digits + 2, eos=True) for a, b in pairs])}


_NAME_TAKEN = "addition" in tfds.list_builders(with_community_datasets=False)


class Addition(tfds.core.GeneratorBasedBuilder, skip_registration=_NAME_TAKEN):
    """Addition of two integers below 10**3 as character sequences: "inputs" "a+b", "targets" "a+b" digits."""

    name = "addition"
    VERSION = tfds.core.Version("1.1.0")
    code_path = None  # downloads nothing, so no checksums file; see jaxdl/data/load.py on TFDS#11212
    RELEASE_NOTES = {"1.0.0": "20000 train / 1000 test pairs, a, b < 1000, numpy default_rng(0).",
                     "1.1.0": "No train pair is a test pair swapped (b, a)."}

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
        examples = encode_pairs(pairs)
        for i in range(len(pairs)):
            yield i, {"inputs": examples["inputs"][i], "targets": examples["targets"][i]}
