"""Tests for mobile/darktable.py: the lut 3D and blend parameter bytes, the style and XMP texts,
and darktable-cli applying them to a real photo as an 8-bit sRGB TIFF and as a DNG."""
import re
import struct
from xml.etree import ElementTree

import numpy as np
import pytest

from exposure.image_io import read_linear
from mobile import darktable, hald, lut
from mobile.srgb import linear_to_srgb, srgb_to_linear
from tests.helpers.random_programs import random_program
from tests.mobile import editors

# What darktable 4.2.1 writes for a new lut 3D instance's blend parameters (darktable:blendop_params
# of its exported XMP): the bytes blend_params() must give.
DARKTABLE_LUT3D_BLEND_TEXT = "gz10eJxjYGBgYAFiCQYYOOHEgAZY0QVwggZ7CB6pfOygYtaVAyCMi08IAAB/xiOk"
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_DT = "{http://darktable.sf.net/}"


def test_lut3d_params_are_darktables_version_3_struct():
    data = darktable.lut3d_params("films/edit.png")
    assert len(data) == 512 + 3 * 4 + 2048 * 2 * 3 + 128
    path, colorspace, interpolation, keypoints = struct.unpack_from("<512s3i", data)
    assert path.rstrip(b"\0") == b"films/edit.png"
    assert (colorspace, interpolation, keypoints) == (0, 0, 0)  # sRGB, tetrahedral, no G'MIC LUT
    assert not any(data[524:])


def test_blend_params_are_the_bytes_darktable_writes_for_a_new_instance():
    assert darktable.blend_params() == darktable.decode_params(DARKTABLE_LUT3D_BLEND_TEXT)
    assert darktable.encode_params(darktable.blend_params()) == DARKTABLE_LUT3D_BLEND_TEXT


def test_params_text_round_trips_compressed_and_reads_plain_hex():
    data = darktable.lut3d_params("a.png")
    text = darktable.encode_params(data)
    assert text.startswith("gz") and len(text) < 200  # 12940 bytes, nearly all zeros
    assert darktable.decode_params(text) == data
    assert darktable.decode_params("0a0b") == b"\n\x0b"


def test_lut_path_is_stored_relative_to_the_lut_folder(tmp_path):
    assert darktable.lut_path_in_root(tmp_path / "a" / "b.png", tmp_path) == "a/b.png"
    with pytest.raises(darktable.LutPathError, match="not inside"):
        darktable.lut_path_in_root(tmp_path / "b.png", tmp_path / "a")
    with pytest.raises(darktable.LutPathError, match=r"\.png"):
        darktable.lut_path_in_root(tmp_path / "b.cube", tmp_path)
    with pytest.raises(darktable.LutPathError, match="511 bytes"):
        darktable.lut_path_in_root(tmp_path / ("x" * 508 + ".png"), tmp_path)


def test_style_and_xmp_are_xml_with_one_lut3d_step_and_say_what_they_encode():
    comments = ["step 1: Gamma 1/2.00 -- & <more>", hald.INPUT_DESCRIPTION]
    style = ElementTree.fromstring(darktable.style_text("e.png", 'my "look" & co', comments))
    assert style.findtext("info/name") == 'my "look" & co'
    assert style.findtext("info/description") == "; ".join(comments)
    (plugin,) = style.findall("style/plugin")
    assert plugin.findtext("operation") == "lut3d" and plugin.findtext("module") == "3"
    assert darktable.decode_params(plugin.findtext("op_params")) == darktable.lut3d_params("e.png")
    xmp_text = darktable.xmp_text("e.png", comments)
    assert "step 1: Gamma 1/2.00 - - &" in xmp_text  # in a comment, "--" would end it
    (step,) = ElementTree.fromstring(xmp_text).iter(f"{_RDF}li")
    assert step.get(f"{_DT}operation") == "lut3d"
    assert darktable.decode_params(step.get(f"{_DT}params")) == darktable.lut3d_params("e.png")
    assert step.get(f"{_DT}blendop_params") == DARKTABLE_LUT3D_BLEND_TEXT


def _lut3d_params_in_output(png_path):
    """The lut 3D params darktable embeds in the history of an exported PNG."""
    text = png_path.read_bytes().decode("latin-1")
    found = re.search(r'darktable:operation="lut3d".*?darktable:params="([^"]+)"', text, re.S)
    return darktable.decode_params(found.group(1))


