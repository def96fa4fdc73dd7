"""Checking a config's model options: one place for the "unknown option" error every builder gives."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jaxdl.errors import UserError


def check_options(model: str, kwargs: dict[str, Any], allowed: Iterable[str]) -> None:
    """Raise UserError naming any key of `kwargs` that model `model` does not accept."""
    allowed = list(allowed)
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        raise UserError(f"model {model!r} has no option {', '.join(unknown)}; valid: {', '.join(allowed)}")


def model_options(model_cfg, task: str, model: str, allowed: Iterable[str]) -> dict[str, Any]:
    """`config.model` without its name, for a task that builds exactly model `model`; checked options."""
    kwargs = dict(model_cfg)
    name = kwargs.pop("name", None)
    if name != model:
        raise UserError(f"task {task!r} needs model.name={model!r}, got {name!r}")
    check_options(model, kwargs, sorted(allowed))
    return kwargs
