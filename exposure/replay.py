"""The replay memory of Algorithm 1 (Exposure paper, section 5.4 "Experience Replay").

A fixed number of slots, each holding one image state: the 64x64 image, which filters were used
and how many steps were taken. The actor draws a random batch of slots; finished states in it
(all steps taken) are replaced by fresh RAW images first; the new states go back into the same
slots. The critic samples finished states, which stay in memory until their slot is drawn again.
"""
import numpy as np

MEMORY_SIZE_PAPER = 2048  # Exposure paper, Algorithm 1 and section 5.4: 2,048 images
MEMORY_SIZE_CODE = 128  # authors' code (docs/exposure.md#training): replay memory of 128


class ReplayMemory:
    """Slots of states: images float32 [capacity, H, W, 3], usage float32 [capacity, F] (0/1),
    steps int32 [capacity] (0 = a fresh RAW image, `num_steps` = finished)."""

    def __init__(self, images, num_filters, num_steps, seed=0):
        """Fills every slot with a fresh image from `images` float32 [capacity, H, W, 3];
        `seed` seeds the batch draws."""
        images = np.asarray(images, dtype=np.float32)
        if images.ndim != 4 or images.shape[-1] != 3 or len(images) == 0:
            raise ValueError(f"replay memory: expected images [capacity >= 1, H, W, 3], got "
                             f"{images.shape}")
        if num_steps < 1:
            raise ValueError(f"replay memory: num_steps must be >= 1, got {num_steps}")
        self.images = images.copy()
        self.usage = np.zeros((len(images), num_filters), np.float32)
        self.steps = np.zeros(len(images), np.int32)
        self.num_steps = int(num_steps)
        self._rng = np.random.default_rng(seed)
        self._done_images = np.zeros_like(self.images)
        self._done_count = 0  # finished images stored so far (the ring holds min(count, capacity))

    @property
    def capacity(self):
        return len(self.images)

    @property
    def finished(self):
        """Boolean [capacity]: the slot holds a finished image."""
        return self.steps >= self.num_steps

    def draw(self, batch_size, fresh_images):
        """Draws `batch_size` distinct random slots for the actor.

        Finished states among them are replaced by fresh RAW images taken in order from
        `fresh_images` [>= batch_size, H, W, 3] (zero usage, step 0).

        Returns:
          (slots int [b], images [b, H, W, 3], usage [b, F], steps int32 [b]); copies.
        """
        if not 1 <= batch_size <= self.capacity:
            raise ValueError(f"replay memory: batch size {batch_size} must be in "
                             f"[1, capacity {self.capacity}]")
        slots = self._rng.choice(self.capacity, size=batch_size, replace=False)
        done = slots[self.finished[slots]]
        if len(done):
            fresh = np.asarray(fresh_images, dtype=np.float32)
            if len(fresh) < len(done):
                raise ValueError(f"replay memory: {len(done)} finished slots to refill, only "
                                 f"{len(fresh)} fresh images given")
            self.images[done] = fresh[:len(done)]
            self.usage[done] = 0.0
            self.steps[done] = 0
        return slots, self.images[slots].copy(), self.usage[slots].copy(), self.steps[slots].copy()

    def put_back(self, slots, images, usage, steps):
        """Stores the new states of the drawn `slots` (as returned by `draw`); finished ones also
        go into the ring of finished images."""
        self.images[slots] = images
        self.usage[slots] = usage
        self.steps[slots] = steps
        for image in np.asarray(images)[np.asarray(steps) >= self.num_steps]:
            self._done_images[self._done_count % self.capacity] = image
            self._done_count += 1

    @property
    def num_finished(self):
        """Finished images available to the critic (at most `capacity`)."""
        return min(self._done_count, self.capacity)

    def sample_finished(self, batch_size):
        """`batch_size` random images [b, H, W, 3] from the ring of the last `capacity` finished
        ones (with replacement when fewer). Raises ValueError when none is finished yet."""
        available = self.num_finished
        if available == 0:
            raise ValueError("replay memory: no finished images yet; run the actor first")
        picks = self._rng.choice(available, size=batch_size, replace=available < batch_size)
        return self._done_images[picks].copy()

    def sample_edited(self, batch_size):
        """`batch_size` random current states [b, H, W, 3] that have had at least one edit (with
        replacement). Raises ValueError when none has."""
        edited = np.flatnonzero(self.steps >= 1)
        if len(edited) == 0:
            raise ValueError("replay memory: no edited state yet; run the actor first")
        return self.images[self._rng.choice(edited, size=batch_size)].copy()
