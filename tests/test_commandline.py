"""commandline: usage checks, the exit statuses of a command run through run_main, and the
quieting of TensorFlow's start-up lines.

The commands run in child processes: absl's app.run parses the process's flags once, and
TensorFlow reads its log level once, when it is imported.
"""
import os
import pathlib
import re
import subprocess
import sys
import textwrap
import types

import pytest
from absl import app, flags

import commandline

ROOT = pathlib.Path(__file__).resolve().parents[1]

_COMMAND = textwrap.dedent('''
    """fake_command: a command whose main does what --case says."""
    from absl import app, flags

    import commandline

    _CASE = flags.DEFINE_enum("case", "done", ["done", "failed", "usage", "bad_input"], "What to do.")
    _SIZE = flags.DEFINE_integer("size", 1, "A bounded number.", lower_bound=1)


    def main(argv):
        commandline.check_usage(argv)
        if _CASE.value == "usage":
            raise app.UsageError("--case=usage: wrong on purpose")
        if _CASE.value == "bad_input":
            raise commandline.BadInput("photo.jpg: not a photo")
        if _CASE.value == "failed":
            return commandline.finish_batch("fake_command", "1 of 2 written",
                                            [("b.jpg", "truncated")])
        print("done")
        return commandline.EXIT_DONE


    if __name__ == "__main__":
        commandline.run_main(main, __name__)
''')


@pytest.fixture(scope="module")
def command(tmp_path_factory):
    path = tmp_path_factory.mktemp("command") / "fake_command.py"
    path.write_text(_COMMAND)

    def run(*args):
        done = subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True,
                              timeout=120)
        return done.returncode, done.stdout, done.stderr

    return run


@pytest.mark.parametrize("args, status, stream, message", [
    ([], 0, "out", "done"),
    (["--case=failed"], 1, "err", "  failed: b.jpg: truncated"),
    (["--case=usage"], 2, "err", "fake_command: error: --case=usage: wrong on purpose"),
    (["--case=bad_input"], 2, "err", "fake_command: error: photo.jpg: not a photo"),
    (["stray"], 2, "err", "fake_command: error: unexpected arguments: stray"),
    (["--size=0"], 2, "err", "fake_command: error: flag --size=0: 0 is not a positive integer"),
    (["--case=maybe"], 2, "err", "fake_command: error: flag --case=maybe: value should be one"),
    (["--no_such_flag"], 2, "err", "fake_command: error: Unknown command line flag"),
    (["--flagfile=/nonexistent.flags"], 2, "err", "fake_command: error:"),
    (["--help"], 0, "out", "fake_command: a command whose main does what --case says."),
    (["--helpfull"], 0, "out", "fake_command: a command whose main does what --case says."),
])
def test_exit_statuses(command, args, status, stream, message):
    code, out, err = command(*args)
    assert code == status, (out, err)
    assert message in {"out": out, "err": err}[stream], (out, err)
    assert "Traceback" not in err


def test_bad_input_gives_one_line_and_a_usage_error_the_usage_text(command):
    _, _, err = command("--case=bad_input")
    assert err.strip() == "fake_command: error: photo.jpg: not a photo"
    _, _, err = command("--case=usage")
    assert "  --case: <done|failed|usage|bad_input>: What to do." in err


def test_check_usage_names_stray_arguments_and_the_first_missing_flag():
    holder = flags.DEFINE_string("test_commandline_required", None, "A required flag.")
    other = flags.DEFINE_string("test_commandline_other", None, "Another one.")
    try:
        flags.FLAGS(["prog"])
        with pytest.raises(app.UsageError, match="unexpected arguments: a b"):
            commandline.check_usage(["prog", "a", "b"])
        with pytest.raises(app.UsageError, match="^--test_commandline_required is required$"):
            commandline.check_usage(["prog"], holder, other)
        flags.FLAGS(["prog", "--test_commandline_required=x"])
        with pytest.raises(app.UsageError, match="^--test_commandline_other is required$"):
            commandline.check_usage(["prog"], holder, other)
    finally:
        flags.FLAGS.unparse_flags()


def test_shared_flags_are_defined_once_and_listed_by_every_command_that_takes_them():
    @commandline.shared_flags
    def tiny_flags():
        return flags.DEFINE_integer("test_commandline_shared", 3, "A shared flag.")

    holders = {}
    try:
        for name in ("fake_command_a", "fake_command_b"):
            module = types.ModuleType(name)
            module.tiny_flags = tiny_flags
            sys.modules[name] = module
            exec("HOLDER = tiny_flags()", module.__dict__)
            holders[name] = module.HOLDER
        assert holders["fake_command_a"] is holders["fake_command_b"]
        for name in holders:
            listed = [flag.name for flag in flags.FLAGS.get_key_flags_for_module(name)]
            assert listed == ["test_commandline_shared"]
    finally:
        for name in holders:
            del sys.modules[name]
        delattr(flags.FLAGS, "test_commandline_shared")


def test_command_name_is_the_first_word_of_the_docstring():
    module = types.ModuleType("exposure.cli.apply", "exposure_apply: applies a program: ...")
    assert commandline.command_name(module) == "exposure_apply"


