"""A program as presets for photo editors: one Hald CLUT PNG, and the RawTherapee profile and
darktable style or XMP sidecar that apply it, numpy-free apart from baking the CLUT.

The output format follows the file extension:

    .png      the Hald CLUT itself (`mobile/hald.py`): also ImageMagick's -hald-clut, G'MIC's
              map_clut and ffmpeg's haldclut filter
    .pp3      RawTherapee processing profile (`mobile/rawtherapee.py`)
    .dtstyle  darktable style (`mobile/darktable.py`)
    .xmp      darktable XMP sidecar (`mobile/darktable.py`)

Every file says in a comment (PNG: its Description) which program it encodes and what input it
expects: sRGB-encoded display values, of which the program's input is the sRGB decoding.
"""
import dataclasses
import json
import pathlib

from mobile import darktable, hald, rawtherapee

HALD_SUFFIX = ".png"
PRESET_SUFFIXES = {".pp3": "RawTherapee profile", ".dtstyle": "darktable style",
                   ".xmp": "darktable XMP sidecar"}
# What each editor does before the CLUT, for the comment of its preset.
_BEFORE_THE_CLUT = {
    ".png": "Apply it to sRGB-encoded images (8-bit JPEG/PNG/TIFF).",
    ".pp3": "RawTherapee applies it (Film Simulation) after its own demosaic, white balance and "
            "camera matrix on raws; every other tool is set neutral here, output is sRGB.",
    ".dtstyle": "darktable applies it (lut 3D) after the photo's existing history: on raws its "
                "default development, including exposure and filmic/sigmoid if auto-applied.",
    ".xmp": "darktable applies it (lut 3D) after its basic raw steps only (raw points, white "
            "balance as shot, highlight reconstruction, demosaic, camera matrix), no auto-applied "
            "presets.",
}


class PresetError(ValueError):
    """The outputs asked for cannot be written as given."""


@dataclasses.dataclass(frozen=True)
class Plan:
    """What `write` writes: the Hald CLUT and the presets referring to it (paths as given)."""

    hald: pathlib.Path
    presets: tuple  # Paths with a PRESET_SUFFIXES suffix
    lut_root: pathlib.Path  # darktable's LUT folder, holding `hald`


def plan(outputs, hald_path=None, lut_root=None, overwrite=False):
    """Checks the outputs and names the Hald CLUT the presets load.

    Args:
      outputs: paths, each .png (the Hald CLUT) or a PRESET_SUFFIXES preset; at most one .png.
      hald_path: the Hald CLUT the presets load; default the .png output, else the first
        preset's path with its suffix replaced by .png.
      lut_root: darktable's LUT folder (the Hald must be inside it); default the Hald's folder.
      overwrite: replace existing files; otherwise any existing output is an error.

    Returns:
      Plan.
    Raises:
      PresetError naming the problem (unknown extension, two CLUTs, existing files, a CLUT
      name RawTherapee would misread, a CLUT outside darktable's LUT folder).
    """
    outputs = [pathlib.Path(path) for path in outputs]
    if not outputs:
        raise PresetError("no output given")
    known = (HALD_SUFFIX, *PRESET_SUFFIXES)
    for path in outputs:
        if path.suffix.lower() not in known:
            raise PresetError(f"{path}: unknown preset format {path.suffix or '(no extension)'!r}; "
                              f"use one of {', '.join(known)}")
    cluts = [path for path in outputs if path.suffix.lower() == HALD_SUFFIX]
    presets = tuple(path for path in outputs if path.suffix.lower() != HALD_SUFFIX)
    if len(cluts) > 1 or (cluts and hald_path and pathlib.Path(hald_path) != cluts[0]):
        raise PresetError(f"one Hald CLUT per program: got {[str(p) for p in cluts]}"
                          + (f" and --hald {hald_path}" if hald_path else ""))
    if hald_path is not None:
        hald_file = pathlib.Path(hald_path)
    else:
        hald_file = cluts[0] if cluts else presets[0].with_suffix(HALD_SUFFIX)
    if hald_file.suffix.lower() != HALD_SUFFIX:
        raise PresetError(f"{hald_file}: a Hald CLUT is written as {HALD_SUFFIX}")
    root = pathlib.Path(lut_root) if lut_root is not None else hald_file.absolute().parent
    targets = [hald_file, *presets]
    resolved = [path.absolute() for path in targets]
    if len(set(resolved)) != len(resolved):
        raise PresetError(f"the same file is named twice: {[str(p) for p in targets]}")
    existing = [str(path) for path in targets if path.exists()]
    if existing and not overwrite:
        raise PresetError(f"refusing to overwrite {', '.join(existing)} (give --overwrite)")
    try:
        if any(path.suffix.lower() == ".pp3" for path in presets):
            rawtherapee.check_clut_path(hald_file)
        if any(path.suffix.lower() in (".dtstyle", ".xmp") for path in presets):
            darktable.lut_path_in_root(hald_file, root)
    except ValueError as error:
        raise PresetError(str(error)) from error
    return Plan(hald_file, presets, root)


def comment_lines(program, level, bits, suffix):
    """The lines a file of format `suffix` carries: the program (steps and JSON), the CLUT's
    size, the input it expects and what the editor does before it."""
    document = json.dumps(program.to_dict(), separators=(",", ":"))
    return [f"Exposure program ({len(program.steps)} steps) as a level-{level} {bits}-bit Hald "
            f"CLUT ({level * level} nodes per axis)."] + [
        f"step {i + 1}: {step}" for i, step in enumerate(program.steps)] + [
        hald.INPUT_DESCRIPTION, _BEFORE_THE_CLUT[suffix], f"program: {document}"]


def write(program, the_plan, level=hald.DEFAULT_LEVEL, bits=hald.DEFAULT_BITS, style_name=None):
    """Writes the Hald CLUT of `program`, then each preset of `the_plan`, each atomically.

    Args:
      program: a `mobile.program.Program`.
      the_plan: from `plan`.
      level, bits: the Hald CLUT's level (hald.LEVELS) and bits per channel (8 or 16).
      style_name: the darktable style's name; default "exposure <.dtstyle file stem>".

    Returns:
      the written paths, the Hald CLUT first.
    """
    level, bits = hald.check_level(level), hald.check_bits(bits)
    hald.write(the_plan.hald, program, level, bits, comment_lines(program, level, bits, ".png"))
    for path in the_plan.presets:
        suffix = path.suffix.lower()
        comments = comment_lines(program, level, bits, suffix)
        if suffix == ".pp3":
            rawtherapee.write_profile(path, the_plan.hald, comments)
        elif suffix == ".dtstyle":
            darktable.write_style(path, the_plan.hald, the_plan.lut_root,
                                  style_name or f"exposure {path.stem}", comments)
        else:
            darktable.write_xmp(path, the_plan.hald, the_plan.lut_root, comments)
    return [the_plan.hald, *the_plan.presets]
