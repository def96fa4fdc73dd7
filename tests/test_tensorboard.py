"""The optional TensorBoard extra (`pip install -e '.[tensorboard]'`) reads a run's event files."""

import os

import pytest


def test_tensorboard_reads_the_runs_scalars(tiny_run):
    accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator",
                                      reason="TensorBoard is the optional extra: pip install -e '.[tensorboard]'")
    events = accumulator.EventAccumulator(os.path.join(tiny_run, "tensorboard"))
    events.Reload()
    tags = events.Tags()["scalars"]
    assert {"train/loss", "test/accuracy", "train/loss/replica_1"} <= set(tags)
    assert [e.step for e in events.Scalars("train/loss")] == [20, 40, 60, 80, 100, 120]
