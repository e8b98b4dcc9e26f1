"""The command-line layer every console script shares: how a command runs, ends and reports.

Exit status of every command (agan_*, exposure_*, mobile_bundle):

    0  done.
    1  done, but some inputs failed: a batch command reports each failed input and goes on.
    2  stopped before doing the work: a usage error (an unknown flag, a bad flag value, a missing
       required flag, a stray argument) or bad input (a missing or unreadable file, a bad model,
       program or architecture, an output that cannot be written). One message on stderr says
       which flag or file, and what was expected.

`--help` (and --helpshort, --helpfull) prints the command's docstring and flags on stdout and
exits 0.

A command module defines its flags, a `main(argv)` that calls `check_usage` first and raises
`app.UsageError` for a usage error or `BadInput` for bad input, returns one of the statuses above,
and `run()` = `run_main(main, __name__)`.

This package depends on absl only; `mobile` (which imports nothing from agan, exposure or export)
can use it.
"""
import functools
import sys

from absl import app, flags

EXIT_DONE = 0
EXIT_SOME_INPUTS_FAILED = 1
EXIT_USAGE = 2  # usage errors and bad input


class BadInput(Exception):
    """Bad input the user can fix (a missing file, a bad model): `run_main` prints
    `<command>: error: <message>` on stderr and exits with EXIT_USAGE, without the usage text."""


def command_name(module):
    """A command's name: the first word of its module's docstring ("exposure_apply: ...")."""
    return (module.__doc__ or module.__name__).split(":", 1)[0].strip()


def check_usage(argv, *required):
    """Raises app.UsageError for stray positional arguments or the first required flag left unset.

    Args:
      argv: the arguments absl passes to main (argv[0] is the program).
      *required: absl FlagHolders that must have a value.

    Required flags are checked here, not with flags.mark_flag_as_required, whose validator would
    fire for every command whose module is imported into the same process (tests, benchmarks).
    """
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    for holder in required:
        if holder.value in (None, ""):
            raise app.UsageError(f"--{holder.name} is required")


def finish_batch(command, summary, failures):
    """Ends a batch command: prints `command: summary`, then each (input, message) of `failures`
    on stderr; returns EXIT_SOME_INPUTS_FAILED when anything failed, else EXIT_DONE."""
    print(f"{command}: {summary}")
    for source, problem in failures:
        print(f"  failed: {source}: {problem}", file=sys.stderr)
    return EXIT_SOME_INPUTS_FAILED if failures else EXIT_DONE


def _parse_flags(command, argv):
    """absl's flag parsing with the exit statuses above: absl exits 1 after --help and after a
    flag error; here --help exits EXIT_DONE and a flag error EXIT_USAGE, with its message."""
    try:
        return flags.FLAGS(argv)
    except flags.Error as error:
        print(f"{command}: error: {error}\nPass --help to see the flags.", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    except SystemExit as stop:  # only absl's help flags end the parsing; they exit with 1
        sys.exit(EXIT_DONE if stop.code == 1 else stop.code)


def run_main(main, module_name):
    """Runs `main(argv)`, the main of the command defined in module `module_name`, under absl.

    Parses the flags (exit statuses above); `main`'s app.UsageError prints the usage text and the
    message and exits EXIT_USAGE, its BadInput prints the message and exits EXIT_USAGE, and what
    it returns is the exit status. `--help` describes the command: absl prints the main module's
    docstring and key flags, and the main module of an installed console script is its generated
    wrapper, so the command module's docstring and key flags are lent to it.
    """
    module = sys.modules[module_name]
    command = command_name(module)
    for flag in flags.FLAGS.get_key_flags_for_module(module_name):
        flags.FLAGS.register_key_flag_for_module(sys.argv[0], flag)
    main_module = sys.modules["__main__"]
    if main_module.__name__ != module_name:
        main_module.__doc__ = module.__doc__

    def main_with_exit_statuses(argv):
        try:
            return main(argv)
        except app.UsageError as error:
            app.usage(shorthelp=True, detailed_error=f"{command}: error: {error}",
                      exitcode=EXIT_USAGE)
        except BadInput as error:
            print(f"{command}: error: {error}", file=sys.stderr)
            return EXIT_USAGE

    app.run(main_with_exit_statuses, flags_parser=functools.partial(_parse_flags, command))
