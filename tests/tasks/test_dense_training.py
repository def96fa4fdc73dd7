"""Segmentation and detection train through the one trainer: loss falls, run directory, plots, metrics."""

import os

import numpy as np
import pytest

from jaxdl.config import base_config
from jaxdl.errors import UserError
from jaxdl.runs import load_run
from jaxdl.train.run import train_and_evaluate
from jaxdl.train.setup import build_experiment

MODELS = {"segmentation": dict(name="unet", depth=1, width=4, convs=1),
          "detection": dict(name="centernet", channels=(4, 8, 8), head_width=8)}


def dense_config(task):
    c = base_config()
    c.dataset.name = "digit_scenes"
    c.task.name = task
    c.model = MODELS[task]
    c.optimizer.learning_rate = 1e-2
    c.replicas = 2
    c.batch_size = 16
    c.steps = 24
    c.log_every = 8
    c.eval_every = 24
    c.eval_batch_size = 250
    return c


@pytest.fixture(scope="module", params=["segmentation", "detection"])
def run(request, tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp(request.param))
    summary = train_and_evaluate(dense_config(request.param), workdir, quiet=True)
    return request.param, load_run(workdir), summary


@pytest.mark.outcome
def test_loss_falls_and_run_directory_is_complete(run, outcome):
    task, r, summary = run
    steps, loss = r.series("train", "loss")
    assert steps.tolist() == [8, 16, 24] and loss.shape == (3, 2)
    outcome.at_most("last / first train loss, worst replica", (loss[-1] / loss[0]).max(), 1.0)  # both learn
    if task == "segmentation":
        outcome.at_least("pixel accuracy, worst replica", r.final("pixel_accuracy").min(), 0.5)  # background: ~85%
    assert summary["status"] == "completed"
    plot = {"segmentation": "segmentation.png", "detection": "detections.png"}[task]
    for name in ("learning_curves.png", plot):
        assert os.path.getsize(os.path.join(r.plots_dir, name)) > 0


def test_test_metrics_are_per_replica_and_in_range(run):
    task, r, summary = run
    keys = {"segmentation": ("loss", "pixel_accuracy", "mean_iou"), "detection": ("loss", "map50", "map")}[task]
    assert set(keys) <= set(r.metric_names("test"))
    for key in keys[1:]:
        values = r.final(key)
        assert values.shape == (2,) and ((0 <= values) & (values <= 1)).all()
    if task == "segmentation":
        conf = np.array(summary["final_stats"]["confusion"])  # [K, 11, 11], every test pixel once
        assert conf.shape == (2, 11, 11) and conf.sum() == 2 * 500 * 48 * 48
    else:
        assert r.final("map") [0] <= r.final("map50")[0]
        assert "histograms" not in summary["final_stats"]  # kept out of summary.json
        num_gt = np.array(summary["final_stats"]["num_gt"])
        with open(os.path.join(r.path, "summary.json")) as f:
            assert len(f.read()) < 100_000
        from jaxdl.data import load_dataset

        assert num_gt.shape == (2, 10) and num_gt[0].sum() == load_dataset("digit_scenes").test["num_boxes"].sum()


def test_tasks_refuse_datasets_without_their_targets():
    for task in ("segmentation", "detection"):
        c = dense_config(task)
        c.dataset.name = "digits"
        with pytest.raises(UserError, match=task):
            build_experiment(c)


def test_figures_show_the_one_evaluation_and_lay_out_the_predictions(run):
    from PIL import Image

    from jaxdl import plots

    task, r, _ = run
    fig = plots.learning_curves_figure(r)
    tested = [ax for ax in fig.axes if ax.get_title().startswith("test ")]
    assert tested and r.series("test", "loss")[0].tolist() == [24]  # one evaluation: drawn as points
    assert all(line.get_marker() == "o" for ax in tested for line in ax.lines)
    if task == "detection":
        width, height = Image.open(os.path.join(r.plots_dir, "detections.png")).size
        assert width / height < 2.5, (width, height)  # 4 x 2 panels, not 8 in a 1760 x 253 strip


def test_dice_weight_adds_the_soft_dice_to_the_cross_entropy():
    import jax

    from jaxdl.data import to_float
    from jaxdl.tasks.segmentation import soft_dice_loss

    c = dense_config("segmentation")
    c.task.dice_weight = 0.5
    exp = build_experiment(c)
    task, batch = exp.task, exp.example_batch()
    state = task.init(jax.random.key(0), batch)
    loss, _ = task.loss(state.params, state.model_state, batch, jax.random.key(1))
    logits, _ = task.model.apply({"params": state.params, **state.model_state}, to_float(batch["inputs"]),
                                 train=True, mutable=list(state.model_state.keys()))
    labels = batch["segmentation"].astype(np.int32)
    dice = float(soft_dice_loss(logits, labels))
    assert 0.5 < dice < 1  # an untrained model's Dice is poor
    np.testing.assert_allclose(loss, task.pixel_loss(logits, labels).mean() + 0.5 * dice, rtol=1e-5)
    c.task.dice_weight = -1.0
    with pytest.raises(UserError, match="dice_weight"):
        build_experiment(c)
