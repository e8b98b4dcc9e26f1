"""Where AGAN dataset readers look for files, and the errors they raise about them."""
import os
import pathlib


class DatasetNotFoundError(FileNotFoundError):
    """A dataset's files are not where they were looked for; the message says what to download."""


class DatasetFormatError(ValueError):
    """A dataset file exists but does not hold what its format promises; the message names it."""


def keras_cache_dir():
    """The Keras datasets cache: ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``."""
    return pathlib.Path(os.environ.get("KERAS_HOME", "~/.keras")).expanduser() / "datasets"
