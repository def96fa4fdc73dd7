"""Where arrays live: one device (the default), or a `jax.sharding.Mesh` over every device of every process.

`config.mesh` names the axes, e.g. {"data": -1} or {"replica": 2, "data": 4} (-1: the devices left over).
With a mesh, the run's programs (jaxdl/train/loop.py, make_programs) are `jax.jit`s with shardings (no pmap):

- states and data keys, leading replica axis [K, ...]: split over "replica", replicated over "data";
  parameters and optimizer state are therefore whole on every device of a replica's group;
- each global batch [B, ...] (sliced inside the compiled step from the replicated training split) is split
  over "data", so each device computes only its B / data examples; XLA (GSPMD) inserts the gradient
  all-reduce and the cross-device sums of BatchNorm's batch statistics, which are thus over the global batch;
- metrics and evaluation sums come back replicated, so every process can read them.

The axes are `AxisType.Auto`: with JAX's default `Explicit` axes a plain data-parallel Dense layer fails
("Contracting dimensions are sharded"), and sharding-in-types buys nothing for data parallelism.

Multi-process (`jax.distributed`): every process holds the whole (small) training split and test split as
a replicated global array; each device gathers only its shard of every global batch inside the program, so
no process feeds batches per step. Only process 0 writes files (see jaxdl/train/run.py).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import jax
import ml_collections
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import AxisType, Mesh, NamedSharding, PartitionSpec

from jaxdl.errors import UserError

AXES = ("replica", "data")


def mesh_shape(spec: dict[str, int], num_devices: int) -> dict[str, int]:
    """Resolve -1 in `spec` (axis name -> size) against `num_devices`; UserError unless it fits exactly."""
    unknown = sorted(set(spec) - set(AXES))
    if unknown:
        raise UserError(f"unknown mesh axis {unknown[0]!r}; mesh axes are {', '.join(AXES)}")
    sizes = {}
    for name in AXES:
        if name not in spec:
            continue
        size = spec[name]
        if isinstance(size, bool) or not isinstance(size, int) or not (size >= 1 or size == -1):
            raise UserError(f"mesh axis {name!r} must be an integer >= 1 or -1, got {size!r}")
        sizes[name] = size
    wild = [n for n, s in sizes.items() if s == -1]
    if len(wild) > 1:
        raise UserError("at most one mesh axis may be -1")
    known = math.prod(s for s in sizes.values() if s != -1)
    if wild:
        if num_devices % known:
            raise UserError(f"mesh {spec} does not divide the {num_devices} device(s)")
        sizes[wild[0]] = num_devices // known
    if math.prod(sizes.values()) != num_devices:
        raise UserError(f"mesh {spec} needs {math.prod(sizes.values())} devices, there are {num_devices}; "
                        "its sizes must multiply to the device count")
    return sizes


@dataclasses.dataclass(frozen=True)
class Placement:
    """The shardings of one run. `mesh is None`: everything on the default device, plain jit/vmap.

    `pad_to` (CPU default layout, K not a multiple of the devices used): the programs take and give [K]
    arrays whole on every device, and inside pad the replica axis to `pad_to` (repeating the last replica)
    and split that over "replica"; the extra replicas' results are dropped before anything leaves the
    program (`split_replicas`).
    """

    mesh: Mesh | None = None
    pad_to: int | None = None

    @property
    def sharded(self) -> bool:
        return self.mesh is not None

    @property
    def replica_axis(self) -> str | None:
        """vmap's spmd_axis_name: batch constraints inside the vmapped step gain this leading axis."""
        return "replica" if self.sharded and "replica" in self.mesh.axis_names else None

    @property
    def shape(self) -> dict[str, int]:
        """Mesh axis -> size ({}: one device)."""
        return dict(self.mesh.shape) if self.sharded else {}

    def _named(self, *spec) -> NamedSharding:
        return NamedSharding(self.mesh, PartitionSpec(*spec))

    @property
    def per_replica(self) -> NamedSharding | None:
        """For arrays with a leading replica axis [K, ...] (states, data keys) outside the programs."""
        if not self.sharded:
            return None
        return self._named() if self.pad_to else self._named(self.replica_axis)

    def split_replicas(self, fn, replica_args: tuple[int, ...]):
        """`fn` (vmapped over replicas) as a function of [K] arrays whose replicas are split over "replica":
        with `pad_to`, the arguments at `replica_args` are padded to [pad_to] and constrained to the split,
        and every output (each leaf [pad_to, ...]) is cut back to [K]. Without `pad_to`, `fn` itself."""
        if not self.pad_to:
            return fn
        split = self._named("replica")

        def pad(x):
            x = jax.numpy.concatenate([x, jax.numpy.repeat(x[-1:], self.pad_to - x.shape[0], axis=0)])
            return jax.lax.with_sharding_constraint(x, split)

        def wrapped(*args):
            k = jax.tree_util.tree_leaves(args[replica_args[0]])[0].shape[0]
            args = [jax.tree_util.tree_map(pad, a) if i in replica_args else a for i, a in enumerate(args)]
            return jax.tree_util.tree_map(lambda x: x[:k], fn(*args))

        return wrapped

    @property
    def replicated(self) -> NamedSharding | None:
        return self._named() if self.sharded else None

    def constrain_batch(self, batch: Any) -> Any:
        """Inside the (vmapped) step: split a batch's leading example axis [B, ...] over "data"."""
        if not self.sharded or "data" not in self.mesh.axis_names:
            return batch
        return jax.lax.with_sharding_constraint(batch, self._named("data"))

    def put(self, tree: Any, sharding: NamedSharding | None) -> Any:
        """Host values -> global arrays with `sharding` (every process passes the same full values)."""
        if not self.sharded:
            return jax.device_put(tree)

        def one(x):
            x = np.asarray(x)
            return jax.make_array_from_callback(x.shape, sharding, lambda index: x[index])

        return jax.tree_util.tree_map(one, tree)

    def scalar(self, value: int) -> jax.Array:
        """An int32 [] program input (replicated, global when sharded)."""
        return self.put(np.int32(value), self.replicated) if self.sharded else jax.numpy.int32(value)


