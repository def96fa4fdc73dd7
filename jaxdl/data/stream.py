"""The grain pipeline: batches streamed from a prepared TFDS dataset (array_record, `as_data_source`), no TensorFlow.

For data larger than memory (imagenet2012). Built with Grain's dataset API:

    MapDataset.range(steps).map(_Examples).to_iter_dataset().mp_prefetch(workers)

Element `step` of process p is its local batch: rows [p * b, (p + 1) * b) of global batch `step` (b =
batch_size / P of the P processes), i.e. examples `order(e)[s * B + p * b + r]`, r < b, of the training split,
with e = step // steps_per_epoch and s = step % steps_per_epoch: each epoch is a global permutation `order(e)`
drawn from the run's data key (numpy Philox; the device path's in-graph JAX permutation is another one), its
last N % B examples dropped as on the device path. Reading a batch's records in one call, decoding them (8-bit PNG
by libspng, the rest by PIL) and augmenting (jaxdl/data/host_augment.py, keyed by (data key, step, row)) run in
the `workers` processes. With shuffle=False every epoch reads the stored order, as on the device path.

Evaluation streams the test split the same way (rows split per process), padded with masked zeros to whole
groups of eval batches. Only image classification datasets are read here (`STREAMABLE`).
"""

from __future__ import annotations

import dataclasses
import json
import threading

import numpy as np

from jaxdl.data import host_augment
from jaxdl.data.dataset import Dataset
from jaxdl.errors import UserError

IMAGES = ("cifar10", "cifar100", "fashion_mnist", "kmnist", "mnist", "svhn_cropped")
STREAMABLE = (*IMAGES, "imagenet2012")
_ORDER, _AUGMENT = 0x6F72, 0x6175  # folded into the data key: epoch orders apart from augmentation draws
_OPENING = threading.Lock()  # one data source opened at a time in each process


def streamable(name: str) -> bool:
    return name in STREAMABLE


@dataclasses.dataclass(frozen=True)
class StreamSpec:
    """What the grain path reads: a prepared dataset's train/test splits and the arrays it yields,
    "inputs" uint8 [*input_shape] and "label" int32 []."""

    name: str
    data_dir: str
    splits: tuple[str, str]  # stored (train, test) split names
    input_shape: tuple[int, ...]
    num_classes: int
    num_train: int
    num_test: int
    image_size: int | None = None  # imagenet2012: photos cropped and resized to image_size x image_size

    @property
    def example_bytes(self) -> int:
        return int(np.prod(self.input_shape)) + 4


def _builder(name: str, data_dir: str):
    from jaxdl.data import load

    with load._absl_warnings_off():
        builder = load._builder(name, data_dir)
        if not builder.is_prepared():
            raise UserError(load._not_prepared(name, data_dir))
    return builder


def spec(name: str, data_dir: str, options: dict) -> StreamSpec:
    """The StreamSpec of `name` as prepared in data_dir (its dataset_info only); UserError when it is not
    prepared, not stored as array_record, or given options it does not take."""
    from jaxdl.data import load

    allowed = load._source(name).options
    if set(options) - set(allowed):
        takes = f"only the options {', '.join(allowed)}" if allowed else "no options"
        raise UserError(f"dataset '{name}' takes {takes}, got {', '.join(sorted(options))}")
    builder = _builder(name, data_dir)
    info = builder.info
    if not info.available_file_formats() & load._tfds().core.file_adapters.FileFormat.with_random_access():
        raise UserError(f"dataset '{name}' in {builder.data_dir} is stored as {info.file_format.value}; the grain "
                        f"pipeline reads array_record: prepare it with `jaxdl prepare {name} --data_dir DIR`")
    splits = load._source(name).splits
    missing = [s for s in splits if s not in info.splits]
    if missing:
        raise UserError(f"dataset '{name}' in {builder.data_dir} has no split(s) {missing}")
    image_size = None
    if name == "imagenet2012":
        image_size = options.get("image_size", 224)
        if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 1:
            raise UserError(f"dataset.image_size must be an integer >= 1, got {image_size!r}")
        shape = (image_size, image_size, 3)
    else:
        shape = tuple(info.features["image"].shape)
    return StreamSpec(name, data_dir, tuple(splits), shape, int(info.features["label"].num_classes),
                      int(info.splits[splits[0]].num_examples), int(info.splits[splits[1]].num_examples), image_size)


