"""Retouching photos with a trained agent: 64x64 thumbnail -> program -> full-resolution render.

Each photo is decoded as linear RGB, area-resized as a whole to a 64x64 thumbnail (Exposure paper,
section 6: decisions on a 64x64 version), the agent decides the program there, and the program is
rendered at full resolution and written by `exposure.apply.apply_one`, with the program JSON
(`<output stem>.json`) beside each output. Deterministic by default; `samples` > 1 draws that
many programs per photo (stochastic filter choice and test-time dropout, seeded), written as
`<stem>_s0<ext>`, `<stem>_s1<ext>`, ... A photo that fails is reported and the batch goes on.
"""
import dataclasses
import os
import pathlib

import tensorflow as tf
import tqdm

from exposure import apply as apply_lib
from exposure import image_io, networks
from exposure.data import area_resize
from mobile.fast_render import Renderer

# Most programs drawn per photo: each is a full-resolution output, and all of a photo's samples
# run through the agent as one batch.
MAX_SAMPLES = 100


@dataclasses.dataclass
class RetouchReport:
    """What a batch did: `written` paths (images, strips, program JSONs), `programs` as (input,
    output, Program), `failures` as (input path, message)."""

    written: list = dataclasses.field(default_factory=list)
    programs: list = dataclasses.field(default_factory=list)
    failures: list = dataclasses.field(default_factory=list)


def thumbnail(linear):
    """The agent's view of a photo: the whole linear image [H, W, 3] area-resized to float32
    [64, 64, 3] (the aspect ratio is not kept, as in training's square patches)."""
    return area_resize(linear, networks.IMAGE_SIZE)


def program_path(output):
    """The program JSON written beside `output`: `<stem>.json` in the same folder."""
    output = pathlib.Path(output)
    return output.with_name(output.stem + ".json")


def sample_outputs(target, samples):
    """Output paths for one photo: [target] for one sample, else `<stem>_s<i><ext>`."""
    target = pathlib.Path(target)
    if samples == 1:
        return [target]
    return [target.with_name(f"{target.stem}_s{i}{target.suffix}") for i in range(samples)]


def decide(agent, linear, *, samples=1, seed=(0, 0)):
    """Programs for one linear photo [H, W, 3]: one deterministic program when samples == 1,
    else `samples` sampled ones drawn with the stateless seed `seed` (two ints)."""
    thumbs = tf.constant(thumbnail(linear)[None])
    if samples == 1:
        decisions = agent.decide(thumbs)
    else:
        decisions = agent.sample(tf.repeat(thumbs, samples, axis=0),
                                 tf.constant(seed, tf.int64))
    return agent.programs({k: v.numpy() for k, v in decisions.items()})


def retouch(agent, pairs, *, samples=1, seed=0, strip=False, fast=True, bits=None,
            tiff_encoding="srgb", progress=True, echo=print, overwrite=False, keep=()):
    """Retouches every (input, output) pair with `agent` (from `exposure.agent.load_agent`).

    Args:
      pairs: [(input path, output path)], e.g. from `exposure.apply.plan`.
      samples: programs per photo (1 to MAX_SAMPLES); 1 is deterministic.
      seed: seed of the sampled programs (photo k uses the stateless seed [seed, k]).
      strip, fast, bits, tiff_encoding: as `exposure.apply.apply_one`.
      echo: called with each photo's printed program.
      overwrite: replace output files that exist already (an earlier run's); otherwise a photo
        with such a file is a failure.
      keep: files never replaced, as the inputs, even with `overwrite`: the other files of the
        input folder (`exposure.apply.plan`'s skipped ones, such as a.json beside a.jpg).

    Returns:
      RetouchReport. A photo with an output that would replace an input, a file of `keep`,
      another output of the batch or (without `overwrite`) any existing file is a failure, and
      nothing is written for it. A photo's program JSON is written after its image.
    """
    if not 1 <= samples <= MAX_SAMPLES:
        raise ValueError(f"samples must be 1 to {MAX_SAMPLES}, got {samples}")
    inputs = {pathlib.Path(path).resolve() for path in [s for s, _ in pairs] + list(keep)}
    claimed = set()
    report = RetouchReport()
    for k, (source, target) in enumerate(tqdm.tqdm(pairs, desc="exposure_retouch", unit="image",
                                                   disable=not progress)):
        outputs = sample_outputs(target, samples)
        files = [f for out in outputs for f in
                 [out, program_path(out)] + ([apply_lib.strip_path(out)] if strip else [])]
        clash = [f for f in files if f.resolve() in inputs or f.resolve() in claimed]
        existing = [] if overwrite else [f for f in files if os.path.lexists(f)]
        if clash or existing:
            problem = (f"{clash[0]} (a file of the input or another output of this batch)"
                       if clash else f"{existing[0]}: it exists and this run did not write it "
                                     f"(--overwrite replaces it)")
            report.failures.append((str(source), f"refusing to overwrite {problem}"))
            tqdm.tqdm.write(f"FAILED {source}: refusing to overwrite {problem}")
            continue
        claimed.update(f.resolve() for f in files)
        try:
            apply_lib.output_bits(target, bits)
            linear = image_io.read_linear(source, tiff_encoding=tiff_encoding)
            programs = decide(agent, linear, samples=samples, seed=(seed, k))
            for out, program in zip(outputs, programs, strict=True):
                echo(f"{source} -> {out}\n{program}")
                report.written += apply_lib.apply_one(
                    Renderer(program, fast=fast), pathlib.Path(source), out, bits=bits,
                    strip=strip, tiff_encoding=tiff_encoding, linear=linear)
                program.save(program_path(out))
                report.written.append(program_path(out))
                report.programs.append((str(source), str(out), program))
        except (OSError, ValueError, MemoryError) as error:
            report.failures.append((str(source), str(error)))
            tqdm.tqdm.write(f"FAILED {source}: {error}")
    return report