def fetch(tree: Any) -> Any:
    """Arrays -> numpy on every process (gathered across processes when not all addressable here; then every
    process must call this, as for any collective)."""
    def one(x):
        if isinstance(x, jax.Array) and not x.is_fully_addressable:
            if x.is_fully_replicated:  # e.g. metrics: every process holds the whole value
                return np.asarray(x.addressable_data(0))
            return np.asarray(multihost_utils.process_allgather(x, tiled=True))
        return np.asarray(jax.device_get(x))

    return jax.tree_util.tree_map(one, tree)


def replica_devices(num_replicas: int, num_devices: int) -> tuple[int, int]:
    """(d, padded K): `num_replicas` replicas over d devices, as few replicas per device as the devices
    allow (ceil(K / devices)), on as few devices as give that; K is padded up to a multiple of d when d
    does not divide it (e.g. K = 5 on 2 devices: 3 + 3, one replica computed and dropped)."""
    per = -(-num_replicas // min(num_replicas, num_devices))
    d = -(-num_replicas // per)
    return d, d * per


def auto_placement(num_replicas: int) -> Placement:
    """The layout when `config.mesh` is empty: on CPU the replicas split over the host devices (one per core,
    see jaxdl/platform.py) as a mesh {"replica": d}, (d, padded K) = replica_devices(K, cores); otherwise
    one device.

    Why: XLA:CPU runs the d devices' programs concurrently, so d replica groups train side by side, while on
    one device every small op is split over the cores, which then wait for each other; even a padding
    replica pays (K = 5 on 2 cores: 1.24-1.70x; measured in experiments/RESULTS.md). Replica r's numbers
    may round differently than on one device.
    """
    if jax.default_backend() != "cpu":
        return Placement()
    d, padded = replica_devices(num_replicas, jax.device_count())
    if d == 1:
        return Placement()
    mesh = jax.make_mesh((d,), ("replica",), axis_types=(AxisType.Auto,), devices=jax.devices()[:d])
    return Placement(mesh, pad_to=padded if padded != num_replicas else None)


def build_placement(config: ml_collections.ConfigDict, num_replicas: int, devices=None) -> Placement:
    """The Placement `config.mesh` asks for, after checking it against the devices, replicas and batches.

    `devices`: a compile-only target's devices (jaxdl/bench/aot.py) instead of this process's; there an empty
    `config.mesh` means {"data": -1}, every replica on every device with the batch split over them."""
    spec = dict(config.get("mesh") or {})
    if devices is not None:
        spec = spec or {"data": -1}
    elif not spec:
        if jax.process_count() > 1:
            raise UserError(f"{jax.process_count()} processes need a device mesh, e.g. "
                            "--config.mesh='{\"data\": -1}'")
        return auto_placement(num_replicas)
    one_device = all(type(size) is int and size == 1 for size in spec.values()) and set(spec) <= set(AXES)
    if one_device and jax.process_count() == 1 and devices is None:
        return Placement()  # e.g. {"replica": 1}: everything on one device, whatever the device count
    devices = jax.devices() if devices is None else list(devices)
    sizes = mesh_shape(spec, len(devices))
    if num_replicas % sizes.get("replica", 1):
        raise UserError(f"mesh axis replica={sizes['replica']} does not divide the {num_replicas} replica(s)")
    data = sizes.get("data", 1)
    for key in ("batch_size", "eval_batch_size"):
        if config[key] % data:
            raise UserError(f"{key} {config[key]} is not divisible by the mesh's data axis ({data} devices); "
                            f"{key} is global")
    names = tuple(sizes)
    mesh = jax.make_mesh(tuple(sizes.values()), names, axis_types=(AxisType.Auto,) * len(names), devices=devices)
    return Placement(mesh)


def is_primary() -> bool:
    """Process 0 writes the run directory; the others only compute."""
    return jax.process_index() == 0


def sync(name: str) -> None:
    """A barrier across processes (nothing with one process)."""
    if jax.process_count() > 1:
        multihost_utils.sync_global_devices(name)


def agree(value: int) -> int:
    """The largest of every process's `value` (itself with one process): a decision all processes share,
    e.g. a stop signal that reached only one of them. A collective: every process must call it."""
    if jax.process_count() == 1:
        return int(value)
    return int(np.max(multihost_utils.process_allgather(np.int32(value))))
