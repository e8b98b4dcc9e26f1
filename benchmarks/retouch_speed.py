"""Full-resolution retouch speed on this machine (not a test): each stage of one 24 MP RAW before
and after the fast paths, against the copy floor, and a folder of RAWs through exposure_retouch.

--mode=photo: a synthetic 6000x4000 Bayer DNG (scikit-image's astronaut unprocessed,
tests/helpers/raw_photos.py), each stage timed (best of --repeats) in one run:
  decode   before: `read_linear(demosaic="ahd")` (libraw's default demosaic, float32 image);
           after: `read_photo()` (--demosaic's default, uint16 codes kept);
  decide   thumbnail before: area resize by dense weight matrices (float32 image); after:
           `retouch.thumbnail` (segment sums of the codes); then the agent's five decisions;
  render   before: `lut.apply` (numpy, float32 linear in); after: `Renderer.render_codes`
           (OpenColorIO if installed, uint16 codes in, 8-bit codes out), and for float32
           input; each against the copy floor (np.copyto of the same input bytes);
  write    before: float display values through `write_image` (quantized there) and Pillow's
           JPEG encoder; after: 8-bit codes through `write_image`; PNG and 16-bit TIFF
           encoders at their former and present settings;
plus the demosaic algorithms' time at 24 MP and error against the true scene (a noise-free
--quality_width x 2/3 DNG), and the agreement of the OpenColorIO and numpy LUT paths.

--mode=folder: --photos copies of the DNG retouched by `exposure.retouch.retouch` to JPEG:
photos/s overall, CPU seconds per photo and the peak resident memory of the process (the DNG is
made in a child process).

    .venv/bin/python benchmarks/retouch_speed.py --mode=photo
    .venv/bin/python benchmarks/retouch_speed.py --mode=folder --photos=20

Without --model_dir the agent is untrained (same network, same cost per decision).
"""
import concurrent.futures
import io
import multiprocessing
import os
import pathlib
import resource
import shutil
import tempfile
import time

import checkout_path  # noqa: F401 (this checkout first on sys.path: tests.helpers)
import imagecodecs
import numpy as np
import tifffile
from absl import app, flags
from PIL import Image
from timing import best_of

from exposure import agent as agent_lib
from exposure import image_io, networks, retouch, train_config
from mobile import lut
from mobile.fast_render import Renderer
from mobile.srgb import linear_to_srgb
from tests.helpers.random_programs import random_program
from tests.helpers.raw_photos import write_photo_dng

_MODE = flags.DEFINE_enum("mode", "photo", ["photo", "folder"], "What to time (module doc).")
_MODEL_DIR = flags.DEFINE_string("model_dir", None, "A model from exposure_train; default: an "
                                                    "untrained agent.")
_WIDTH = flags.DEFINE_integer("width", 6000, "Width of the synthetic RAW.")
_HEIGHT = flags.DEFINE_integer("height", 4000, "Height of the synthetic RAW.")
_REPEATS = flags.DEFINE_integer("repeats", 3, "Timed repeats per stage (best kept).", lower_bound=1)
_PHOTOS = flags.DEFINE_integer("photos", 20, "RAWs in the folder (--mode=folder).", lower_bound=1)
_QUALITY_WIDTH = flags.DEFINE_integer("quality_width", 1536,
                                      "Width of the DNG for the demosaic error; 0: skip.")
_DEMOSAICS = flags.DEFINE_list("demosaics", list(image_io.DEMOSAIC_ALGORITHMS),
                               "Demosaic algorithms to compare (--mode=photo).")



def copy_floor(array, repeats):
    """Seconds of np.copyto of `array` into a fresh array (an allocation, as a render has)."""
    return best_of(repeats, lambda: np.copyto(np.empty_like(array), array))[0]


def dense_area_resize(image, size):
    """The former thumbnail: area resize by dense [size, n] weight matrices (float32)."""
    def weights(n_in):
        edges = np.arange(size + 1) * (n_in / size)
        cells = np.arange(n_in)[None, :]
        overlap = np.minimum(edges[1:, None], cells + 1) - np.maximum(edges[:-1, None], cells)
        overlap = np.clip(overlap, 0.0, None)
        return (overlap / overlap.sum(axis=1, keepdims=True)).astype(np.float32)
    reduced = np.tensordot(weights(image.shape[0]), image, axes=(1, 0))
    return np.tensordot(reduced, weights(image.shape[1]), axes=(1, 1)).transpose(0, 2, 1)


def load_text():
    """The machine's 1, 5 and 15 minute load averages (2 cores here: above 2, others compete)."""
    return "load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