def decoded_bytes(name: str, data_dir: str, options: dict) -> int | None:
    """Bytes of the decoded train + test arrays of `name` (None when it is not prepared in data_dir)."""
    try:
        s = spec(name, data_dir, options)
    except UserError:
        return None  # the device path's reader reports what is wrong
    return (s.num_train + s.num_test) * s.example_bytes


@dataclasses.dataclass(frozen=True, eq=False)
class StreamedDataset(Dataset):
    """A dataset the grain path streams: `train` and `test` hold only a preview (the first batch, decoded as for
    evaluation: shapes for init and checks), num_train is the whole split's size."""

    spec: StreamSpec | None = None

    @property
    def num_train(self) -> int:
        return self.spec.num_train


def open_streamed(name: str, data_dir: str, options: dict, preview: int) -> StreamedDataset:
    """The StreamedDataset of `name`, its preview the first `preview` examples of each split."""
    from jaxdl.data import load

    s = spec(name, data_dir, options)
    train, test = (_Examples(s, split, 1, 0, 1, (0, 0), shuffle=False, train=False) for split in (0, 1))
    with load._absl_warnings_off():  # TFDS's once-per-process "OpenCV is not installed" (PIL decodes)
        train, test = train.preview(preview), test.preview(preview)
    return StreamedDataset(name=name, train=train, test=test, num_classes=s.num_classes, input_shape=s.input_shape,
                           spec=s)


