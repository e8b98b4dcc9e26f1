"""Command-line entry points of exposure: thin absl mains over the library, and the flags several
of them take (each defined once here, listed in the --help of every command that calls it).

Exit statuses, --help and the quieting of TensorFlow's start-up lines are commandline's; importing
it here, before any command module imports TensorFlow, is what makes the quieting work.
"""
import dataclasses
from typing import NamedTuple

from absl import app, flags

import commandline
from exposure import train_config
from exposure.image_io import DEFAULT_DEMOSAIC, DEMOSAIC_ALGORITHMS, TIFF_ENCODINGS


class PhotoBatchFlags(NamedTuple):
    """The FlagHolders of a command that writes retouched photos (exposure_apply, _retouch)."""
    input: flags.FlagHolder
    output: flags.FlagHolder
    format: flags.FlagHolder
    bits: flags.FlagHolder
    tiff_encoding: flags.FlagHolder
    demosaic: flags.FlagHolder
    strip: flags.FlagHolder


@commandline.shared_flags
def photo_batch_flags():
    """--input, --output, --format, --bits, --tiff_encoding, --demosaic and --strip."""
    return PhotoBatchFlags(
        input=flags.DEFINE_string(
            "input", None,
            "A photo (RAW, TIFF, PNG or JPEG) or a folder of photos (searched recursively)."),
        output=flags.DEFINE_string(
            "output", None,
            "Output file for a photo (.jpg/.jpeg, .png, .tif/.tiff decide the format) or output "
            "folder for a folder (same relative names, extension from --format). Inputs are never "
            "overwritten."),
        format=flags.DEFINE_enum(
            "format", "jpg", ["jpg", "png", "tif"], "Output format for a folder input."),
        bits=flags.DEFINE_enum(
            "bits", None, ["8", "16"],
            "Bits per channel of PNG/TIFF output; default 8 for PNG, 16 for TIFF (JPEG is always "
            "8)."),
        tiff_encoding=flags.DEFINE_enum(
            "tiff_encoding", "srgb", list(TIFF_ENCODINGS),
            "Encoding of 16-bit/float TIFF and PNG inputs (8-bit files are always sRGB, RAW is "
            "linear)."),
        demosaic=flags.DEFINE_enum(
            "demosaic", DEFAULT_DEMOSAIC, list(DEMOSAIC_ALGORITHMS),
            "libraw demosaic algorithm for RAW inputs. The default, ppg, was as fast as linear "
            "(the fastest) and the closest to the true scene (docs/benchmarks.md#full-resolution-speed); ahd is "
            "libraw's own default."),
        strip=flags.DEFINE_bool(
            "strip", False,
            "Also write the step strip <output stem>.strip.png beside each output."),
    )


class TrainingFlags(NamedTuple):
    """The FlagHolders of a command that trains the agent (exposure_train, exposure_benchmark):
    one per `TrainConfig` field (`settings`, by field name), --cache_dir and --stop_after."""
    settings: dict
    cache_dir: flags.FlagHolder
    stop_after: flags.FlagHolder

    def config(self):
        """The TrainConfig the flags describe; raises app.UsageError naming the bad flag."""
        values = {name: flag.value for name, flag in self.settings.items()}
        try:
            return train_config.TrainConfig(**values)
        except ValueError as error:
            raise app.UsageError(f"--{error}") from error


def _define_setting(field):
    """The flag of one TrainConfig field, with the field's name, default and help text."""
    help_text = field.metadata["help"]
    if field.type is tuple:
        return flags.DEFINE_list(field.name, list(field.default), help_text)
    if field.type is bool:
        return flags.DEFINE_bool(field.name, field.default, help_text)
    if field.type is int:
        return flags.DEFINE_integer(field.name, field.default, help_text)
    if field.type is float:
        return flags.DEFINE_float(field.name, field.default, help_text)
    return flags.DEFINE_string(field.name, field.default, help_text)


@commandline.shared_flags
def training_flags():
    """One flag per TrainConfig field (defaults: the paper's), --cache_dir and --stop_after."""
    return TrainingFlags(
        settings={field.name: _define_setting(field)
                  for field in dataclasses.fields(train_config.TrainConfig)},
        cache_dir=flags.DEFINE_string(
            "cache_dir", None, "Folder of the decoded-patch cache (default: exposure.cache's)."),
        stop_after=flags.DEFINE_integer(
            "stop_after", None, "Stop this run after this many iterations (a checkpoint is "
            "written; run again to go on). Default: run to --iterations.", lower_bound=1),
    )
