"""darktable styles (.dtstyle) and XMP sidecars that apply a program through the `lut 3D` module,
numpy-free.

darktable keeps a module's settings as the bytes of its C parameter struct, written as text: hex,
or "gz" + a two-digit compression factor + base64 of the zlib stream (common/exif.cc,
dt_exif_xmp_encode). The `lut 3D` module (iop/lut3d.c; parameters version 3, as darktable 4.2.1
reads and writes them) reads a Hald CLUT PNG (8 or 16 bits, at most 256 nodes per axis) from a
path relative to its LUT folder (preference "3D lut root folder", configuration key
plugins/darkroom/lut3d/def_path). It converts the working space to the LUT's colour space (here
sRGB, with its transfer curve), looks the LUT up (here tetrahedral) and converts back. In the
default pipe order it runs after the tone mappers (filmic, sigmoid, base curve) and before the
output profile, so it sees display-referred values, as a CLUT from `mobile/hald.py` expects.

* A style adds `lut 3D` to whatever the photo's history already is: on a JPEG or TIFF that is
  darktable's input and output profiles alone (no change to the pixels); on a raw, darktable's
  default development (demosaic, white balance, camera matrix, and for the default
  scene-referred workflow exposure +0.7 EV and filmic, which run before `lut 3D`).
* An XMP sidecar is the photo's whole history: darktable's basic raw steps (raw black/white
  point, white balance as shot, highlight reconstruction, demosaic, input and output profile)
  with no auto-applied presets (neither the workflow's nor the user's own), then `lut 3D`. On a
  raw it comes closest to `exposure_apply`, whose raw decoding is the same steps (by rawpy).
"""
import base64
import math
import pathlib
import struct
import xml.sax.saxutils
import zlib

from mobile.atomic import atomic_output

LUT3D_VERSION = 3  # dt_iop_lut3d_params_t version (DT_MODULE_INTROSPECTION in iop/lut3d.c)
# char filepath[512]; int colorspace, interpolation, nb_keypoints; char c_clut[2048 * 2 * 3];
# char lutname[128]: 12940 bytes, little-endian, no padding.
_LUT3D_PARAMS = struct.Struct("<512s3i12288s128s")
_LUT3D_SRGB = 0  # dt_iop_lut3d_colorspace_t DT_IOP_SRGB
_LUT3D_TETRAHEDRAL = 0  # dt_iop_lut3d_interpolation_t DT_IOP_TETRAHEDRAL
BLEND_VERSION = 11  # dt_develop_blend_params_t version darktable 4.2.1 writes (develop/blend.h)
# dt_develop_blend_params_t v11: mask_mode, blend_cst, blend_mode, blend_parameter, opacity,
# mask_combine, mask_id, blendif, feathering_radius, feathering_guide, blur_radius, contrast,
# brightness, details, reserved[3], blendif_parameters[64], blendif_boost_factors[16],
# raster_mask_source[20], raster_mask_instance, raster_mask_id, raster_mask_invert: 420 bytes.
_BLEND_PARAMS = struct.Struct("<IiIffIIIfIffff3I64f16f20s3i")
_BLEND_RGB_SCENE = 4  # DEVELOP_BLEND_CS_RGB_SCENE, lut 3D's blending colour space
_BLEND_NORMAL = 24  # DEVELOP_BLEND_NORMAL2
_MASK_GUIDE_IN_AFTER_BLUR = 5  # dt_develop_feathering_guide_t default
_BOOST_LOG2_PERCENT = math.log2(1 / 100)  # default boost of blendif channels 8, 9, 12, 13 (Jz, Cz)
XMP_VERSION = 5  # darktable:xmp_version darktable 4.2.1 writes
IOP_ORDER_V30 = 2  # dt_iop_order_t DT_IOP_ORDER_V30, the pipe order of new edits since 3.0
MAX_LUT_PATH_BYTES = 511  # filepath[512] with its terminating NUL


class LutPathError(ValueError):
    """A LUT path cannot be stored in darktable's parameters."""


def encode_params(data):
    """darktable's text for parameter bytes: "gz", the compression factor min(len / packed + 1,
    99) as two digits, base64 of the zlib stream (default level, as darktable compresses)."""
    packed = zlib.compress(data)
    return f"gz{min(len(data) // len(packed) + 1, 99):02d}" + base64.b64encode(packed).decode()


def decode_params(text):
    """Parameter bytes from darktable's text (gz-compressed or plain hex)."""
    if text.startswith("gz"):
        return zlib.decompress(base64.b64decode(text[4:]))
    return bytes.fromhex(text)