def timed_retouch(agent, pairs):
    """(wall seconds, CPU seconds of this process, report) of `exposure.retouch.retouch`."""
    cpu, began = time.process_time(), time.perf_counter()
    report = retouch.retouch(agent, pairs, progress=False, echo=lambda _: None)
    return time.perf_counter() - began, time.process_time() - cpu, report


def make_agent():
    if _MODEL_DIR.value:
        return agent_lib.load_agent(_MODEL_DIR.value)
    config = train_config.TrainConfig()
    return agent_lib.Agent(agent_lib.build_policy(config), config.num_steps)


def row(stage, before, after, note=""):
    ratio = f"{before / after:6.1f}x faster" if before else ""
    before_text = f"{before * 1e3:8.0f} ms" if before else " " * 11
    print(f"{stage:<44} {before_text}  {after * 1e3:8.0f} ms  {ratio}  {note}", flush=True)


def demosaic_quality(tmp, raw):
    """Prints each algorithm's 24 MP decode time and its error against the true scene."""
    width = _QUALITY_WIDTH.value
    scene = None
    if width:
        small = tmp / "quality.dng"
        scene = write_photo_dng(small, width, width * 2 // 3 // 2 * 2, noise=False)
        truth = linear_to_srgb(np.clip(scene, 0.0, 1.0))[8:-8, 8:-8]
    print("demosaic (libraw): 24 MP decode s | PSNR vs true scene (sRGB) | mean abs error "
          "(8-bit codes)")
    for name in _DEMOSAICS.value:
        seconds, _ = best_of(1, lambda n=name: image_io.read_photo(raw, demosaic=n))
        quality = ""
        if scene is not None:
            decoded = image_io.read_photo(small, demosaic=name).srgb()[8:-8, 8:-8]
            error = decoded - truth
            psnr = 10 * np.log10(1.0 / np.mean(error**2))
            quality = f"{psnr:6.2f} dB | {np.abs(error).mean() * 255:.3f}"
        default = " (default)" if name == image_io.DEFAULT_DEMOSAIC else ""
        print(f"  {name:<5}{default:<10} {seconds:6.2f} s | {quality}", flush=True)


def photo_mode(tmp):
    repeats = _REPEATS.value
    raw = tmp / "photo.dng"
    write_photo_dng(raw, _WIDTH.value, _HEIGHT.value)
    agent = make_agent()
    program = random_program(np.random.default_rng(0))
    print(f"{_WIDTH.value}x{_HEIGHT.value} DNG, program: {program}; {load_text()}")
    print(f"{'stage':<44} {'before':>11}  {'after':>11}")

    decode_before, linear = best_of(repeats, lambda: image_io.read_linear(raw, demosaic="ahd"))
    decode_after, photo = best_of(repeats, lambda: image_io.read_photo(raw))
    row("decode (AHD float32 -> default demosaic, codes)", decode_before, decode_after)

    thumb_before, old = best_of(repeats, lambda: dense_area_resize(linear, networks.IMAGE_SIZE))
    thumb_after, new = best_of(repeats, lambda: retouch.thumbnail(photo))
    row("64x64 thumbnail", thumb_before, thumb_after,
        f"(same decode: max diff {np.abs(retouch.thumbnail(linear) - old).max():.1e})")
    retouch.decide(agent, photo)  # traces the decision function
    decisions, _ = best_of(repeats, lambda: retouch.decide(agent, photo))
    row("decide (thumbnail + 5 decisions)", thumb_before + decisions - thumb_after, decisions)

    renderer = Renderer(program)
    table = lut.bake(program, renderer.lut_size)
    render_before, display = best_of(
        repeats, lambda: lut.apply(table, linear, encoding="linear"))
    renderer.render_codes(photo.pixels, photo.to_srgb, 8)  # builds the shaper and processor
    render_after, codes = best_of(
        repeats, lambda: renderer.render_codes(photo.pixels, photo.to_srgb, 8))
    floor16, floor32 = copy_floor(photo.pixels, repeats), copy_floor(linear, repeats)
    backend = renderer.backend(np.uint16)
    row(f"render 16-bit codes ({backend})", render_before, render_after,
        f"{render_after / floor16:.1f}x its copy floor ({floor16 * 1e3:.0f} ms)")
    renderer.render_codes(linear, linear_to_srgb, 8)
    render_float, _ = best_of(repeats, lambda: renderer.render_codes(linear, linear_to_srgb, 8))
    row(f"render float32 ({renderer.backend(np.float32)})", render_before, render_float,
        f"{render_float / floor32:.1f}x its copy floor ({floor32 * 1e3:.0f} ms)")
    sample = slice(0, 200)
    reference = lut.apply(table, photo.pixels[sample], encoding="linear", out_bits=8)
    differ = np.abs(codes[sample].astype(int) - reference)
    print(f"  {backend} vs numpy LUT on 200 rows: mean {differ.mean():.2e} codes, max "
          f"{differ.max()}")

    write_before, _ = best_of(repeats, lambda: image_io.write_image(tmp / "a.jpg", display))
    write_after, _ = best_of(repeats, lambda: image_io.write_image(tmp / "b.jpg", codes))
    row("write JPEG q95 (float values -> codes)", write_before, write_after,
        f"{(tmp / 'b.jpg').stat().st_size / 1e6:.1f} MB")

    def pillow_jpeg():
        Image.fromarray(codes).save(io.BytesIO(), "JPEG", quality=95)
    pillow, _ = best_of(repeats, pillow_jpeg)
    encoder, _ = best_of(repeats, lambda: imagecodecs.jpeg8_encode(codes, level=95))
    row("  JPEG encoder (Pillow -> imagecodecs)", pillow, encoder, "same bytes")
    codes16 = renderer.render_codes(photo.pixels, photo.to_srgb, 16)
    for bits, pixels in ((8, codes), (16, codes16)):
        default, png = best_of(1, lambda p=pixels: imagecodecs.png_encode(p))
        fast, _ = best_of(1, lambda b=bits, p=pixels: image_io.write_image(tmp / "c.png", p, bits=b))
        row(f"write {bits}-bit PNG (zlib 6 -> fast settings)", default, fast,
            f"{len(png) / 1e6:.0f} -> {(tmp / 'c.png').stat().st_size / 1e6:.0f} MB")

    def old_tiff():
        tifffile.imwrite(io.BytesIO(), codes16, photometric="rgb", compression="zlib",
                         metadata=None)
    old, _ = best_of(1, old_tiff)
    fast, _ = best_of(1, lambda: image_io.write_image(tmp / "c.tif", codes16, bits=16))
    row("write 16-bit TIFF (zlib 6 -> level 1, strips)", old, fast,
        f"{(tmp / 'c.tif').stat().st_size / 1e6:.0f} MB")
    before = decode_before + thumb_before + decisions - thumb_after + render_before + write_before
    after = decode_after + decisions + render_after + write_after
    row("one photo: decode + decide + render + write JPEG", before, after)
    retouch.decide(agent, np.zeros((64, 64, 3), np.float32))
    wall, cpu, _ = timed_retouch(agent, [(raw, tmp / "retouched.jpg")])
    print(f"one photo through exposure.retouch.retouch: {wall:.2f} s wall, {cpu:.2f} s CPU; "
          f"{load_text()}", flush=True)
    demosaic_quality(tmp, raw)


def folder_mode(tmp):
    folder, out = tmp / "raws", tmp / "out"
    folder.mkdir()
    # In a child process: the float64 temporaries of making the DNG stay out of this process's
    # peak resident memory, which is then TensorFlow, the agent and the batch.
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context(
            "spawn")) as child:
        child.submit(write_photo_dng, folder / "photo_00.dng", _WIDTH.value, _HEIGHT.value).result()
    for k in range(1, _PHOTOS.value):
        shutil.copyfile(folder / "photo_00.dng", folder / f"photo_{k:02d}.dng")
    agent = make_agent()
    retouch.decide(agent, np.zeros((64, 64, 3), np.float32))  # traces the decision function
    pairs = [(p, out / p.with_suffix(".jpg").name) for p in sorted(folder.glob("*.dng"))]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{load_text()} before the batch", flush=True)
    seconds, cpu, report = timed_retouch(agent, pairs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"exposure.retouch.retouch: {len(pairs)} {_WIDTH.value}x{_HEIGHT.value} DNGs -> JPEG "
          f"in {seconds:.1f} s = {len(pairs) / seconds:.2f} photos/s, {len(report.failures)} "
          f"failed; {cpu:.1f} s CPU = {cpu / len(pairs):.2f} CPU s per photo; peak resident "
          f"memory {peak / 2**20:.2f} GiB (before the batch {before / 2**20:.2f} GiB); "
          f"{load_text()} after")


def main(argv):
    del argv
    with tempfile.TemporaryDirectory() as tmp:
        (photo_mode if _MODE.value == "photo" else folder_mode)(pathlib.Path(tmp))


if __name__ == "__main__":
    app.run(main)
