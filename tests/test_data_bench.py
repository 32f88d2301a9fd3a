"""The pipeline benchmark (benchmarks/pipeline_bench.py) does the same work in every variant: the batched
augmentation is the per-image one, decision for decision, and every Lamina variant trains on tiny data."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import pipeline_bench  # noqa: E402


def test_the_batched_augmentation_is_the_per_image_one() -> None:
    images = pipeline_bench.pad(np.random.default_rng(0).random((40, 28, 28)).astype(np.float32))
    per_image = pipeline_bench.make_augment(5)
    batched = pipeline_bench.make_batch_augment(5)(images)
    # Both draw three uniforms per image from the same seed, in the same order.
    np.testing.assert_array_equal(batched, np.stack([per_image(image) for image in images]))
    assert batched.shape == (40, 28, 28)
    shifted = {(int(np.argmax(a.any(axis=1))), int(np.argmax(a.any(axis=0)))) for a in batched != 0}
    assert len(shifted) > 1  # the crops really move


@pytest.mark.parametrize("variant", [v for v in pipeline_bench.VARIANTS if not v.startswith("torch")])
def test_every_lamina_variant_trains(variant: str) -> None:
    x, y = pipeline_bench.load_images(None, tiny=True)
    result = pipeline_bench.run_lamina(variant, "mlp", x[:512], y[:512], epochs=2, seed=0)
    assert len(result["epoch_times"]) == 2 and all(t > 0 for t in result["epoch_times"])