class _Examples:
    """Local batch `step` of one process's stream -> {"inputs": uint8 [b, *input_shape], "label": int32 [b]
    (, "mask": float32 [b])}, b = batch / shards.

    split 0 (train): rows [shard * b, (shard + 1) * b) of global step `step` of the epoch orders (module
    docstring); train=True augments each example. split 1 (test): the same rows of eval batch `step` in stored
    order, masked zeros past the end. A batch's records are read in one call (array_record reads a batch of
    records at a fraction of the cost of reading them one at a time) and decoded here: the tf.Example parsed
    by protobuf, the image decoded to the array TFDS's own numpy decoder (PIL) gives, without its per-feature machinery.
    Picklable: the data source opens in the worker.
    """

    def __init__(self, spec: StreamSpec, split: int, batch: int, shard: int, shards: int, key, *,
                 shuffle: bool, train: bool, ops: dict | None = None):
        self.spec, self.split, self.batch, self.shard, self.shards = spec, split, batch, shard, shards
        self.key, self.shuffle, self.train, self.ops = tuple(int(k) for k in key), shuffle, train, ops or {}
        self.local = batch // shards
        self.size = spec.num_train if split == 0 else spec.num_test
        self.steps_per_epoch = self.size // batch
        self._source, self._order = None, (None, None)

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("_source", "_order")}

    def __setstate__(self, state):
        self.__dict__.update(state, _source=None, _order=(None, None))

    @property
    def source(self):
        """The split's array_record data source (raw serialized records)."""
        with _OPENING:  # Grain's reader threads ask at once; two threads building TFDS's builder deadlocked
            if self._source is None:
                self._source = _builder(self.spec.name, self.spec.data_dir).as_data_source(
                    split=self.spec.splits[self.split]).data_source
        return self._source

    def order(self, epoch: int) -> np.ndarray:
        """int64 [N]: epoch's global order of the training split."""
        if self._order[0] != epoch:
            rng = np.random.default_rng([*self.key, _ORDER, epoch])
            self._order = (epoch, rng.permutation(self.size))
        return self._order[1]

    def read(self, indices) -> list[tuple[np.ndarray, int]]:
        """(image uint8 [H, W, C], label) of each stored example in `indices`, in that order."""
        indices = [int(i) for i in indices]
        if not indices:  # e.g. a process's rows of the last eval batch, all past the end (array_record refuses [])
            return []
        records = self.source.__getitems__(indices)
        return [_parse(record, self.spec.input_shape[-1]) for record in records]

    def __call__(self, step: int) -> dict[str, np.ndarray]:
        step = int(step)
        rows = self.shard * self.local + np.arange(self.local)
        if self.split == 1:
            index = step * self.batch + rows
            valid = index[index < self.size]
            examples = [self.decode(*e, None) for e in self.read(valid)]
            pad = self.local - len(examples)
            return {"inputs": np.concatenate([_stack(examples, "inputs", self.spec.input_shape, np.uint8),
                                              np.zeros((pad, *self.spec.input_shape), np.uint8)]),
                    "label": np.concatenate([_stack(examples, "label", (), np.int32), np.zeros(pad, np.int32)]),
                    "mask": np.concatenate([np.ones(len(examples), np.float32), np.zeros(pad, np.float32)])}
        epoch, s = divmod(step, self.steps_per_epoch)
        positions = s * self.batch + rows
        index = self.order(epoch)[positions] if self.shuffle else positions
        augments = self.train and bool(self.spec.image_size or self.ops)  # a generator only where drawn from
        examples = [self.decode(image, label, np.random.default_rng([*self.key, _AUGMENT, step, int(row)])
                                if augments else None)
                    for (image, label), row in zip(self.read(index), rows, strict=True)]
        return {"inputs": _stack(examples, "inputs", self.spec.input_shape, np.uint8),
                "label": _stack(examples, "label", (), np.int32)}

    def decode(self, image: np.ndarray, label: int, rng: np.random.Generator | None) -> dict[str, np.ndarray]:
        if self.spec.image_size:
            image = (host_augment.random_resized_crop(image, rng, self.spec.image_size) if rng is not None
                     else host_augment.centre_crop(image, self.spec.image_size))
        elif rng is not None and self.ops:
            image = host_augment.augment_image(image, rng, self.ops)
        return {"inputs": image.reshape(self.spec.input_shape), "label": np.int32(label)}

    def preview(self, n: int) -> dict[str, np.ndarray]:
        """The first n examples in stored order, decoded for evaluation: name -> [n, ...]."""
        examples = [self.decode(*e, None) for e in self.read(range(min(n, self.size)))]
        return {"inputs": _stack(examples, "inputs", self.spec.input_shape, np.uint8),
                "label": _stack(examples, "label", (), np.int32)}


_FORMATS = ("PNG", "JPEG")  # the encodings of TFDS's Image feature: PIL then tries no other format (72 -> 61 us)


def decode_image(encoded: bytes) -> np.ndarray:
    """PNG or JPEG bytes -> uint8 [H, W] or [H, W, C], the array PIL gives (TFDS's numpy decoder uses PIL).

    8-bit PNGs, what TFDS stores for most image datasets, go to libspng (pyspng): 73 -> 11 us per MNIST
    image (2,048 images, both decoders in one process); the decode is the grain path's main host cost."""
    if _plain_png(encoded):
        import pyspng

        return pyspng.load(encoded)
    import io

    import PIL.Image

    with PIL.Image.open(io.BytesIO(encoded), formats=_FORMATS) as image:
        return np.asarray(image, np.uint8)


def _plain_png(encoded: bytes) -> bool:
    """An 8-bit grey, RGB or RGBA PNG (IHDR's bit depth and colour type): pyspng then decodes exactly the array
    PIL gives. The rest go to PIL: pyspng expands palettes, widens 16 bits and rejects grey + alpha."""
    return encoded[:8] == b"\x89PNG\r\n\x1a\n" and len(encoded) > 25 and encoded[24] == 8 and encoded[25] in (0, 2, 6)


def _stack(examples: list[dict], key: str, shape: tuple, dtype) -> np.ndarray:
    return np.stack([e[key] for e in examples]) if examples else np.zeros((0, *shape), dtype)


