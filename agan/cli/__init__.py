"""Command-line entry points of agan: thin absl mains over the library."""
from absl import app


def check_usage(argv, *required):
    """Raises app.UsageError for stray positional arguments or required flags left unset.

    Args:
      argv: the arguments absl passes to main (argv[0] is the program).
      *required: absl FlagHolders that must have a value.

    Required flags are checked here, not with flags.mark_flag_as_required, whose validator would
    fire for every command whose module is imported into the same process (tests, benchmarks).
    """
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    missing = [f"--{holder.name}" for holder in required if holder.value in (None, "")]
    if missing:
        raise app.UsageError(f"required flag(s) not given: {', '.join(missing)}")
