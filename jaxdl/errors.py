"""User-facing errors: the CLI prints them as one line on stderr and exits with code 2."""


class UserError(Exception):
    """Bad input from the user (config, override, dataset, workdir). Never a bug in jaxdl."""


class Preempted(Exception):
    """SIGTERM / SIGINT stopped training after a checkpoint at `step`; the CLI exits with 128 + signum."""

    def __init__(self, step: int, signum: int, checkpoint_dir: str):
        super().__init__(f"preempted at step {step}")
        self.step, self.signum, self.checkpoint_dir = step, signum, checkpoint_dir


class StorageError(Exception):
    """A run file or checkpoint could not be written (disk full, read-only, no permission) after the run
    started; the message says what and where. The CLI prints it as one line and exits with code 4."""


class Interrupted(Exception):
    """SIGTERM / SIGINT before the first training step: nothing was saved; the CLI exits with 128 + signum."""

    def __init__(self, signum: int):
        super().__init__(f"interrupted by signal {signum}")
        self.signum = signum
