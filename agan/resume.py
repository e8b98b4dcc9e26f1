"""What a resumed child GAN run keeps from before: the model it started with and its losses.

`output_dir/model.json` records the settings that shape the checkpoint (`MODEL_FIELDS`: the
architecture, dataset, conditioning and sizes); resuming with another value stops with an error
naming the flag instead of TensorFlow's shape mismatch. `output_dir/history.jsonl` holds one JSON
line per logged step, appended (and flushed to the disk) as it is logged; a resumed run keeps the
lines up to the step it resumes from (later ones belong to steps it repeats), so result.json's
history covers every step since step 0.
"""
import json
import os
import pathlib

from mobile.atomic import write_json_atomically, write_text_atomically

MODEL_FILE = "model.json"
HISTORY_FILE = "history.jsonl"
# TrainConfig fields a checkpoint depends on; each is the agan_train flag of the same name.
MODEL_FIELDS = ("architecture", "dataset", "conditional", "channels", "latent_dim")


def model_settings(config):
    """The `MODEL_FIELDS` of a `train.TrainConfig` whose architecture is an `Architecture`, as
    JSON values."""
    settings = {name: getattr(config, name) for name in MODEL_FIELDS}
    settings["architecture"] = config.architecture.to_json()
    return json.loads(json.dumps(settings))  # as read back: lists, not tuples


def check_same_model(config, output_dir, has_checkpoint):
    """Raises ValueError naming each flag whose value differs from the run saved in `output_dir`
    (when it has a checkpoint); records `config`'s settings when there is no checkpoint yet."""
    path = pathlib.Path(output_dir) / MODEL_FILE
    settings = model_settings(config)
    if not has_checkpoint:
        write_json_atomically(path, settings)
        return
    if not path.is_file():  # a run from before model.json was written: nothing to compare
        return
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{path}: cannot read the settings of the saved run ({error})") from error
    differ = [name for name in MODEL_FIELDS if saved.get(name) != settings[name]]
    if differ:
        details = "; ".join(
            f"--{name}: the saved run's architecture differs" if name == "architecture"
            else f"--{name}: saved {saved.get(name)!r}, now {settings[name]!r}"
            for name in differ)
        raise ValueError(f"{output_dir} holds a run of another model ({details}); use the same "
                         f"flags to resume, or a new --output_dir")


class LossHistory(list):
    """The logged metrics of a run, one dict per logged step with its "step", since step 0: the
    entries of `path` up to `resumed_from_step` (the file is cut back to them), then each one
    `append`ed, which also goes to the file."""

    def __init__(self, path, resumed_from_step):
        self.path = pathlib.Path(path)
        kept = []
        if resumed_from_step and self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:  # the line a killed run was writing
                    continue
                if isinstance(entry, dict) and entry.get("step", 0) <= resumed_from_step:
                    kept.append(entry)
        super().__init__(kept)
        write_text_atomically(self.path, "".join(json.dumps(e) + "\n" for e in kept))

    def append(self, entry):
        super().append(entry)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, (json.dumps(entry) + "\n").encode("utf-8"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
