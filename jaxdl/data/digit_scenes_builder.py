"""Digit scenes: an embedded TFDS builder for segmentation and detection, made from sklearn's 8x8 digits.

Each example is a 48x48 grey canvas holding 1-4 upscaled digits at random places with limited overlap,
plus Gaussian noise, with a per-pixel class mask and the digits' boxes. Generated locally, no network,
deterministic (fixed seeds per split).
"""

import numpy as np
import tensorflow_datasets as tfds

SIZE = 48  # canvas height = width
MAX_BOXES = 4  # digits per canvas: 1..MAX_BOXES; box arrays are padded to this length
NUM_CLASSES = 10  # digit classes; the segmentation mask has NUM_CLASSES + 1 values (0 = background)
DIGIT_SIZES = (12, 20)  # an 8x8 digit is upscaled to a side drawn uniformly from [12, 20] pixels
INK = 0.25  # a digit pixel with intensity above this (in [0, 1]) is "ink": it gets the digit's mask class
MAX_OVERLAP = 0.15  # a new box may cover at most this fraction of any placed box (and vice versa)
NOISE_STD = 0.05  # Gaussian pixel noise, in [0, 1] intensity units, before quantizing to uint8
NUM_TRAIN, NUM_TEST = 2000, 500
SEEDS = {"train": 0, "test": 1}
DIGITS_TRAIN = 1437  # scenes of the train split use sklearn digits [:1437], test scenes the rest (as `digits`)


def _upscale(digit: np.ndarray, side: int) -> np.ndarray:
    """Bilinear upscale of an [8, 8] image in [0, 1] to [side, side] (pixel centres aligned)."""
    coords = (np.arange(side) + 0.5) * 8 / side - 0.5
    c = np.clip(coords, 0, 7)
    lo = np.floor(c).astype(int)
    hi = np.minimum(lo + 1, 7)
    w = c - lo
    rows = digit[lo] * (1 - w)[:, None] + digit[hi] * w[:, None]  # [side, 8]
    return rows[:, lo] * (1 - w)[None, :] + rows[:, hi] * w[None, :]


def _overlap_ok(box: np.ndarray, placed: list[np.ndarray]) -> bool:
    for other in placed:
        ih = min(box[2], other[2]) - max(box[0], other[0])
        iw = min(box[3], other[3]) - max(box[1], other[1])
        inter = max(ih, 0) * max(iw, 0)
        area = lambda b: (b[2] - b[0]) * (b[3] - b[1])  # noqa: E731
        if inter > MAX_OVERLAP * min(area(box), area(other)):
            return False
    return True


def make_scenes(digits: np.ndarray, labels: np.ndarray, n: int, seed: int) -> dict[str, np.ndarray]:
    """n scenes from source digits [M, 8, 8] in [0, 1] with labels [M], deterministic in `seed`.

    Returns
      "inputs":       uint8 [n, 48, 48, 1], the canvas (max over digits, plus noise) * 255;
      "segmentation": uint8 [n, 48, 48], 0 = background, 1 + c = ink of a digit of class c; where two
                      digits' ink overlaps, the brighter one's class wins (as in the image);
      "boxes":        float32 [n, 4, 4], (y0, x0, y1, x1) in pixels, the tight box of a digit's ink pixels
                      (a pixel (i, j) is inside when y0 <= i < y1 and x0 <= j < x1); padded rows are 0;
      "box_classes":  int32 [n, 4], digit class in [0, 10) per box, -1 in padded rows;
      "num_boxes":    int32 [n] in [1, 4]; rows [:num_boxes] of boxes and box_classes are valid.
    """
    rng = np.random.default_rng(seed)
    out = {
        "inputs": np.zeros((n, SIZE, SIZE, 1), np.uint8),
        "segmentation": np.zeros((n, SIZE, SIZE), np.uint8),
        "boxes": np.zeros((n, MAX_BOXES, 4), np.float32),
        "box_classes": np.full((n, MAX_BOXES), -1, np.int32),
        "num_boxes": np.zeros((n,), np.int32),
    }
    for i in range(n):
        canvas = np.zeros((SIZE, SIZE))
        owner = np.full((SIZE, SIZE), -1)  # index of the digit whose intensity is the canvas's, per pixel
        placed: list[np.ndarray] = []
        for _ in range(rng.integers(1, MAX_BOXES + 1)):
            source = rng.integers(len(digits))
            patch = _upscale(digits[source], int(rng.integers(DIGIT_SIZES[0], DIGIT_SIZES[1] + 1)))
            ink = patch > INK
            rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
            crop = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))  # tight around the ink
            patch, ink = patch[crop], ink[crop]
            h, w = patch.shape
            for _attempt in range(20):  # rejection sampling of the position; give up on this digit if crowded
                y, x = int(rng.integers(0, SIZE - h + 1)), int(rng.integers(0, SIZE - w + 1))
                box = np.array([y, x, y + h, x + w], np.float32)
                if _overlap_ok(box, placed):
                    break
            else:
                continue
            k = len(placed)
            region = canvas[y:y + h, x:x + w]
            wins = ink & (patch > region)
            owner[y:y + h, x:x + w][wins] = k
            canvas[y:y + h, x:x + w] = np.maximum(region, patch)
            out["boxes"][i, k] = box
            out["box_classes"][i, k] = labels[source]
            placed.append(box)
        out["num_boxes"][i] = len(placed)
        classes = out["box_classes"][i]
        out["segmentation"][i] = np.where(owner >= 0, classes[np.maximum(owner, 0)] + 1, 0)
        noisy = canvas + NOISE_STD * rng.standard_normal(canvas.shape)
        out["inputs"][i, ..., 0] = np.round(np.clip(noisy, 0, 1) * 255).astype(np.uint8)
    return out


