"""commandline: usage checks, and the exit statuses of a command run through run_main.

The commands run in child processes: absl's app.run parses the process's flags once.
"""
import subprocess
import sys
import textwrap

import pytest
from absl import app, flags

import commandline

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


def test_command_name_is_the_first_word_of_the_docstring():
    import exposure.cli.apply as apply_cli

    assert commandline.command_name(apply_cli) == "exposure_apply"