def lut_path_in_root(clut_path, lut_root):
    """The path darktable's lut 3D module stores for `clut_path`: relative to `lut_root` (its LUT
    folder), '/'-separated.

    Raises:
      LutPathError if the file is not a .png inside `lut_root` or the path is too long.
    """
    clut, root = pathlib.Path(clut_path).absolute(), pathlib.Path(lut_root).absolute()
    if clut.suffix not in (".png", ".PNG"):
        raise LutPathError(f"{clut}: darktable reads a Hald CLUT from a .png, got {clut.suffix!r}")
    if not clut.is_relative_to(root):
        raise LutPathError(f"{clut}: darktable reads LUTs from inside its LUT folder; this file "
                          f"is not inside {root}")
    relative = clut.relative_to(root).as_posix()
    if len(relative.encode("utf-8")) > MAX_LUT_PATH_BYTES:
        raise LutPathError(f"{relative}: darktable stores at most {MAX_LUT_PATH_BYTES} bytes of "
                          "LUT path")
    return relative


def lut3d_params(relative_path):
    """The lut 3D parameter bytes: the LUT at `relative_path` (in the LUT folder), sRGB,
    tetrahedral, not a compressed G'MIC LUT."""
    name = relative_path.encode("utf-8")
    if not 0 < len(name) <= MAX_LUT_PATH_BYTES or b"\x00" in name:
        raise LutPathError(f"{relative_path!r}: a LUT path has 1-{MAX_LUT_PATH_BYTES} bytes")
    return _LUT3D_PARAMS.pack(name, _LUT3D_SRGB, _LUT3D_TETRAHEDRAL, 0, b"", b"")


def blend_params():
    """The blend parameter bytes darktable 4.2 gives a new lut 3D instance: blending off
    (mask_mode 0), normal mode, opacity 100%; they leave the module's output unchanged."""
    parameters = [0.0, 0.0, 1.0, 1.0] * 16  # every channel's band passes everything
    boost = [0.0] * 16
    for channel in (8, 9, 12, 13):
        boost[channel] = _BOOST_LOG2_PERCENT
    return _BLEND_PARAMS.pack(0, _BLEND_RGB_SCENE, _BLEND_NORMAL, 0.0, 100.0, 0, 0, 0, 0.0,
                              _MASK_GUIDE_IN_AFTER_BLUR, 0.0, 0.0, 0.0, 0.0, 0, 0, 0,
                              *parameters, *boost, b"", 0, 0, 0)


def _escape(text):
    return xml.sax.saxutils.escape(text, {'"': "&quot;"})


def _comment(lines):
    body = "\n".join(f"  {line}" for line in lines).replace("--", "- -")
    return f"<!--\n{body}\n-->\n" if lines else ""


def style_text(relative_path, name, comments=()):
    """The .dtstyle text of a style `name` with one lut 3D step for the LUT at `relative_path`;
    `comments` go in an XML comment and the style's description."""
    plugin = (
        "<plugin><num>0</num>"
        f"<module>{LUT3D_VERSION}</module><operation>lut3d</operation>"
        f"<op_params>{encode_params(lut3d_params(relative_path))}</op_params>"
        f"<enabled>1</enabled><blendop_params>{encode_params(blend_params())}</blendop_params>"
        f"<blendop_version>{BLEND_VERSION}</blendop_version>"
        "<multi_priority>0</multi_priority><multi_name></multi_name></plugin>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + _comment(comments) +
        '<darktable_style version="1.0">'
        f"<info><name>{_escape(name)}</name>"
        f"<description>{_escape('; '.join(comments))}</description></info>"
        f"<style>{plugin}</style></darktable_style>\n")


def xmp_text(relative_path, comments=()):
    """The XMP sidecar text whose history is darktable's basic steps then lut 3D (module doc)."""
    # darktable-cli refuses ("can't open XMP file") a sidecar with a comment before x:xmpmeta.
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
{_comment(comments)} <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:darktable="http://darktable.sf.net/"
   darktable:xmp_version="{XMP_VERSION}"
   darktable:auto_presets_applied="1"
   darktable:iop_order_version="{IOP_ORDER_V30}"
   darktable:history_end="1">
   <darktable:history>
    <rdf:Seq>
     <rdf:li
      darktable:num="0"
      darktable:operation="lut3d"
      darktable:enabled="1"
      darktable:modversion="{LUT3D_VERSION}"
      darktable:params="{encode_params(lut3d_params(relative_path))}"
      darktable:multi_name=""
      darktable:multi_priority="0"
      darktable:blendop_version="{BLEND_VERSION}"
      darktable:blendop_params="{encode_params(blend_params())}"/>
    </rdf:Seq>
   </darktable:history>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"""


def _write(path, text):
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_style(path, clut_path, lut_root, name, comments=()):
    """Writes a .dtstyle applying the Hald CLUT `clut_path` (inside darktable's LUT folder
    `lut_root`), atomically. Import it in darktable's styles module, or for darktable-cli into
    its config folder (`darktable.styles.import` in Lua)."""
    _write(path, style_text(lut_path_in_root(clut_path, lut_root), name, comments))


def write_xmp(path, clut_path, lut_root, comments=()):
    """Writes an XMP sidecar applying the Hald CLUT `clut_path` (inside darktable's LUT folder
    `lut_root`), atomically: `photo.ext.xmp` beside a photo, or darktable-cli's second argument."""
    _write(path, xmp_text(lut_path_in_root(clut_path, lut_root), comments))
