"""exposure_preset: writes a retouch program as a Hald CLUT PNG and as presets for photo editors
that apply it: a RawTherapee profile (.pp3), a darktable style (.dtstyle) or XMP sidecar (.xmp).

    exposure_preset --program=edit.json --output=edit.png                     # Hald CLUT only
    exposure_preset --program=edit.json --output=edit.pp3                     # + edit.png
    exposure_preset --program=edit.json --output=edit.dtstyle --output=photo.dng.xmp \\
        --hald=$HOME/luts/edit.png --lut_root=$HOME/luts   # darktable's "3D lut root folder"

The format follows each output's extension. Presets refer to the Hald CLUT (--hald, default the
.png output or the first preset's name with .png): RawTherapee by absolute path, darktable by its
path inside darktable's LUT folder (--lut_root). Existing files are kept unless --overwrite.

Exit status: 0 when everything was written, 2 for a bad program, bad flags or an output that
cannot be written (nothing is written then, except on a failure while writing).
"""

from absl import app, flags

from commandline import BadInput, check_usage, run_main
from mobile import darktable, hald, presets
from mobile import program as program_lib

_PROGRAM = flags.DEFINE_string("program", None, "Program JSON file (an exposure-program document).")
_OUTPUT = flags.DEFINE_multi_string(
    "output", [], "Output file, repeatable: .png (Hald CLUT), .pp3 (RawTherapee), .dtstyle "
    "(darktable style) or .xmp (darktable sidecar).")
_HALD = flags.DEFINE_string(
    "hald", None, "The Hald CLUT PNG the presets load (written too); default the .png output, "
    "else the first preset's path with .png.")
# Parsed here, not by absl, so that a bad value exits with status 2 like every other bad flag.
_LEVEL = flags.DEFINE_string(
    "level", str(hald.DEFAULT_LEVEL),
    f"Hald CLUT level, {hald.LEVELS[0]}..{hald.LEVELS[-1]}: level^2 nodes per axis, a level^3 "
    "pixel square image.")
_BITS = flags.DEFINE_string("bits", str(hald.DEFAULT_BITS), "Hald CLUT bits per channel: 8 or 16.")
_LUT_ROOT = flags.DEFINE_string(
    "lut_root", None, "darktable's LUT folder (preference '3D lut root folder'); the Hald CLUT "
    "must be inside it. Default: the Hald CLUT's folder.")
_STYLE_NAME = flags.DEFINE_string(
    "style_name", None, "Name of the darktable style; default 'exposure <.dtstyle stem>'.")
_OVERWRITE = flags.DEFINE_bool("overwrite", False, "Replace existing output files.")


def _parse_int(holder, check):
    try:
        return check(int(holder.value))
    except ValueError as error:
        detail = error if isinstance(error, hald.HaldError) else f"not an integer: {holder.value!r}"
        raise app.UsageError(f"--{holder.name}: {detail}", exitcode=2) from error


def main(argv):
    check_usage(argv, _PROGRAM)
    if not _OUTPUT.value:
        raise app.UsageError("--output is required (.png, .pp3, .dtstyle or .xmp)", exitcode=2)
    level = _parse_int(_LEVEL, hald.check_level)
    bits = _parse_int(_BITS, hald.check_bits)
    try:
        program = program_lib.load(_PROGRAM.value)
    except program_lib.ProgramError as error:
        raise BadInput(f"bad program: {error}") from error
    try:
        the_plan = presets.plan(_OUTPUT.value, _HALD.value, _LUT_ROOT.value, _OVERWRITE.value)
        written = presets.write(program, the_plan, level, bits, _STYLE_NAME.value)
    except (presets.PresetError, OSError) as error:
        raise BadInput(error) from error
    for path in written:
        print(f"wrote {path}")
    if any(path.suffix.lower() in (".dtstyle", ".xmp") for path in the_plan.presets):
        relative = darktable.lut_path_in_root(the_plan.hald, the_plan.lut_root)
        print(f"darktable loads {relative} from its LUT folder {the_plan.lut_root} "
              "(preferences > processing > 3D lut root folder)")
    return 0


def run():
    run_main(main, __name__)


if __name__ == "__main__":
    run()
