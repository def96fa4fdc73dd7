"""User-facing errors: the CLI prints them as one line on stderr and exits with code 2."""


class UserError(Exception):
    """Bad input from the user (config, override, dataset, workdir). Never a bug in jaxdl."""


class Preempted(Exception):
    """SIGTERM / SIGINT stopped training after a checkpoint at `step`; the CLI exits with 128 + signum."""

    def __init__(self, step: int, signum: int, checkpoint_dir: str):
        super().__init__(f"preempted at step {step}")
        self.step, self.signum, self.checkpoint_dir = step, signum, checkpoint_dir