def make_splits() -> dict[str, dict[str, np.ndarray]]:
    """Both splits: train scenes from sklearn digits [:1437], test scenes from [1437:]."""
    from sklearn.datasets import load_digits  # lazy: sklearn is slow to import

    d = load_digits()
    images = d.images / 16.0
    return {
        "train": make_scenes(images[:DIGITS_TRAIN], d.target[:DIGITS_TRAIN], NUM_TRAIN, SEEDS["train"]),
        "test": make_scenes(images[DIGITS_TRAIN:], d.target[DIGITS_TRAIN:], NUM_TEST, SEEDS["test"]),
    }


# Register with TFDS (so tfds.builder("digit_scenes") works) unless TFDS already has that name;
# jaxdl always instantiates this class directly, so a same-named TFDS dataset never shadows it.
_NAME_TAKEN = "digit_scenes" in tfds.list_builders(with_community_datasets=False)


class DigitScenes(tfds.core.GeneratorBasedBuilder, skip_registration=_NAME_TAKEN):
    """48x48 canvases with 1-4 of sklearn's 8x8 digits (upscaled to 12-20 px, limited overlap, noise).

    2000 train / 500 test scenes; train scenes use sklearn digits [:1437], test scenes [1437:] (the
    `digits` split, close to writer-disjoint). Features (see `make_scenes`): "inputs" uint8 [48, 48, 1],
    "segmentation" uint8 [48, 48] in [0, 11) with 0 = background and 1 + c = digit c, "boxes" float32
    [4, 4] (y0, x0, y1, x1), "box_classes" int32 [4] (-1 = padding), "num_boxes" int32 [].
    `NUM_CLASSES` = 10 counts the digit classes (what a detector predicts); a segmenter predicts 11.
    """

    name = "digit_scenes"
    VERSION = tfds.core.Version("1.0.0")
    code_path = None  # downloads nothing, so no checksums file; see jaxdl/data/load.py on TFDS#11212
    NUM_CLASSES = NUM_CLASSES  # read by load_dataset (there is no "label" ClassLabel feature to count)
    RELEASE_NOTES = {"1.0.0": "48x48, 1-4 digits of 12-20 px, overlap <= 0.15, noise std 0.05, seeds 0/1."}

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=self.__doc__,
            features=tfds.features.FeaturesDict(
                {
                    "inputs": tfds.features.Tensor(shape=(SIZE, SIZE, 1), dtype=np.uint8),
                    "segmentation": tfds.features.Tensor(shape=(SIZE, SIZE), dtype=np.uint8),
                    "boxes": tfds.features.Tensor(shape=(MAX_BOXES, 4), dtype=np.float32),
                    "box_classes": tfds.features.Tensor(shape=(MAX_BOXES,), dtype=np.int32),
                    "num_boxes": tfds.features.Tensor(shape=(), dtype=np.int32),
                }
            ),
            disable_shuffling=True,  # records stay in generation order
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # nothing to download
        splits = make_splits()
        return {name: self._generate_examples(arrays) for name, arrays in splits.items()}

    def _generate_examples(self, arrays):
        for i in range(len(arrays["num_boxes"])):
            yield i, {k: v[i] for k, v in arrays.items()}
