"""The settings of one Exposure training run, saved beside its checkpoints as `config.json`.

Defaults are the paper's (Exposure paper, Algorithm 1 and section 6 "Implementation details");
where the authors' code differs (docs/exposure.md#training) the code's value is given in the field's
comment and can be set instead. The model directory is self-describing: retouching and export
rebuild the networks from this file alone.
"""
import dataclasses
import json
import math
import pathlib

from exposure.image_io import TIFF_ENCODINGS
from mobile import program, registry
from mobile.atomic import atomic_output

CONFIG_FILE = "config.json"
CRITIC_RESOLUTIONS = (64, 32, 16)  # sizes the critic may judge (4 stride-2 convolutions need 16)
CRITIC_FAKES = ("finished", "edited", "fresh")  # TrainConfig.critic_fakes
CRITIC_VIEWS = ("image", "sorted")  # TrainConfig.critic_view


def _field(default, help_text):
    """A config field with its `--help` text (used by exposure.cli.train to define the flag)."""
    return dataclasses.field(default=default, metadata={"help": help_text})


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """One training run. Learning rates at iteration t are `rate * 0.1 ** (decay_decades * t /
    iterations)` (the paper decays the base rate to 1e-3 of its value: 3 decades)."""

    # Each field's help is the --help text of the exposure_train flag of the same name.
    filters: tuple = _field(
        registry.DEFAULT_FILTERS,
        "Filters of the action space, in order (paper, section 4.2: the eight filters).")
    num_steps: int = _field(5, "Edits per image (paper, section 5.2: five).")
    batch_size: int = _field(64, "Images per batch (paper, Algorithm 1: b = 64).")
    iterations: int = _field(20000, "Training iterations (authors' code: 20,000).")
    replay_size: int = _field(
        2048, "Replay memory size (paper, Algorithm 1: 2,048; authors' code: 128).")
    actor_lr: float = _field(
        5e-5, "Policy learning rate (paper, Algorithm 1: 5e-5; authors' code: 0.3 * 5e-5).")
    critic_lr: float = _field(5e-5, "Critic (WGAN-GP) learning rate (paper, Algorithm 1: 5e-5).")
    value_lr: float = _field(
        5e-4, "Value network learning rate (paper, Algorithm 1: 5e-4; code: 10x the actor rate).")
    decay_decades: float = _field(
        3.0, "Decades of exponential learning-rate decay over the run (paper, section 6: to 1e-3).")
    adam_beta1: float = _field(0.5, "Adam beta1 (authors' code: 0.5).")
    adam_beta2: float = _field(0.9, "Adam beta2 (authors' code: 0.9).")
    n_critic: int = _field(5, "Critic updates per iteration (paper, Algorithm 1: n_critic = 5).")
    critic_boost_steps: int = _field(
        100, "Critic updates in boosted iterations (authors' code: 100).")
    critic_boost_first: int = _field(
        10, "The first this many iterations are boosted (authors' code: 10).")
    critic_boost_every: int = _field(
        500, "Every this many-th iteration is boosted, 0: never (authors' code: 500).")
    critic_fakes: str = _field(
        "finished", "What the critic's fakes are: 'finished' (paper, Algorithm 1: the replay "
                    "memory's finished images), 'edited' (every replay state with at least one "
                    "edit: the per-step reward D(out) - D(in) is then judged where the critic was "
                    "trained) or 'fresh' (the current policy's finished rollouts of fresh patches: "
                    "the memory's finished images are up to replay_size / batch_size * num_steps "
                    "iterations old, and a critic judging old policies lags behind the actor).")
    gradient_penalty: float = _field(
        10.0, "WGAN-GP gradient penalty weight (Gulrajani et al., as the authors: 10).")
    one_sided_penalty: bool = _field(
        False, "Penalize max(|grad| - 1, 0)^2 as the authors' code, instead of WGAN-GP's "
               "(|grad| - 1)^2 (the paper follows Gulrajani et al.).")
    critic_resolution: int = _field(
        64, "Size in pixels the critic judges the 64x64 image at, area-averaged: 64 (paper), 32 "
            "or 16 (less detail to tell scenes apart by; judges tone and colour).")
    critic_width: float = _field(
        1.0, "Channel multiplier of the critic's convolutions (paper: 1, i.e. 32-64-128-256).")
    critic_view: str = _field(
        "image", "What the critic's convolutions see: 'image' (paper) or 'sorted' (the same "
                 "pixels ordered by luminance, row by row: the image's colour distribution "
                 "without its layout, so the critic cannot tell targets from inputs by what they "
                 "show, only by tone and colour, which is all the filters change).")
    policy_statistics: bool = _field(
        False, "Give the policy the image's statistics, as the value network and critic have "
               "(mean luminance, its variance, mean saturation), and its mean and log-average "
               "luminance in stops, as extra planes and beside the trunk features of every fully "
               "connected layer (the paper's policy sees only the image and the state; a style "
               "that exposes each photo by its brightness needs the policy to tell a dark photo "
               "from a darker one).")
    gamma: float = _field(1.0, "Discount factor (paper, section 5.2: 1).")
    policy_average: float = _field(
        0.0, "Decay of an exponential moving average of the policy's weights, which retouching, "
             "export and the held-out evaluation then use (0: none, the paper's last weights; "
             "e.g. 0.99 averages about the last 100 iterations).")
    reward_scale: float = _field(
        0.05, "Reward = this * (D(out) - D(in)) before penalties (authors' code: 0.05).")
    entropy_penalty: float = _field(
        0.05, "Entropy penalty weight: (1 - progress) * w * (ln F - H) (paper, section 5.4: 0.05).")
    reuse_penalty: float = _field(
        1.0, "Penalty for using a filter a second time (paper, section 5.4: 1).")
    mask_used_filters: bool = _field(
        False, "Never pick a filter already used in an episode, in training and retouching (the "
               "paper only penalizes reuse, section 5.4; a short run otherwise repeats one filter).")
    range_penalty: float = _field(
        1.0, "Weight of the out-of-range penalty mean(max(out - 1, 0)^2) (authors' code: 1).")
    saturation_penalty: float = _field(
        0.0, "Weight of a penalty on the policy's raw parameter outputs beyond +-2, where the "
             "tanh of every parameter mapping is flat (0: none, as the paper).")
    checkpoint_every: int = _field(
        500, "Write a checkpoint every this many iterations (authors' code: 500).")
    keep_checkpoints: int = _field(3, "Checkpoints to keep.")
    log_every: int = _field(10, "TensorBoard scalars every this many iterations.")
    image_every: int = _field(500, "TensorBoard before/after image grid every this many iterations.")
    eval_every: int = _field(
        100, "Held-out evaluation every this many iterations (and at the end) when a held-out "
             "folder is given: TensorBoard 'heldout/*' and summary.json.")
    seed: int = _field(0, "Seed of data order, crops, memory draws, sampling and dropout.")
    tiff_encoding: str = _field(
        "srgb", "Encoding of 16-bit/float TIFF and PNG inputs: srgb, prophoto or linear.")

    def __post_init__(self):
        object.__setattr__(self, "filters", tuple(self.filters))
        self.validate()

    def validate(self):
        """Raises ValueError naming the first bad field and what it must be."""
        unknown = [f for f in self.filters if f not in registry.FILTERS]
        if unknown or len(self.filters) < 2 or len(set(self.filters)) != len(self.filters):
            raise ValueError(f"filters: expected >= 2 distinct names from "
                             f"{', '.join(registry.FILTERS)}; got {list(self.filters)}")
        positive = ("num_steps", "batch_size", "iterations", "replay_size", "n_critic",
                    "checkpoint_every", "keep_checkpoints", "log_every", "image_every", "eval_every")
        for name in positive:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}: expected an integer >= 1, got {value!r}")
        if self.num_steps > program.MAX_STEPS:
            raise ValueError(f"num_steps: a program holds at most {program.MAX_STEPS} steps, got "
                             f"{self.num_steps}")
        for name in ("critic_boost_steps", "critic_boost_first", "critic_boost_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name}: expected an integer >= 0, got {value!r}")
        for name in ("actor_lr", "critic_lr", "value_lr"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name}: expected a learning rate > 0, got {value!r}")
        for name in ("decay_decades", "gradient_penalty", "reward_scale", "entropy_penalty",
                     "reuse_penalty", "range_penalty", "saturation_penalty"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name}: expected a finite number >= 0, got {value!r}")
        if not (isinstance(self.policy_average, (int, float)) and 0 <= self.policy_average < 1):
            raise ValueError(f"policy_average: expected a number in [0, 1), got "
                             f"{self.policy_average!r}")
        for name in ("adam_beta1", "adam_beta2", "gamma"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 <= value <= 1):
                raise ValueError(f"{name}: expected a number in [0, 1], got {value!r}")
        if self.mask_used_filters and self.num_steps > len(self.filters):
            raise ValueError(f"num_steps: mask_used_filters allows at most one step per filter "
                             f"({len(self.filters)}); got {self.num_steps}")
        if (self.critic_resolution not in CRITIC_RESOLUTIONS
                or isinstance(self.critic_resolution, bool)):
            raise ValueError(f"critic_resolution: expected one of {CRITIC_RESOLUTIONS}, got "
                             f"{self.critic_resolution!r}")
        if not (isinstance(self.critic_width, (int, float)) and 0 < self.critic_width <= 4):
            raise ValueError(f"critic_width: expected a number in (0, 4], got {self.critic_width!r}")
        if self.critic_view not in CRITIC_VIEWS:
            raise ValueError(f"critic_view: expected one of {CRITIC_VIEWS}, got "
                             f"{self.critic_view!r}")
        if self.critic_fakes not in CRITIC_FAKES:
            raise ValueError(f"critic_fakes: expected one of {CRITIC_FAKES}, got "
                             f"{self.critic_fakes!r}")
        if self.tiff_encoding not in TIFF_ENCODINGS:
            raise ValueError(f"tiff_encoding: expected one of {TIFF_ENCODINGS}, got "
                             f"{self.tiff_encoding!r}")
        if self.replay_size < self.batch_size:
            raise ValueError(f"replay_size: {self.replay_size} is smaller than batch_size "
                             f"{self.batch_size}; the actor draws a batch from the memory")

    def critic_steps(self, iteration):
        """Critic updates in iteration `iteration` (0-based): n_critic, or critic_boost_steps in
        the first critic_boost_first iterations and every critic_boost_every-th."""
        boost = iteration < self.critic_boost_first or (
            self.critic_boost_every and iteration % self.critic_boost_every == 0)
        return max(self.n_critic, self.critic_boost_steps) if boost else self.n_critic

    def learning_rates(self, iteration):
        """(actor, critic, value) learning rates at iteration `iteration`, exponentially decayed."""
        decay = 0.1 ** (self.decay_decades * iteration / self.iterations)
        return self.actor_lr * decay, self.critic_lr * decay, self.value_lr * decay

    def to_dict(self):
        out = dataclasses.asdict(self)
        out["filters"] = list(self.filters)
        return out

    @classmethod
    def from_dict(cls, doc, source="config"):
        """Builds a config from a dict; unknown keys or bad values raise ValueError naming
        `source`."""
        if not isinstance(doc, dict):
            raise ValueError(f"{source}: expected a JSON object, got {type(doc).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(doc) - known)
        if unknown:
            raise ValueError(f"{source}: unknown keys {unknown}")
        try:
            return cls(**doc)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{source}: {e}") from e


def save(config, model_dir):
    """Writes `config` as `model_dir/config.json` (atomically)."""
    path = pathlib.Path(model_dir) / CONFIG_FILE
    with atomic_output(path) as tmp:
        pathlib.Path(tmp).write_text(json.dumps(config.to_dict(), indent=2) + "\n",
                                     encoding="utf-8")
    return path


def load(model_dir):
    """Reads `model_dir/config.json`. Raises FileNotFoundError / ValueError naming the file."""
    path = pathlib.Path(model_dir) / CONFIG_FILE
    if not path.is_file():
        raise FileNotFoundError(2, f"{path}: no training config; is {model_dir} a model "
                                   f"directory written by exposure_train?", str(path))
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: not valid JSON ({e})") from e
    return TrainConfig.from_dict(doc, source=str(path))
