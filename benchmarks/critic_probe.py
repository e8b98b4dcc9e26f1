"""Can the Exposure critic judge the style across content? (issue 14; a diagnostic, not a test)

Trains only the WGAN-GP critic of a `TrainConfig` on the black-box benchmark's data: fakes are
training inputs put through random five-filter programs (raw parameters ~ N(0, --raw_scale)),
reals are the target patches. Every --every updates it scores, for each held-out photo, the same
--programs random programs rendered on its 64x64 thumbnail, and prints:

* rho: Spearman correlation, within one photo, of D with minus the ΔE2000 against that photo's
  truth, averaged over the photos (1: D orders the renderings of a photo by closeness to the
  style; content is the same within a photo, so only the style can explain it);
* dE(argmax D): mean ΔE2000 of the rendering D likes best, beside the best and the mean of all;
* truth>progs, truth>as-is: how often D scores the photo's truth above a random rendering and
  above the photo as a camera shows it.

    exposure_benchmark ... (or black_box_benchmark.prepare_data(BENCH))
    .venv/bin/python benchmarks/critic_probe.py --data=BENCH --updates=300 \\
        --config=critic_resolution=16,critic_width=0.5
"""
import time

import numpy as np
import tensorflow as tf
from absl import app, flags
from scipy.stats import spearmanr

from exposure import data as data_lib
from exposure import heldout as heldout_lib
from exposure import metrics
from exposure.data import area_resize
from exposure.train import Learner, _batches
from exposure.train_config import TrainConfig
from mobile.srgb import linear_to_srgb

_DATA = flags.DEFINE_string("data", None, "Benchmark folder (train_raw/, data/target/, heldout/).",
                            required=True)
_CACHE = flags.DEFINE_string("cache_dir", None, "Patch cache folder (default: exposure.cache's).")
_UPDATES = flags.DEFINE_integer("updates", 300, "Critic updates.", lower_bound=1)
_EVERY = flags.DEFINE_integer("every", 100, "Print the probe every this many updates.",
                              lower_bound=1)
_PROGRAMS = flags.DEFINE_integer("programs", 12, "Random programs per held-out photo.",
                                 lower_bound=2)
_RAW_SCALE = flags.DEFINE_float("raw_scale", 1.0, "Std of the random programs' raw parameters.")
_CONFIG = flags.DEFINE_list("config", [], "TrainConfig fields as name=value (critic settings, "
                            "batch_size, critic_lr, seed, ...).")


def _config(pairs):
    defaults = TrainConfig(batch_size=8, critic_lr=3e-4)
    values = defaults.to_dict()
    for pair in pairs:
        name, _, text = pair.partition("=")
        kind = type(values[name])
        values[name] = text in ("1", "true", "True") if kind is bool else kind(text)
    return TrainConfig.from_dict(values, source="--config")


def random_programs(learner, images, rng, raw_scale):
    """Applies one random program of distinct filters per image (float32 [B, 64, 64, 3])."""
    offsets = learner.policy.param_offsets
    count = len(learner.filters)
    x = tf.constant(images)
    used = np.zeros((len(images), count), bool)
    for _ in range(learner.config.num_steps):
        index = (rng.random(used.shape) * ~used).argmax(axis=1)
        used[np.arange(len(images)), index] = True
        raw = tf.constant(rng.normal(0, raw_scale, (len(images), offsets[-1])).astype(np.float32))
        outputs = tf.stack([f(x, raw[:, offsets[i]:offsets[i + 1]])
                            for i, f in enumerate(learner.filters)], axis=1)
        x = tf.gather(outputs, tf.constant(index, tf.int32), axis=1, batch_dims=1)
    return x.numpy()


def main(argv):
    del argv
    config = _config(_CONFIG.value)
    root = _DATA.value
    raw, _ = data_lib.load_collection(f"{root}/train_raw", kind="input", cache_dir=_CACHE.value,
                                      progress=False)
    targets, _ = data_lib.load_collection(f"{root}/data/target", kind="target",
                                          cache_dir=_CACHE.value, progress=False)
    held = heldout_lib.load(f"{root}/heldout/raw", targets, truth_dir=f"{root}/heldout/truth")
    truth = np.stack([area_resize(t, 64) for t in held.truths])
    learner = Learner(config)
    rng = np.random.default_rng(config.seed)
    n, p = len(held.names), _PROGRAMS.value
    probes = np.clip(random_programs(learner, np.repeat(held.thumbnails, p, axis=0),
                                     np.random.default_rng(123), _RAW_SCALE.value), 0, 1)
    probes = probes.reshape(n, p, 64, 64, 3)
    delta = np.array([[metrics.delta_e2000(probes[i, j], truth[i]).mean() for j in range(p)]
                      for i in range(n)])
    as_is = linear_to_srgb(np.clip(held.thumbnails, 0, 1))
    print(f"{n} held-out photos x {p} programs: ΔE2000 median {np.median(delta):.2f}; "
          f"photos as-is {np.median([metrics.delta_e2000(a, t).mean() for a, t in zip(as_is, truth, strict=True)]):.2f}")
    fakes = _batches(raw, config.batch_size, 1)
    reals = _batches(targets, config.batch_size, 2)
    began = time.perf_counter()
    for update in range(1, _UPDATES.value + 1):
        fake = random_programs(learner, next(fakes), rng, _RAW_SCALE.value)
        metric = learner.critic_step(tf.constant(fake), tf.constant(next(reals)))
        if update % _EVERY.value:
            continue
        scores = learner.critic(tf.constant(probes.reshape(-1, 64, 64, 3))).numpy().reshape(n, p)
        truth_score = learner.critic(tf.constant(truth)).numpy()
        as_is_score = learner.critic(tf.constant(as_is)).numpy()
        rho = np.nanmean([spearmanr(scores[i], -delta[i])[0] for i in range(n)])
        picked = np.mean(delta[np.arange(n), scores.argmax(axis=1)])
        print(f"update {update}: W {float(metric['critic/wasserstein']):.2f}  rho {rho:.3f}  "
              f"dE(argmax D) {picked:.2f} (best {delta.min(1).mean():.2f}, mean {delta.mean():.2f})"
              f"  truth>progs {np.mean(truth_score[:, None] > scores):.2f}  "
              f"truth>as-is {np.mean(truth_score > as_is_score):.2f}  "
              f"{time.perf_counter() - began:.0f} s", flush=True)


if __name__ == "__main__":
    app.run(main)
