"""RawTherapee processing profiles (.pp3) that apply a program as a Hald CLUT, numpy-free.

RawTherapee 5.9 ignores a .cube in a profile without a word (the output equals the input); it
applies a Hald CLUT PNG named in the profile's `[Film Simulation]` section. It converts its
working space to the CLUT's colour space, sRGB-encoded, looks the CLUT up (trilinear) and
converts back, so a CLUT from `mobile/hald.py` gives the program's display output for the
sRGB-encoded values RawTherapee has at that point of its pipeline.

A profile written here holds, besides the CLUT: the neutral value of every tool that RawTherapee's
bundled default raw profiles change (automatic tone curve matching, highlight reconstruction, DCP
tone curve and look table, noise reduction, lens and CA correction, sharpening, demosaic method),
so the CLUT sees RawTherapee's neutral development even when the profile is applied over a default
one (`rawtherapee-cli -d -p`, tested; pasting it in the editor does the same); and sRGB
output, the CLUT's encoding.
"""
import pathlib

from mobile.atomic import atomic_output

PROFILE_VERSION = 349  # [Version] Version= that RawTherapee 5.9 writes (its PPVERSION)
# RawTherapee 5.9 takes a CLUT file whose name (before the extension) ends with one of these
# working-profile names to be in that colour space instead of sRGB (rtengine/clutstore.cc
# splitClutFilename); each was checked with rawtherapee-cli: it shifts the output by 1-12 codes.
WORKING_PROFILE_SUFFIXES = ("ProPhoto", "Adobe RGB", "WideGamut", "BruceRGB", "Beta RGB",
                            "BestRGB", "Rec2020", "ACESp0", "ACESp1")
# Neutral values, as RawTherapee 5.9 writes its neutral profile, of every tool its bundled default
# raw profiles ("Auto-Matched Curve", "Standard Film Curve", ISO Low to High) change; over any of
# them this profile gives the neutral profile's output (checked with -d -p on a DNG).
_NEUTRAL_SECTIONS = (
    ("Exposure", (("Auto", "false"), ("Compensation", "0"), ("Brightness", "0"),
                  ("Contrast", "0"), ("Saturation", "0"), ("Black", "0"),
                  ("HighlightCompr", "0"), ("HistogramMatching", "false"),
                  ("CurveFromHistogramMatching", "false"), ("CurveMode", "Standard"),
                  ("CurveMode2", "Standard"), ("Curve", "0;"), ("Curve2", "0;"))),
    ("HLRecovery", (("Enabled", "false"),)),
    ("Color Management", (("ToneCurve", "false"), ("ApplyLookTable", "false"),
                          ("OutputProfile", "RTv4_sRGB"))),
    ("Directional Pyramid Denoising", (("Enabled", "false"),)),
    ("LensProfile", (("LcMode", "none"),)),
    ("PostDemosaicSharpening", (("Enabled", "false"),)),
    ("RAW", (("CA", "false"),)),
    ("RAW Bayer", (("Method", "amaze"),)),
    ("RAW X-Trans", (("Method", "3-pass (best)"),)),
)


class ProfileError(ValueError):
    """A profile cannot refer to this CLUT file."""


def check_clut_path(clut_path):
    """Returns the absolute path RawTherapee needs for a Hald CLUT PNG.

    RawTherapee resolves a relative CLUT path against its own CLUT folder, not the profile's, and
    ignores a CLUT it cannot find without a word; so profiles hold absolute paths.

    Raises:
      ProfileError naming the file if RawTherapee would read it in another colour space than
      sRGB (its name ends with a WORKING_PROFILE_SUFFIXES entry), or it is not a .png.
    """
    path = pathlib.Path(clut_path).absolute()
    if path.suffix.lower() != ".png":
        raise ProfileError(f"{path}: a RawTherapee Hald CLUT here is a .png, got {path.suffix!r}")
    for suffix in WORKING_PROFILE_SUFFIXES:
        if path.stem.endswith(suffix):
            raise ProfileError(
                f"{path}: RawTherapee reads a CLUT whose name ends with {suffix!r} as {suffix} "
                f"values, not sRGB; rename the CLUT (e.g. {path.stem}_sRGB.png)")
    return path


def profile_text(clut_path, comments=()):
    """The .pp3 text applying the Hald CLUT at `clut_path` at full strength (module doc).

    Args:
      clut_path: the Hald CLUT PNG (sRGB in and out); stored as an absolute path.
      comments: lines (without '#') written first, e.g. what program the CLUT encodes.
    """
    clut = check_clut_path(clut_path)
    lines = [f"# {line}" for line in comments]
    lines += ["[Version]", "AppVersion=5.9", f"Version={PROFILE_VERSION}", ""]
    lines += ["[Film Simulation]", "Enabled=true", f"ClutFilename={clut}", "Strength=100", ""]
    for section, keys in _NEUTRAL_SECTIONS:
        lines += [f"[{section}]"] + [f"{key}={value}" for key, value in keys] + [""]
    return "\n".join(lines)


def write_profile(path, clut_path, comments=()):
    """Writes `profile_text(clut_path, comments)` to the .pp3 `path`, atomically."""
    text = profile_text(clut_path, comments)
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
