"""Text data: a deterministic word-level vocabulary and fixed-length token arrays.

`read_text_classification` turns a TFDS text dataset (features "text", "label"; e.g. imdb_reviews) into a
`TextDataset`: inputs int32 [N, max_len] token ids, padded with PAD_ID at the end and truncated to the
first max_len words, and the `Vocabulary` built from the training split alone. The vocabulary is saved in
the run directory (vocab.json) so evaluation later encodes text the same way.
`read_translation` does the same for a TFDS translation dataset (e.g. ted_hrlr_translate/pt_to_en), with
the token conventions of jaxdl's seq2seq model (SEQ2SEQ_SPECIALS).
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import re

import numpy as np

from jaxdl.data.dataset import Dataset
from jaxdl.errors import UserError

PAD_ID, UNK_ID = 0, 1
PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
# seq2seq (jaxdl.models.seq2seq, jaxdl.data.addition_builder): 0 padding, 1 decoder start, 2 end, 3 unknown
SEQ2SEQ_SPECIALS = (PAD, BOS, EOS, UNK)
# Unicode letters and digits (not only ASCII: Portuguese "não" is one word), inner apostrophes kept
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_HTML_BREAK = re.compile(r"<br\s*/?>")  # imdb_reviews keeps <br /> line breaks
VOCAB_FILE = "vocab.json"


def words(text: str | bytes) -> list[str]:
    """Lowercased words (letters, digits, inner apostrophes) of one text, in order."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return _WORD.findall(_HTML_BREAK.sub(" ", text.lower()))


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """tokens[i] is the word of id i. The first tokens are reserved (`specials`): by default padding (0)
    and unknown (1); for seq2seq SEQ2SEQ_SPECIALS, padding 0, start 1, end 2, unknown 3."""

    tokens: tuple[str, ...]

    @classmethod
    def build(cls, texts, max_size: int, specials: tuple[str, ...] = (PAD, UNK)) -> Vocabulary:
        """`specials`, then the max_size - len(specials) most frequent words of `texts`, ties broken
        alphabetically (deterministic)."""
        if max_size < len(specials) + 1:
            raise UserError(f"vocab_size must be >= {len(specials) + 1} ({', '.join(specials)} and one word), "
                            f"got {max_size}")
        counts = collections.Counter(w for text in texts for w in words(text))
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: max_size - len(specials)]
        return cls((*specials, *(w for w, _ in ranked)))

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def unk_id(self) -> int:
        return self.tokens.index(UNK)

    def encode(self, texts, max_len: int, eos: bool = False) -> np.ndarray:
        """int32 [len(texts), max_len]: each text's first word ids, then (if `eos`) the end token, then
        PAD_ID. With `eos` a text keeps max_len - 1 words, so every row holds its end token."""
        index = {w: i for i, w in enumerate(self.tokens)}
        unk, end = self.unk_id, [index[EOS]] if eos else []
        out = np.full((len(texts), max_len), PAD_ID, np.int32)
        for row, text in enumerate(texts):
            ids = [index.get(w, unk) for w in words(text)[: max_len - len(end)]] + end
            out[row, : len(ids)] = ids
        return out

    def decode(self, ids) -> str:
        """Space-joined words of a row of ids, padding dropped (and, when the vocabulary has an end token,
        everything from the first end token on)."""
        out = []
        for i in np.asarray(ids).tolist():
            if self.tokens[i] == EOS:
                break
            if i != PAD_ID:
                out.append(self.tokens[i])
        return " ".join(out)

    def save(self, path: str) -> None:
        with open(path, "w") as f:
            json.dump({"pad_id": PAD_ID, "unk_id": self.unk_id, "tokens": list(self.tokens)}, f)

    @classmethod
    def load(cls, path: str) -> Vocabulary:
        with open(path) as f:
            return cls(tuple(json.load(f)["tokens"]))


@dataclasses.dataclass(frozen=True, eq=False)
class TextDataset(Dataset):
    """A Dataset whose inputs are token ids int32 [N, max_len], with the vocabulary that made them."""

    vocabulary: Vocabulary | None = None

    def write_artifacts(self, workdir: str) -> None:
        """Saves the vocabulary as <workdir>/vocab.json (read it back with Vocabulary.load)."""
        self.vocabulary.save(os.path.join(workdir, VOCAB_FILE))


def read_text_classification(sources, name: str, num_classes: int, *, max_len: int = 256,
                             vocab_size: int = 20000) -> TextDataset:
    """TextDataset from (train, test) TFDS data sources of {"text": str|bytes, "label": int}."""
    if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1:
        raise UserError(f"dataset.max_len must be an integer >= 1, got {max_len!r}")
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int):
        raise UserError(f"dataset.vocab_size must be an integer, got {vocab_size!r}")
    splits = []
    for source in sources:
        examples = source.__getitems__(list(range(len(source))))
        splits.append(([e["text"] for e in examples], np.array([int(e["label"]) for e in examples], np.int32)))
    (train_texts, train_labels), (test_texts, test_labels) = splits
    vocab = Vocabulary.build(train_texts, vocab_size)
    return TextDataset(
        name=name,
        train={"inputs": vocab.encode(train_texts, max_len), "label": train_labels},
        test={"inputs": vocab.encode(test_texts, max_len), "label": test_labels},
        num_classes=num_classes,
        input_shape=(max_len,),
        vocabulary=vocab,
    )


def _check_length(key: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UserError(f"dataset.{key} must be an integer >= 1, got {value!r}")
    return value


def read_translation(sources, name: str, source_lang: str, target_lang: str, *, max_len: int = 32,
                     target_max_len: int = 32, vocab_size: int = 8000) -> TextDataset:
    """TextDataset for seq2seq from (train, test) TFDS data sources of {source_lang: text, target_lang: text}.

    One vocabulary (SEQ2SEQ_SPECIALS, then the vocab_size - 4 most frequent words of both languages' train
    texts) serves the encoder and the decoder: "inputs" int32 [N, max_len] (source words, truncated,
    padded), "targets" int32 [N, target_max_len] (target words, at most target_max_len - 1, then EOS, then
    padding). num_classes is the vocabulary size.
    """
    _check_length("max_len", max_len)
    if _check_length("target_max_len", target_max_len) < 2:
        raise UserError(f"dataset.target_max_len must be >= 2 (a word and the end token), got {target_max_len}")
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int):
        raise UserError(f"dataset.vocab_size must be an integer, got {vocab_size!r}")
    splits = []
    for source in sources:
        examples = source.__getitems__(list(range(len(source))))
        splits.append(([e[source_lang] for e in examples], [e[target_lang] for e in examples]))
    (train_src, train_tgt), (test_src, test_tgt) = splits
    vocab = Vocabulary.build([*train_src, *train_tgt], vocab_size, specials=SEQ2SEQ_SPECIALS)

    def split(src, tgt):
        return {"inputs": vocab.encode(src, max_len), "targets": vocab.encode(tgt, target_max_len, eos=True)}

    return TextDataset(
        name=name,
        train=split(train_src, train_tgt),
        test=split(test_src, test_tgt),
        num_classes=len(vocab),
        input_shape=(max_len,),
        vocabulary=vocab,
    )
