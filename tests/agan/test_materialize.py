import numpy as np
from PIL import Image

from agan import materialize, shapes


def test_writes_npz_and_grid(tmp_path):
    made = materialize.materialize("builtin", tmp_path / "out", num_samples=60, seed=1,
                                   progress=False)
    with np.load(made.npz_path) as arrays:
        x, y = arrays["x"], arrays["y"]
    expected_x, expected_y = shapes.generate(60, seed=1)
    np.testing.assert_array_equal(x, expected_x)
    np.testing.assert_array_equal(y, expected_y)
    assert made.count == 60 and made.image_shape == (32, 32, 3)
    assert made.class_counts == {k: 6 for k in range(10)}
    grid = np.asarray(Image.open(made.grid_path))
    assert grid.shape == (10 * 33 + 1, 10 * 33 + 1, 3)  # 10 rows of 10 cells, 1-pixel padding
    # Row 2 starts with the first sample of class 2; cells past the 6 samples per class are black.
    first = np.flatnonzero(y == 2)[0]
    np.testing.assert_array_equal(grid[1 + 2 * 33:1 + 2 * 33 + 32, 1:33], x[first])
    assert grid[1 + 2 * 33:1 + 2 * 33 + 32, 1 + 6 * 33:].max() == 0
    assert "60 images of shape (32, 32, 3)" in made.summary() and "star: 6" in made.summary()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["builtin.npz", "samples.png"]


def test_sample_grid_one_row_per_class():
    images = np.stack([np.full((2, 2, 3), v, np.uint8) for v in (10, 20, 30)])
    grid = materialize.sample_grid(images, np.array([1, 0, 1]), per_class=2)
    assert grid.shape == (2 * 3 + 1, 2 * 3 + 1, 3)
    assert grid[1, 1, 0] == 20 and grid[4, 1, 0] == 10 and grid[4, 4, 0] == 30
    assert grid[1, 4, 0] == 0
