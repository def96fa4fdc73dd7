"""Finite-difference gradient checking, in float64, for any scalar loss of a params pytree.

For each parameter leaf and a few random unit directions v supported on that leaf, compare the directional
derivative the gradient claims, <g, v>, with the central difference

    (loss(p + εv) - loss(p - εv)) / 2ε        error O(ε² L''') + O(u |L| / ε),  u = 2⁻⁵² in float64

so a leaf with a wrong gradient is named, whatever the model size (two loss evaluations per direction, not
per parameter), and the loss compiles once. Everything runs inside `jax.enable_x64(True)` (a context:
global state is restored after) with the parameters cast to float64; the loss must then compute in its
inputs' dtype — for jaxdl models build them with `dtype=jnp.float64` (e.g. `build_model("cnn1d", 10,
dtype=jnp.float64)`) and feed float64 inputs, otherwise float32 rounding (~1e-7 relative) swamps the check.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


@dataclasses.dataclass
class GradCheck:
    """Per leaf (by key path): the worst relative error over the checked directions."""

    errors: dict[str, float]
    rtol: float

    @property
    def ok(self) -> bool:
        return all(e <= self.rtol for e in self.errors.values())

    @property
    def failed(self) -> list[str]:
        return [k for k, e in self.errors.items() if not e <= self.rtol]

    def __str__(self) -> str:
        lines = [f"{'FAIL' if not e <= self.rtol else 'ok  '} {k}: relative error {e:.2e}"
                 for k, e in self.errors.items()]
        return f"gradient check (rtol {self.rtol:g}):\n" + "\n".join(lines)


def check_gradients(loss_fn: Callable[[Any], jax.Array], params: Any,
                    grad_fn: Callable[[Any], Any] | None = None, *, seed: int = 0,
                    directions: int = 2, eps: float = 1e-6, rtol: float = 1e-6) -> GradCheck:
    """Check `grad_fn(params)` (default `jax.grad(loss_fn)`) against central differences of `loss_fn`.

    loss_fn: params -> scalar; params: any pytree of float arrays (cast to float64 here); grad_fn: params ->
    pytree like params. A leaf's error: max over its directions of |fd - <g,v>| / max(|g_leaf|, |fd|, floor),
    floor = 1e-8 · the largest leaf gradient norm, so leaves whose gradient is ~0 are not judged on noise.
    `seed` draws the random directions. Returns a GradCheck; `assert_gradients_ok` raises with the
    per-leaf table instead.
    """
    rng = np.random.default_rng(seed)  # directions: an explicit generator, no global state
    with jax.enable_x64(True):
        params = jax.tree_util.tree_map(lambda p: jnp.asarray(p, jnp.float64), params)
        paths, treedef = jax.tree_util.tree_flatten_with_path(params)
        grads = treedef.flatten_up_to(jax.device_get(jax.jit(grad_fn or jax.grad(loss_fn))(params)))

        @jax.jit  # compiled once: every leaf's directions are full pytrees, zero outside the leaf
        def central_difference(params, direction):
            plus = jax.tree_util.tree_map(lambda p, v: p + eps * v, params, direction)
            minus = jax.tree_util.tree_map(lambda p, v: p - eps * v, params, direction)
            return (loss_fn(plus) - loss_fn(minus)) / (2 * eps)

        zeros = [np.zeros(p.shape) for _, p in paths]
        results = []  # per leaf: (finite differences [directions], <g, v> [directions], |g|)
        for i, (_, leaf) in enumerate(paths):
            g = np.asarray(grads[i], np.float64).ravel()
            fd, an = [], []
            for _ in range(directions):
                v = rng.standard_normal(leaf.size)
                v /= np.linalg.norm(v)
                direction = treedef.unflatten([v.reshape(leaf.shape) if j == i else z for j, z in enumerate(zeros)])
                fd.append(float(central_difference(params, direction)))
                an.append(float(v @ g))
            results.append((np.array(fd), np.array(an), np.linalg.norm(g)))
    names = [jax.tree_util.keystr(path) for path, _ in paths]
    # |fd - <g,v>| relative to the leaf's gradient norm |g| (>= |<g,v>|): a random unit direction can be
    # nearly orthogonal to g, and then the error relative to <g,v> itself is noise.
    scale = max((float(n) for _, _, n in results), default=0.0)
    floor = max(1e-8 * scale, np.finfo(np.float64).tiny)  # leaves whose gradient is ~0 are judged absolutely
    errors = {name: float(np.max(np.abs(fd - an)) / max(float(n), float(np.max(np.abs(fd))), floor))
              for name, (fd, an, n) in zip(names, results, strict=True)}
    return GradCheck(errors, rtol)


def assert_gradients_ok(loss_fn, params, grad_fn=None, **kwargs) -> GradCheck:
    """`check_gradients`, raising AssertionError with the per-leaf table if any leaf fails."""
    result = check_gradients(loss_fn, params, grad_fn, **kwargs)
    if not result.ok:
        raise AssertionError(str(result))
    return result
