"""Finite-difference gradient checking, in float64, for any scalar loss of a params pytree.

For each parameter leaf and a few random unit directions v supported on that leaf, compare the directional
derivative the gradient claims, <g, v>, with the central difference

    (loss(p + εv) - loss(p - εv)) / 2ε        error O(ε² L''') + O(u |L| / ε),  u = 2⁻⁵² in float64

so a leaf with a wrong gradient is named, whatever the model size (two loss evaluations per direction, not
per parameter). Everything runs inside `jax.enable_x64(True)` (a context: global state is restored after)
with the parameters cast to float64; the loss must then compute in its inputs' dtype — for jaxdl models
build them with `dtype=jnp.float64` (e.g. `build_model("cnn1d", 10, dtype=jnp.float64)`) and feed
float64 inputs, otherwise float32 rounding (~1e-7 relative) swamps the check.
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
                    grad_fn: Callable[[Any], Any] | None = None, *, key: jax.Array | None = None,
                    directions: int = 2, eps: float = 1e-6, rtol: float = 1e-6) -> GradCheck:
    """Check `grad_fn(params)` (default `jax.grad(loss_fn)`) against central differences of `loss_fn`.

    loss_fn: params -> scalar; params: any pytree of float arrays (cast to float64 here); grad_fn: params ->
    pytree like params. Relative error per direction: |fd - <g,v>| / max(|fd|, |<g,v>|, 1e-8 · scale),
    scale = the largest |directional derivative| seen, so leaves whose gradient is ~0 are not judged on
    noise. Returns a GradCheck; `assert_gradients_ok` raises with the table instead.
    """
    key = jax.random.PRNGKey(0) if key is None else key
    with jax.enable_x64(True):
        params = jax.tree_util.tree_map(lambda p: jnp.asarray(p, jnp.float64), params)
        grads = (grad_fn or jax.grad(loss_fn))(params)
        leaves, treedef = jax.tree_util.tree_flatten_with_path(params)
        grad_leaves = treedef.flatten_up_to(grads)

        @jax.jit
        def central_difference(params, direction):
            plus = jax.tree_util.tree_map(lambda p, v: p + eps * v, params, direction)
            minus = jax.tree_util.tree_map(lambda p, v: p - eps * v, params, direction)
            return (loss_fn(plus) - loss_fn(minus)) / (2 * eps)

        zeros = [jnp.zeros_like(p) for _, p in leaves]
        pairs = {}  # leaf name -> [(finite difference, analytic)]
        for i, (path, leaf) in enumerate(leaves):
            name = jax.tree_util.keystr(path)
            pairs[name] = []
            for d in range(directions):
                v = jax.random.normal(jax.random.fold_in(jax.random.fold_in(key, i), d), leaf.shape, jnp.float64)
                v = v / jnp.linalg.norm(v)
                direction = treedef.unflatten([v if j == i else z for j, z in enumerate(zeros)])
                fd = float(central_difference(params, direction))
                analytic = float(jnp.vdot(jnp.asarray(grad_leaves[i], jnp.float64), v))
                pairs[name].append((fd, analytic))
    scale = max((max(abs(a), abs(b)) for ps in pairs.values() for a, b in ps), default=0.0)
    floor = max(1e-8 * scale, np.finfo(np.float64).tiny)
    errors = {name: max(abs(fd - an) / max(abs(fd), abs(an), floor) for fd, an in ps) for name, ps in pairs.items()}
    return GradCheck(errors, rtol)


def assert_gradients_ok(loss_fn, params, grad_fn=None, **kwargs) -> GradCheck:
    """`check_gradients`, raising AssertionError with the per-leaf table if any leaf fails."""
    result = check_gradients(loss_fn, params, grad_fn, **kwargs)
    if not result.ok:
        raise AssertionError(str(result))
    return result