@pytest.mark.parametrize("argv, verbosity", [
    (["prog"], None),
    (["prog", "--verbosity=1"], 1),
    (["prog", "--verbosity", "-1"], -1),
    (["prog", "-v", "0"], 0),
    (["prog", "-v=2", "--other=3"], 2),
    (["prog", "--v=-2"], -2),
    (["prog", "--verbosity=loud"], None),
    (["prog", "--", "--verbosity=1"], None),
    (["prog", "--vertical=1"], None),
])
def test_requested_verbosity_reads_the_command_line(argv, verbosity):
    assert commandline.requested_verbosity(argv) == verbosity


@pytest.mark.parametrize("argv, environ, level", [
    (["prog"], {}, "3"),
    (["prog"], {"TF_CPP_MIN_LOG_LEVEL": "1"}, "1"),
    (["prog", "--verbosity=0"], {"TF_CPP_MIN_LOG_LEVEL": "3"}, "0"),
    (["prog", "--verbosity=1"], {}, "0"),
    (["prog", "--verbosity=-1"], {}, "1"),
    (["prog", "--verbosity=-2"], {}, "2"),
    (["prog", "--verbosity=-9"], {}, "3"),
])
def test_tensorflow_log_level_follows_verbosity_then_the_environment(argv, environ, level):
    assert commandline.tensorflow_log_level(argv, environ) == level


# What TensorFlow and its native libraries print while starting: absl/glog lines such as
# "I0000 00:00:1796159199.739964 7099 cudart_stub.cc:31] ..." or "E0000 ... cuInit", and notices.
TENSORFLOW_LOG_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d|absl::InitializeLog|oneDNN|cuInit|"
                                 r"remapper|cpu_feature_guard", re.MULTILINE)


def _environment(**extra):
    """os.environ without a TF_CPP_MIN_LOG_LEVEL (tests/conftest.py sets one), plus `extra`."""
    environ = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    environ["PYTHONPATH"] = os.pathsep.join([*extra.pop("path", []), str(ROOT)])
    return {**environ, **extra}


def test_a_command_that_runs_tensorflow_prints_none_of_its_log_lines(tmp_path):
    code = "import sys; from agan.cli.make_data import run; sys.argv[0] = 'agan_make_data'; run()"
    done = subprocess.run(
        [sys.executable, "-c", code, "--num_samples=16", f"--output_dir={tmp_path}"],
        capture_output=True, text=True, env=_environment(), timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "builtin.npz").is_file()
    assert not TENSORFLOW_LOG_LINE.search(done.stderr), done.stderr[-3000:]


def test_tensorflow_import_is_silenced_but_its_errors_are_not(tmp_path):
    fake = tmp_path / "tensorflow"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        "import os, sys\n"
        "os.write(2, b'I0000 00:00:17.0 1 cudart_stub.cc:31] Could not find cuda drivers\\n')\n"
        "if 'broken' in sys.argv:\n"
        "    raise ImportError('this tensorflow is broken')\n")
    code = ("import sys, commandline, tensorflow; "
            "print(type(tensorflow.__loader__).__name__, type(tensorflow.__spec__.loader).__name__)")
    for args, verbosity_shows_it in ((["fine"], False), (["fine", "--verbosity=0"], True)):
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                              env=_environment(path=[str(tmp_path)]), timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["SourceFileLoader", "SourceFileLoader"]
        assert ("cudart_stub" in done.stderr) == verbosity_shows_it, done.stderr
    done = subprocess.run([sys.executable, "-c", code, "broken"], capture_output=True, text=True,
                          env=_environment(path=[str(tmp_path)]), timeout=120)
    assert done.returncode == 1
    assert "ImportError: this tensorflow is broken" in done.stderr
    assert "cudart_stub" not in done.stderr


def test_tensorflows_python_info_lines_are_hidden_unless_verbosity_is_given(tmp_path):
    """A real checkpoint write (TensorFlow's saver logs through absl) and the `tensorflow`
    logger's INFO lines are hidden; warnings and the command's own absl INFO lines are not."""
    code = ("import logging, sys, commandline\n"
            "from absl import logging as absl_logging\n"
            "def main(argv):\n"
            "    import tensorflow as tf\n"
            "    tf.train.Checkpoint(v=tf.Variable(1.0)).write(sys.argv[1])\n"
            "    logging.getLogger('tensorflow').info('a tensorflow info line')\n"
            "    logging.getLogger('tensorflow').warning('a tensorflow warning')\n"
            "    absl_logging.info('the command says')\n"
            "    return 0\n"
            "commandline.run_main(main, '__main__')\n")
    for args, shown in (([], False), (["--verbosity=0"], True)):
        done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "ckpt"), *args],
                              capture_output=True, text=True, env=_environment(), timeout=120)
        assert done.returncode == 0, done.stderr
        assert ("Sharding callback duration" in done.stderr) == shown, done.stderr
        assert ("a tensorflow info line" in done.stderr) == shown, done.stderr
        assert "a tensorflow warning" in done.stderr and "the command says" in done.stderr
