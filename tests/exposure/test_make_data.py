"""exposure_make_data end to end: the command writes the built-in data and says what it made."""
import json
import subprocess
import sys


def run_command(*args):
    return subprocess.run([sys.executable, "-m", "exposure.cli.make_data", *args],
                          capture_output=True, text=True, timeout=300)


def test_writes_the_dataset_from_a_flagfile_and_prints_it(tmp_path):
    # Four scenes of the pool keep this fast: 1 held out, 2 targets, 1 training (see
    # builtin_data.split_scenes); the whole pool is the default.
    flagfile = tmp_path / "data.flags"
    flagfile.write_text(f"--output_dir={tmp_path / 'data'}\n--seed=3\n"
                        "--photos=astronaut,rocket,chelsea,coffee\n")
    result = run_command(f"--flagfile={flagfile}")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "data" / "manifest.json").read_text())
    assert manifest["seed"] == 3
    inputs = sorted({r["photo"] for r in manifest["inputs"]})
    targets = sorted({r["photo"] for r in manifest["targets"]})
    assert len(inputs) == len(targets) == 2
    assert sorted(inputs + targets) == ["astronaut", "chelsea", "coffee", "rocket"]
    assert "10 input DNG raws" in result.stdout and "10 styled target JPEGs" in result.stdout
    assert f"{inputs[0]}_0..4: " in result.stdout and "CC0-1.0" in result.stdout
    assert "note:" not in result.stdout  # the photos were named: none is left out
    assert sorted(p.stem for p in (tmp_path / "data" / "raw").glob("*.dng")) == [
        f"{name}_{k}" for name in inputs for k in range(5)]
    assert len(list((tmp_path / "data" / "target").glob("*.jpg"))) == 10


def test_unknown_photos_are_a_usage_error(tmp_path):
    result = run_command(f"--output_dir={tmp_path / 'data'}", "--photos=astronaut,lena")
    assert result.returncode != 0
    assert "photos ['astronaut', 'lena']: expected distinct names from astronaut" in result.stderr


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
    assert "--photos" in result.stdout and "summer_1am" in result.stdout
