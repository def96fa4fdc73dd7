"""jaxdl: classic deep-learning systems as pure Flax modules, trained by one vmapped trainer.

Importing jaxdl sets nothing; `jaxdl.platform.configure()` applies its XLA settings (the CLI calls it).
"""

__version__ = "0.1.0"