def _parse(record: bytes, channels: int) -> tuple[np.ndarray, int]:
    """A stored tf.Example -> (image uint8 [H, W, channels], label), as TFDS's numpy decoder (PIL) gives them."""
    from tensorflow_datasets.proto import tf_example_pb2

    feature = tf_example_pb2.Example.FromString(record).features.feature
    image = decode_image(feature["image"].bytes_list.value[0])
    if image.ndim == 2:
        image = image[..., None]
    if image.shape[-1] == 1 and channels != 1:
        image = np.repeat(image, channels, axis=-1)
    return image, int(feature["label"].int64_list.value[0])


def _pipeline(examples: _Examples, length: int, workers: int, repeat: bool = False, ahead: int = 4):
    """An IterDataset of `length` local batches [b, ...] of `examples` (repeated forever with `repeat`), made
    in `workers` processes (0: in threads of this one), up to `ahead` batches before they are asked for."""
    import grain
    from absl import flags

    if workers and not flags.FLAGS.is_parsed():  # Grain 0.2.18's mp_prefetch reads its absl flags, which a program
        flags.FLAGS.mark_as_parsed()  # not run through absl.app never parsed: their defaults are taken as given
    ds = grain.MapDataset.range(length).map(examples)
    if repeat:
        ds = ds.repeat()
    # threads per process: more than the cores only adds switching (the decoders hold the GIL part of the time)
    it = ds.to_iter_dataset(grain.ReadOptions(num_threads=2, prefetch_buffer_size=ahead))
    per_worker = max(2, -(-ahead // max(workers, 1)))
    return it.mp_prefetch(grain.MultiprocessingOptions(num_workers=workers, per_worker_buffer_size=per_worker),
                          worker_init_fn=_init_worker)


def _init_worker(index: int, count: int) -> None:
    """In each worker process: TFDS's absl warnings off (as in the training process, jaxdl.data.load), and an
    exit when the training process is gone: after a kill -9 Grain's workers would live on (holding its
    stdout and stderr open)."""
    import logging
    import os
    import threading
    import time

    logging.getLogger("absl").setLevel(logging.ERROR)
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="jaxdl-parent-watch").start()


def train_stream(spec: StreamSpec, *, batch: int, steps: int, shard: int, shards: int, key, shuffle: bool,
                 ops: dict, workers: int, ahead: int = 4):
    """The training IterDataset of one process: `steps` local batches {"inputs" [b, ...], "label" [b]},
    decoded up to `ahead` batches early."""
    examples = _Examples(spec, 0, batch, shard, shards, key, shuffle=shuffle, train=True, ops=ops)
    return _pipeline(examples, steps, workers, ahead=ahead)


def eval_stream(spec: StreamSpec, *, batch: int, batches: int, shard: int, shards: int, workers: int = 0):
    """The test split as `batches` local eval batches {"inputs", "label", "mask"}, repeated forever (one
    iterator serves every evaluation; each takes exactly `batches`). Decoded in threads of this process by
    default: evaluation is rare, and worker processes would sit idle between evaluations."""
    examples = _Examples(spec, 1, batch, shard, shards, (0, 0), shuffle=False, train=False)
    return _pipeline(examples, batches, workers, repeat=True)


def close(iterator) -> None:
    """Stops an iterator's worker processes. Grain 0.2.18 raises AssertionError ("can only join a started
    process") for a worker that never started (e.g. the run stopped before its first batch); nothing to stop."""
    try:
        iterator.close()
    except AssertionError:
        pass


STATE_BYTES = 4096  # the iterator state, JSON, stored in the checkpoint as uint8 [STATE_BYTES]


def encode_state(state: dict) -> np.ndarray:
    """A Grain iterator state (a JSON-able dict) -> uint8 [STATE_BYTES], zero-padded."""
    raw = json.dumps(state, sort_keys=True).encode()
    if len(raw) > STATE_BYTES:
        raise ValueError(f"Grain iterator state of {len(raw)} bytes exceeds {STATE_BYTES}")
    return np.frombuffer(raw.ljust(STATE_BYTES, b"\0"), np.uint8).copy()


def decode_state(array: np.ndarray) -> dict:
    return json.loads(np.asarray(array, np.uint8).tobytes().rstrip(b"\0").decode())
