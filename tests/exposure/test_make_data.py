"""exposure_make_data end to end: the command writes the built-in data and says what it made."""
import json
import subprocess
import sys


def run_command(*args):
    return subprocess.run([sys.executable, "-m", "exposure.cli.make_data", *args],
                          capture_output=True, text=True, timeout=300)


def test_writes_the_dataset_from_a_flagfile_and_prints_it(tmp_path):
    flagfile = tmp_path / "data.flags"
    flagfile.write_text(f"--output_dir={tmp_path / 'data'}\n--seed=3\n")
    result = run_command(f"--flagfile={flagfile}")
    assert result.returncode == 0, result.stderr
    assert "20 input DNG raws" in result.stdout and "15 styled target JPEGs" in result.stdout
    assert str(tmp_path / "data" / "raw" / "astronaut_0.dng") in result.stdout
    manifest = json.loads((tmp_path / "data" / "manifest.json").read_text())
    assert manifest["seed"] == 3
    assert len(list((tmp_path / "data" / "raw").glob("*.dng"))) == 20
    assert len(list((tmp_path / "data" / "target").glob("*.jpg"))) == 15


def test_missing_output_dir_is_a_usage_error():
    result = run_command()
    assert result.returncode != 0 and "output_dir" in result.stderr


def test_output_dir_that_is_a_file_is_named(tmp_path):
    (tmp_path / "taken").write_text("x")
    result = run_command(f"--output_dir={tmp_path / 'taken'}")
    assert result.returncode != 0 and "taken exists and is not a folder" in result.stderr


def test_help_describes_the_flags():
    result = run_command("--helpshort")  # absl prints the help and exits with status 1
    assert "--output_dir" in result.stdout and "--seed" in result.stdout
