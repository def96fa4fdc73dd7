"""jaxdl: classic deep-learning systems as pure Flax modules, trained by one vmapped trainer."""

__version__ = "0.1.0"
