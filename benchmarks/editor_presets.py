"""Measures how closely photo editors reproduce a program from its presets (not a test).

For random 5-step programs (`tests.helpers.random_programs`) on a real photo (four scikit-image photos
tiled, `tests/mobile/editors.photo_mosaic`) as an 8-bit sRGB TIFF and as a DNG mosaicked from it,
writes the level-8 16-bit Hald CLUT and its presets (`mobile.presets`) and runs the real editors:
ffmpeg's haldclut, rawtherapee-cli with the .pp3, darktable-cli with the XMP sidecar and with the
style. Prints |editor - reference| in 8-bit codes: the mean over programs, the worst program's
mean and 99th percentile, and the maximum. References:

    exact        exposure_apply --exact on the same file (8-bit TIFF, or the DNG decoded by rawpy)
    own          the program applied exactly to the editor's own development of the file (the
                 editor run with an identity CLUT): what the preset promises on a raw
    model        (row "model") our tetrahedral lookup of the same CLUT, rounded, no editor
    rawpy        (rows "... development", no program) the editor's own development of the DNG
                 against exposure_apply's decoding of it (rawpy, sRGB-encoded, 8 bits): the
                 difference a program then carries

DNG rows leave out 4 border pixels (RawTherapee crops demosaic borders). Tools not installed are
skipped and named.

    PYTHONPATH=. .venv/bin/python benchmarks/editor_presets.py --programs=10
"""
import pathlib
import shutil
import sys
import tempfile

import numpy as np
from absl import app, flags

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # for tests.mobile.editors

from exposure.image_io import read_linear  # noqa: E402
from mobile import darktable, hald, lut, rawtherapee  # noqa: E402
from mobile.srgb import linear_to_srgb, srgb_to_linear  # noqa: E402
from tests.helpers.random_programs import random_program  # noqa: E402
from tests.mobile import editors  # noqa: E402

_PROGRAMS = flags.DEFINE_integer("programs", 10, "Random programs to measure.", lower_bound=1)
_SEED = flags.DEFINE_integer("seed", 0, "Random seed of the programs.")
_TOOLS = flags.DEFINE_list("tools", ["ffmpeg", "rawtherapee-cli", "darktable-cli"],
                           "Editors to run (the model row is always measured).")


def _editors(tools, root, photo, photo_tif, clut, luts):
    """{editor name: {input stem: codes}} from `tools` for the CLUT file `clut` (inside `luts`);
    `photo` is the codes of `photo_tif`, which shares its folder with the DNG only."""
    out = {"model": {"srgb": lut.apply(hald.read(clut), photo, out_bits=8)}}
    if "ffmpeg" in tools:
        out["ffmpeg haldclut"] = {"srgb": editors.ffmpeg_haldclut(clut, photo_tif, root / "ff")}
    if "rawtherapee-cli" in tools:
        rawtherapee.write_profile(root / "edit.pp3", clut)
        out["rawtherapee .pp3"] = editors.rawtherapee(root / "edit.pp3", photo_tif.parent,
                                                      root / "rt", root)
    if "darktable-cli" in tools:
        darktable.write_xmp(root / "edit.xmp", clut, luts)
        out["darktable .xmp"] = editors.darktable(photo_tif.parent, root / "dtx", luts,
                                                  root / "cfg", xmp=root / "edit.xmp")
        darktable.write_style(root / "edit.dtstyle", clut, luts, f"exposure {clut.stem}")
        out["darktable style"] = editors.darktable(photo_tif.parent, root / "dts", luts,
                                                   root / "cfg", style_file=root / "edit.dtstyle")
    return out


def main(argv):
    del argv
    tools = [tool for tool in _TOOLS.value if shutil.which(tool)]
    if len(tools) < len(_TOOLS.value):
        print(f"not installed, skipped: {', '.join(sorted(set(_TOOLS.value) - set(tools)))}")
    rng = np.random.default_rng(_SEED.value)
    photo = editors.photo_mosaic()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = pathlib.Path(scratch)
        tif, dng = editors.write_inputs(scratch / "in", photo)
        inputs = {"srgb": srgb_to_linear(photo / np.float32(255)), "raw": read_linear(dng)}
        luts = scratch / "luts"
        luts.mkdir()
        hald.write(luts / "identity.png", linear_to_srgb)
        own = _editors(tools, scratch / "identity", photo, tif, luts / "identity.png", luts)
        decoded = np.rint(np.clip(linear_to_srgb(inputs["raw"]), 0, 1) * 255)
        stats = {}
        for name, codes in own.items():
            if "raw" in codes:
                stats[(f"{name} development", "raw", "rawpy")] = [
                    editors.error_codes(codes["raw"], decoded, border=4)]
        for k in range(_PROGRAMS.value):
            program = random_program(rng)
            clut = luts / f"edit{k}.png"
            hald.write(clut, program)
            for name, outputs in _editors(tools, scratch / f"p{k}", photo, tif, clut, luts).items():
                for stem, codes in outputs.items():
                    border = 4 if stem == "raw" else 0
                    exact = editors.exact_codes(program, inputs[stem])
                    stats.setdefault((name, stem, "exact"), []).append(
                        editors.error_codes(codes, exact, border))
                    if stem == "raw":
                        on_own = editors.exact_codes(
                            program, srgb_to_linear(own[name][stem] / np.float32(255)))
                        stats.setdefault((name, stem, "own"), []).append(
                            editors.error_codes(codes, on_own, border))
    print(f"{_PROGRAMS.value} random 5-step programs, level-8 16-bit Hald CLUT, "
          f"{photo.shape[1]}x{photo.shape[0]} photo mosaic; |editor - reference| in 8-bit codes")
    print("| editor | input | reference | mean | worst mean | worst p99 | max |")
    print("|---|---|---|---|---|---|---|")
    for (name, stem, reference), rows in stats.items():
        rows = np.array(rows)
        source = "8-bit sRGB TIFF" if stem == "srgb" else "DNG"
        print(f"| {name} | {source} | {reference} | {rows[:, 0].mean():.2f} | "
              f"{rows[:, 0].max():.2f} | {rows[:, 1].max():.0f} | {rows[:, 2].max():.0f} |")


if __name__ == "__main__":
    app.run(main)
