"""What the driver (jaxdl/train/run.py) hands the compiled chunk as its data, per pipeline (jaxdl/data/pipeline.py).

- `DeviceFeed`: the whole training split, put on the devices once; each step slices its batch from it inside
  the program with its replica's own data order. Evaluation: the whole padded test split, one group.
- `GrainFeed`: each chunk of n steps gets n global batches [n, B, ...] from this process's Grain stream
  (jaxdl/data/stream.py), placed with the batch axis split over the mesh's "data" axis (each process puts only
  its rows: `jax.make_array_from_process_local_data`). Every replica trains on this one host-fed stream, its
  order drawn from replica 0's data key; replicas still differ by their init and dropout keys. Evaluation:
  the test split streamed in groups of eval batches, the evaluation sums added up on the host.

Both take the same compiled programs (jaxdl/train/loop.py, `make_programs(exp, length)`); only what a chunk's
`data` argument holds differs. The Grain iterator's state goes into every checkpoint (`checkpoint_tree`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jax
import numpy as np
from jax.sharding import NamedSharding, PartitionSpec

from jaxdl.data import stream
from jaxdl.data.pipeline import check_pipeline
from jaxdl.train.loop import pad_for_eval
from jaxdl.train.mesh import fetch
from jaxdl.train.replicas import replica_keys

EVAL_GROUP_BYTES = 64 * 2**20  # host memory of one group of streamed eval batches (about)
# host memory of the training batches decoded ahead: up to one chunk (log_every steps). The loop takes a chunk's
# batches at once, so only batches decoded while the chunk before trained keep the decoding out of the step
AHEAD_BYTES = 256 * 2**20


def add_sums(total, sums):
    """Evaluation sums of two groups of batches added (None: nothing yet)."""
    return sums if total is None else jax.tree_util.tree_map(np.add, total, sums)


class DeviceFeed:
    pipeline = "device"
    stream_note = "each replica's own order (its data key), sliced from the split on the device inside the step"

    def __init__(self, exp):
        self.exp = exp
        self._train = self._test = None

    def start(self, step: int) -> None:
        self._train = self.exp.placement.put(self.exp.dataset.train, self.exp.placement.replicated)
        self.start_eval()

    def start_eval(self) -> None:
        place, cfg = self.exp.placement, self.exp.config
        self._test = place.put(pad_for_eval(self.exp.dataset.test, cfg.eval_batch_size), place.replicated)

    def train_like(self, length: int):
        return self._train

    def train(self, length: int):
        return self._train

    def test_like(self):
        return self._test

    def test(self) -> Iterator:
        yield self._test

    def checkpoint_tree(self) -> dict[str, Any]:
        return {}

    def restore(self, tree: dict[str, Any]) -> None:
        pass

    def close(self) -> None:
        pass


class GrainFeed:
    pipeline = "grain"
    stream_note = ("one host-fed batch stream shared by every replica (order from replica 0's data key); "
                   "replicas differ by their init and dropout keys")

    def __init__(self, exp):
        self.exp = exp
        cfg, place = exp.config, exp.placement
        self.spec = exp.dataset.spec
        _, _, self.workers = check_pipeline(cfg.dataset)
        self.key = np.asarray(replica_keys(exp.replicas[:1])[1][0], np.uint32)
        self.batch, self.eval_batch = cfg.batch_size, cfg.eval_batch_size
        self.sharding = (NamedSharding(place.mesh, PartitionSpec(None, "data")) if place.sharded and "data" in
                         place.mesh.axis_names else place.replicated)
        self.shard, self.shards = self._rows(self.batch)
        eval_shard = self._rows(self.eval_batch)
        if eval_shard != (self.shard, self.shards):
            raise ValueError(f"eval rows {eval_shard} differ from training rows {(self.shard, self.shards)}")
        batches = -(-self.spec.num_test // self.eval_batch)
        per_batch = self.eval_batch * self.spec.example_bytes
        self.group = max(1, min(batches, EVAL_GROUP_BYTES // per_batch))
        self.groups = -(-batches // self.group)
        self._iter = self._eval_iter = None
        self._state = None

    def _rows(self, batch: int) -> tuple[int, int]:
        """(shard, shards): this process puts rows [shard * b, (shard + 1) * b) of each global batch, b = batch
        / shards (the rows its devices hold under self.sharding)."""
        if self.sharding is None or jax.process_count() == 1:
            return 0, 1
        rows = [idx[1] for idx in self.sharding.addressable_devices_indices_map((1, batch)).values()]
        lo, hi = min(r.start or 0 for r in rows), max(batch if r.stop is None else r.stop for r in rows)
        return lo // (hi - lo), batch // (hi - lo)

    def _put(self, local: dict[str, np.ndarray], batch: int) -> dict[str, jax.Array]:
        """Local rows [n, b, ...] -> global arrays [n, batch, ...] placed with self.sharding."""
        if self.sharding is None:
            return jax.device_put(local)
        return {k: jax.make_array_from_process_local_data(self.sharding, v, (v.shape[0], batch, *v.shape[2:]))
                for k, v in local.items()}

    def _like(self, length: int, batch: int, mask: bool):
        shapes = {"inputs": ((length, batch, *self.spec.input_shape), np.uint8), "label": ((length, batch), np.int32)}
        if mask:
            shapes["mask"] = ((length, batch), np.float32)
        return {k: jax.ShapeDtypeStruct(shape, dtype, sharding=self.sharding) for k, (shape, dtype) in shapes.items()}

    def start(self, step: int) -> None:
        """Starts the worker processes; the training stream resumes where the restored state left it."""
        cfg = self.exp.config
        self._iter = iter(stream.train_stream(
            self.spec, batch=self.batch, steps=max(cfg.steps, step), shard=self.shard, shards=self.shards,
            key=self.key, shuffle=cfg.shuffle, ops=self.exp.augment, workers=self.workers,
            ahead=max(4, min(cfg.log_every, AHEAD_BYTES // (self.batch // self.shards * self.spec.example_bytes)))))
        if self._state is not None:
            self._iter.set_state(self._state)
        elif step:
            raise ValueError(f"resuming at step {step} without the Grain iterator's state")
        self.start_eval()

    def start_eval(self) -> None:
        self._eval_iter = iter(stream.eval_stream(self.spec, batch=self.eval_batch, batches=self.groups * self.group,
                                                  shard=self.shard, shards=self.shards))

    def train_like(self, length: int):
        return self._like(length, self.batch, mask=False)

    def train(self, length: int):
        """The next `length` global batches {"inputs": [length, B, ...], "label": [length, B]}."""
        local = [next(self._iter) for _ in range(length)]
        self._state = self._iter.get_state()
        return self._put({k: np.stack([b[k] for b in local]) for k in ("inputs", "label")}, self.batch)

    def test_like(self):
        return self._like(self.group, self.eval_batch, mask=True)

    def test(self) -> Iterator:
        """The test split in groups of eval batches [group, eval_batch, ...] with "mask"."""
        for _ in range(self.groups):
            local = [next(self._eval_iter) for _ in range(self.group)]
            yield self._put({k: np.stack([b[k] for b in local]) for k in ("inputs", "label", "mask")},
                            self.eval_batch)

    def checkpoint_tree(self) -> dict[str, Any]:
        """{"grain_state": uint8 [STATE_BYTES]}: the iterator's state after the last batch trained on. Every
        process's is the same (each has read as many batches of its own rows), which is checked here."""
        state = stream.encode_state(self._state)
        if jax.process_count() > 1:
            from jax.experimental import multihost_utils

            states = multihost_utils.process_allgather(state)
            if not (states == state).all():
                raise RuntimeError("the processes' Grain iterator states differ")
        return {"grain_state": state}

    def checkpoint_template(self) -> dict[str, Any]:
        return {"grain_state": np.zeros(stream.STATE_BYTES, np.uint8)}

    def restore(self, tree: dict[str, Any]) -> None:
        self._state = stream.decode_state(fetch(tree["grain_state"]))

    def close(self) -> None:
        for it in (self._iter, self._eval_iter):
            if it is not None and hasattr(it, "close"):
                stream.close(it)
        self._iter = self._eval_iter = None


DeviceFeed.checkpoint_template = DeviceFeed.checkpoint_tree


def make_feed(exp):
    """The feed of the experiment's pipeline (exp.pipeline: "device" or "grain")."""
    return GrainFeed(exp) if exp.pipeline == "grain" else DeviceFeed(exp)


def evaluate_all(evaluate, states, feed) -> dict[str, np.ndarray]:
    """The compiled evaluation over the whole test split: its sums over every group of the feed."""
    total = None
    for batches in feed.test():
        total = add_sums(total, fetch(evaluate(states, batches)))
    return total
