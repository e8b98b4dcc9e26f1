"""mobile_bundle: writes the folder an app needs to render programs with the GLSL ES shaders:
manifest.json (uniform layout, colour conventions, predictor mapping), the shader sources and,
for a given program, its uniforms, program.json and its 3D LUT (lut.bin)."""
from absl import flags

from commandline import BadInput, check_usage, run_main
from mobile import bundle
from mobile import lut as lut_lib
from mobile import program as program_lib

_OUTPUT_DIR = flags.DEFINE_string(
    "output_dir", None, "Folder to write the bundle into (created if missing; files of the same "
    "names are replaced atomically).")
_PROGRAM = flags.DEFINE_string(
    "program", None, "Optional program JSON (exposure-program format): adds its uniform values "
    "to the manifest, program.json and its baked 3D LUT lut.bin (a fixed preset).")
_SIDECAR = flags.DEFINE_string(
    "sidecar", None, "Optional predictor sidecar JSON written by exposure_export beside the "
    "model (predictor.tflite.json): adds the predictor filter index -> shader filter id table to the manifest.")
_LUT_SIZE = flags.DEFINE_integer(
    "lut_size", lut_lib.DEFAULT_SIZE, "3D LUT nodes per axis for the LUT path (33 or 65 usual).",
    lower_bound=2, upper_bound=lut_lib.MAX_SIZE)


def main(argv):
    check_usage(argv, _OUTPUT_DIR)
    try:
        program = program_lib.load(_PROGRAM.value) if _PROGRAM.value else None
        sidecar = bundle.load_sidecar(_SIDECAR.value) if _SIDECAR.value else None
    except ValueError as error:  # ProgramError is a ValueError; messages name the file
        raise BadInput(error) from error
    try:
        written = bundle.write_bundle(_OUTPUT_DIR.value, program, sidecar, _LUT_SIZE.value)
    except OSError as error:
        raise BadInput(f"--output_dir: cannot write the bundle: {error}") from error
    for path in written:
        print(path)


def run():
    run_main(main, __name__)


if __name__ == "__main__":
    run()
