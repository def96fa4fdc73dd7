"""Text classification data: a deterministic word-level vocabulary and fixed-length token arrays.

`read_text_classification` turns a TFDS text dataset (features "text", "label"; e.g. imdb_reviews) into a
`TextDataset`: inputs int32 [N, max_len] token ids, padded with PAD_ID at the end and truncated to the
first max_len words, and the `Vocabulary` built from the training split alone. The vocabulary is saved in
the run directory (vocab.json) so evaluation later encodes text the same way.
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
PAD, UNK = "<pad>", "<unk>"
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
_HTML_BREAK = re.compile(r"<br\s*/?>")  # imdb_reviews keeps <br /> line breaks
VOCAB_FILE = "vocab.json"


def words(text: str | bytes) -> list[str]:
    """Lowercased words (letters, digits, inner apostrophes) of one text, in order."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return _WORD.findall(_HTML_BREAK.sub(" ", text.lower()))


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """tokens[i] is the word of id i; ids 0 and 1 are reserved for padding and unknown words."""

    tokens: tuple[str, ...]

    @classmethod
    def build(cls, texts, max_size: int) -> Vocabulary:
        """The max_size - 2 most frequent words of `texts`, ties broken alphabetically (deterministic)."""
        if max_size < 3:
            raise UserError(f"vocab_size must be >= 3 (pad, unknown and one word), got {max_size}")
        counts = collections.Counter(w for text in texts for w in words(text))
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: max_size - 2]
        return cls((PAD, UNK, *(w for w, _ in ranked)))

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, texts, max_len: int) -> np.ndarray:
        """int32 [len(texts), max_len]: each text's first max_len word ids, then PAD_ID."""
        index = {w: i for i, w in enumerate(self.tokens)}
        out = np.full((len(texts), max_len), PAD_ID, np.int32)
        for row, text in enumerate(texts):
            ids = [index.get(w, UNK_ID) for w in words(text)[:max_len]]
            out[row, : len(ids)] = ids
        return out

    def decode(self, ids) -> str:
        """Space-joined words of a row of ids, padding dropped."""
        return " ".join(self.tokens[i] for i in np.asarray(ids).tolist() if i != PAD_ID)

    def save(self, path: str) -> None:
        with open(path, "w") as f:
            json.dump({"pad_id": PAD_ID, "unk_id": UNK_ID, "tokens": list(self.tokens)}, f)

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
