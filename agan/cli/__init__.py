"""Command-line entry points of agan: thin absl mains over the library."""
import sys

from absl import app, flags


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


def run_main(main, module_name):
    """`app.run(main)` for the command defined in module `module_name`, with a `--help` that
    describes it: absl prints the main module's docstring and flags, and the main module of an
    installed console script is its generated wrapper, so the command module's docstring and key
    flags are lent to it."""
    for flag in flags.FLAGS.get_key_flags_for_module(module_name):
        flags.FLAGS.register_key_flag_for_module(sys.argv[0], flag)
    main_module = sys.modules["__main__"]
    if main_module.__name__ != module_name:
        main_module.__doc__ = sys.modules[module_name].__doc__
    app.run(main)
