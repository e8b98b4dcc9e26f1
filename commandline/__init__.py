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
and `run()` = `run_main(main, __name__)`. Flags that several commands take are defined once, by a
function decorated with `shared_flags` (here: `progress_flag`, `overwrite_flag`, and
`max_image_pixels_flag` of every command that reads photos).

TensorFlow's start-up log lines (CUDA probing such as "E0000 ... failed call to cuInit", CPU
feature and oneDNN notices, absl's "All log messages before absl::InitializeLog()", grappler's
"remapper failed", the checkpoint writer's "Sharding callback duration") are hidden unless the
command line gives `--verbosity` (`-v`): importing this module, before TensorFlow is imported,
sets TF_CPP_MIN_LOG_LEVEL and silences the native libraries while `tensorflow` is first
imported, and `run_main` raises the `tensorflow` Python logger to WARNING and drops the INFO lines
that TensorFlow's modules log through absl's logger. Each package's `cli/__init__.py` imports this
module, so it comes first. A TF_CPP_MIN_LOG_LEVEL already in the environment is kept.

This package depends on absl and on `mobile.pixel_limit` (the image-size limit whose flag it
defines; that module imports Pillow only); `mobile` (which imports nothing from agan, exposure or
export) can use it. Beside it: `commandline.model_lock` (one run at a time in a model folder) and
`commandline.checkpoints` (the newest intact checkpoint; imports TensorFlow).
"""
import contextlib
import functools
import importlib.abc
import importlib.machinery
import logging
import os
import sys

from absl import app, flags

from mobile import pixel_limit

EXIT_DONE = 0
EXIT_SOME_INPUTS_FAILED = 1
EXIT_USAGE = 2  # usage errors and bad input

TF_LOG_LEVEL = "TF_CPP_MIN_LOG_LEVEL"  # 0 all, 1 no INFO, 2 no WARNING, 3 no ERROR

# Flags defined by the functions of this module belong to the command module that calls them.
flags.disclaim_key_flags()


class BadInput(Exception):
    """Bad input the user can fix (a missing file, a bad model): `run_main` prints
    `<command>: error: <message>` on stderr and exits with EXIT_USAGE, without the usage text."""


def requested_verbosity(argv):
    """The absl `--verbosity` / `-v` value on the command line `argv` (an int), or None.

    Read before flags are parsed (TensorFlow reads its log level when it is imported, before
    that), so a --verbosity inside a --flagfile is not seen here.
    """
    for index, arg in enumerate(argv[1:], start=1):
        if arg == "--":
            break
        name, equals, value = arg.lstrip("-").partition("=")
        if not arg.startswith("-") or name not in ("verbosity", "v"):
            continue
        if not equals:
            value = argv[index + 1] if index + 1 < len(argv) else ""
        try:
            return int(value)
        except ValueError:
            return None  # absl reports the bad value when it parses the flags
    return None


def tensorflow_log_level(argv, environ):
    """TF_CPP_MIN_LOG_LEVEL for a command line `argv` and environment `environ` (a str).

    --verbosity=N gives max(0, min(3, -N)) (absl's 0 = INFO shows every line, -1 = WARNING from
    warnings on, -2 from errors); otherwise a level already in `environ` is kept; otherwise 3
    (none of TensorFlow's INFO, WARNING or ERROR lines).
    """
    verbosity = requested_verbosity(argv)
    if verbosity is not None:
        return str(max(0, min(3, -verbosity)))
    return environ.get(TF_LOG_LEVEL, "3")


@contextlib.contextmanager
def _stderr_silenced():
    """Points file descriptor 2 at os.devnull in the body (native code writes there directly)."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


class _SilentLoader(importlib.abc.Loader):
    """Executes a module with stderr silenced, then hands the module back to its own loader."""

    def __init__(self, loader):
        self._loader = loader

    def __getattr__(self, name):  # get_filename, is_package, get_resource_reader, ...
        return getattr(self._loader, name)

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        try:
            with _stderr_silenced():
                self._loader.exec_module(module)
        finally:
            module.__loader__ = module.__spec__.loader = self._loader


class _SilentTensorFlowImport(importlib.abc.MetaPathFinder):
    """Finds `tensorflow` once, with a loader that silences stderr while it is imported: its
    native libraries log as they load (CUDA probing, CPU features), before TF_CPP_MIN_LOG_LEVEL is
    applied. An import error still raises, and is reported, once stderr is back."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _SilentLoader(spec.loader)
        return spec


def _quiet_tensorflow():
    """Applies `tensorflow_log_level` to this process, before TensorFlow is imported."""
    if "tensorflow" in sys.modules:
        return
    level = tensorflow_log_level(sys.argv, os.environ)
    os.environ[TF_LOG_LEVEL] = level
    if level != "0":
        sys.meta_path.insert(0, _SilentTensorFlowImport())


_quiet_tensorflow()


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


def shared_flags(define):
    """Decorates `define()`, a function that defines flags several commands take and returns
    their holders. Each command module calls it at import: the first call defines the flags, and
    every call makes them key flags of the calling module (its --help lists them), so two such
    commands imported into one process (tests, benchmarks) share one definition."""
    defined = {}

    @functools.wraps(define)
    def declare():
        if not defined:
            before = set(flags.FLAGS)
            defined["holders"] = define()
            defined["names"] = sorted(set(flags.FLAGS) - before)
        for name in defined["names"]:
            flags.declare_key_flag(name)
        return defined["holders"]

    return declare


@shared_flags
def progress_flag():
    """--[no]progress of every command that draws progress bars; returns its FlagHolder."""
    return flags.DEFINE_bool("progress", True, "Show progress bars (on stderr).")


@shared_flags
def overwrite_flag():
    """--[no]overwrite of every command that refuses to replace existing outputs; returns its
    FlagHolder."""
    return flags.DEFINE_bool(
        "overwrite", False, "Replace output files that exist already (an earlier run's). Without "
        "it such a file is refused. Inputs are never replaced.")


def max_image_pixels_flag():
    """--max_image_pixels of every command that reads photos; returns its FlagHolder. The
    command's main passes its value to `mobile.pixel_limit.set_max_pixels`."""
    return flags.DEFINE_integer(
        pixel_limit.FLAG, pixel_limit.DEFAULT_MAX_PIXELS,
        "Largest image to decode, in pixels (width x height), read from each file's header before "
        "decoding: a larger file is reported and skipped (a guard against decompression bombs).",
        lower_bound=1)


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


def _hide_tensorflow_info(record):
    """False for an INFO (or lower) record that TensorFlow's own modules logged through absl (the
    checkpoint writer's "Sharding callback duration" after every save)."""
    tensorflow = sys.modules.get("tensorflow")
    if record.levelno > logging.INFO or tensorflow is None:
        return True
    return not any(record.pathname.startswith(os.path.join(folder, ""))
                   for folder in getattr(tensorflow, "__path__", ()))


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
        if requested_verbosity(sys.argv) is None:  # TensorFlow's Python INFO lines
            logging.getLogger("tensorflow").setLevel(logging.WARNING)
            logging.getLogger("absl").addFilter(_hide_tensorflow_info)
        try:
            return main(argv)
        except app.UsageError as error:
            app.usage(shorthelp=True, detailed_error=f"{command}: error: {error}",
                      exitcode=EXIT_USAGE)
        except BadInput as error:
            print(f"{command}: error: {error}", file=sys.stderr)
            return EXIT_USAGE

    app.run(main_with_exit_statuses, flags_parser=functools.partial(_parse_flags, command))