@pytest.fixture(scope="module")
def developed(tmp_path_factory):
    """darktable-cli on a real photo, as an 8-bit sRGB TIFF and as a DNG: an XMP for one random
    program, a style for another, and an XMP with the identity CLUT (darktable's own development).

    Returns (photo codes, DNG linear decode, {"xmp"/"style": (program, CLUT, {stem: output})},
    {stem: output of the identity XMP}, the output folder of the XMP run).
    """
    editors.require("darktable-cli")
    root = tmp_path_factory.mktemp("darktable")
    luts = root / "luts"
    luts.mkdir()
    photo = editors.photo_mosaic()
    _, dng = editors.write_inputs(root / "in", photo)
    runs = {}
    for seed, kind in ((31, "xmp"), (32, "style")):
        program = random_program(np.random.default_rng(seed))
        clut = luts / f"edit{seed}.png"
        hald.write(clut, program)
        if kind == "xmp":
            darktable.write_xmp(root / "edit.xmp", clut, luts)
            outputs = editors.darktable(root / "in", root / "xmp", luts, root / "cfg",
                                        xmp=root / "edit.xmp")
        else:
            darktable.write_style(root / "edit.dtstyle", clut, luts, "exposure test")
            outputs = editors.darktable(root / "in", root / "style", luts, root / "cfg",
                                        style_file=root / "edit.dtstyle")
        runs[kind] = (program, clut, outputs)
    hald.write(luts / "identity.png", linear_to_srgb)
    darktable.write_xmp(root / "identity.xmp", luts / "identity.png", luts)
    own = editors.darktable(root / "in", root / "identity", luts, root / "cfg",
                            xmp=root / "identity.xmp")
    return photo, read_linear(dng), runs, own, root / "xmp"


@pytest.mark.parametrize("kind", ["xmp", "style"])
def test_darktable_applies_it_to_an_srgb_tiff_as_the_exact_renderer(developed, kind):
    photo, _, runs, own, _ = developed
    # Before lut 3D, darktable takes the TIFF to its working space and back: no change (measured
    # equal; one code allowed for float rounding on other CPUs).
    assert np.abs(own["srgb"].astype(int) - photo).max() <= 1
    program, clut, outputs = runs[kind]
    # darktable's lookup is tetrahedral in float, rounded: within one code of ours.
    ours = lut.apply(hald.read(clut), photo) * 255
    assert np.abs(outputs["srgb"] - ours).max() <= 1.0
    exact = editors.exact_codes(program, srgb_to_linear(photo / np.float32(255)))
    mean, p99, _ = editors.error_codes(outputs["srgb"], exact)
    mean_bound, p99_bound = hald.ERROR_BOUNDS_CODES
    assert mean <= mean_bound and p99 <= p99_bound, (mean, p99)


def test_darktable_keeps_the_parameters_it_was_given(developed):
    *_, xmp_outputs = developed
    assert _lut3d_params_in_output(xmp_outputs / "srgb.png") == darktable.lut3d_params(
        "edit31.png")


def test_darktable_xmp_on_a_dng_applies_the_program_to_its_own_development(developed, capsys):
    _, dng_linear, runs, own, _ = developed
    program, _, outputs = runs["xmp"]
    on_own = editors.exact_codes(program, srgb_to_linear(own["raw"] / np.float32(255)))
    mean, p99, _ = editors.error_codes(outputs["raw"], on_own)
    mean_bound, p99_bound = hald.ERROR_BOUNDS_CODES
    assert mean <= mean_bound + 0.1 and p99 <= p99_bound, (mean, p99)
    reference = editors.exact_codes(program, dng_linear)
    apply_error = editors.error_codes(outputs["raw"], reference, border=4)
    carried = editors.error_codes(on_own, reference, border=4)
    with capsys.disabled():
        print(f"\ndarktable-cli .xmp on DNG vs exposure_apply --exact: mean {apply_error[0]:.2f} "
              f"p99 {apply_error[1]:.0f} max {apply_error[2]:.0f} codes (program on darktable's "
              f"own development: mean {carried[0]:.2f})")
    assert apply_error[0] <= carried[0] + mean_bound + 0.1

