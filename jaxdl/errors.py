"""User-facing errors: the CLI prints them as one line on stderr and exits with code 2."""


class UserError(Exception):
    """Bad input from the user (config, override, dataset, workdir). Never a bug in jaxdl."""
