"""The plotting module and `jaxdl plot` on a tiny sweep run: which plots a run gets, and that they show the
run's numbers."""

import json
import os
import shutil

import matplotlib.colors
import matplotlib.image
import numpy as np
import pytest

from jaxdl import plots, tables
from jaxdl.cli import main
from jaxdl.errors import UserError
from jaxdl.runs import load_run, load_table


@pytest.fixture(scope="module")
def sweep_run(sweep_run_dir):
    """2 seeds x 3 learning rates, 40 steps: 6 replicas in one program."""
    return load_run(sweep_run_dir)


def copy_run(run, dest):
    shutil.copytree(run.path, dest, ignore=shutil.ignore_patterns("plots", "tensorboard"))
    return load_run(str(dest))


def test_jaxdl_plot_writes_the_standard_plots(sweep_run, tmp_path, capsys):
    run = copy_run(sweep_run, tmp_path / "run")
    assert main(["plot", "--workdir", run.path]) == 0
    printed = capsys.readouterr().out.split()
    names = sorted(os.path.basename(p) for p in printed)
    assert names == ["confusion.png", "learning_curves.png", "sweep.png"]  # no samples.npy: no sample grid
    for path in printed:
        assert path.startswith(run.plots_dir)
        assert matplotlib.image.imread(path).ndim == 3


@pytest.mark.parametrize("make", ["missing", "not a run"])
def test_jaxdl_plot_bad_workdir_is_one_line_exit_2(make, tmp_path, capsys):
    workdir = tmp_path / "w"
    if make == "not a run":
        workdir.mkdir()
    assert main(["plot", "--workdir", str(workdir)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("jaxdl: error: ") and err.count("\n") == 1 and "config.json" in err
    assert not (workdir / "plots").exists()


def test_sweep_figure_has_one_point_per_replica_at_its_final_accuracy(sweep_run):
    assert sweep_run.sweep == {"optimizer.learning_rate": [1e-3, 3e-3, 1e-2]}
    ax = plots.sweep_figure(sweep_run).axes[0]
    points = np.concatenate([c.get_offsets() for c in ax.collections])
    expected = [(r["hparams"]["optimizer.learning_rate"], a) for r, a in zip(sweep_run.replicas,
                                                                               sweep_run.final(), strict=True)]
    assert sorted(map(tuple, points.tolist())) == sorted(expected)
    mean_line = ax.lines[0].get_ydata()
    np.testing.assert_allclose(mean_line, sweep_run.final().reshape(3, 2).mean(1))  # replica = point * 2 + seed


def test_sweep_figure_refuses_a_run_without_sweep(sweep_run, tmp_path):
    run = copy_run(sweep_run, tmp_path / "run")
    for r in run.replicas:
        r["hparams"] = {}
    with pytest.raises(ValueError):
        plots.sweep_figure(run)


def test_confusion_figure_has_a_panel_per_sweep_point_with_its_counts(sweep_run):
    conf, titles = plots.run_confusion(sweep_run)
    per_replica = np.asarray(sweep_run.summary["final_stats"]["confusion"])  # [6, 10, 10]
    assert conf.shape == (3, 10, 10)  # one per learning rate, never summed across them
    np.testing.assert_array_equal(conf, per_replica.reshape(3, 2, 10, 10).sum(1))  # replica = 2 * point + seed
    assert [t.split(":")[0] for t in titles] == ["learning_rate=0.001", "learning_rate=0.003", "learning_rate=0.01"]
    fig = plots.confusion_figure(conf, titles)
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == titles
    for ax, counts in zip(panels, conf, strict=True):
        np.testing.assert_array_equal(np.reshape([float(t.get_text()) for t in ax.texts], (10, 10)), counts)
    one = plots.confusion_figure(conf[0], "one")  # [C, C] and one title: one panel, as notebooks call it
    assert [ax.get_title() for ax in one.axes if ax.images] == ["one"]


def test_learning_curves_have_one_band_per_sweep_point(sweep_run):
    fig = plots.learning_curves_figure(sweep_run)
    ax = next(a for a in fig.axes if a.get_title() == "test accuracy")
    steps, acc = sweep_run.series("test", "accuracy")
    assert len(ax.collections) == 3  # one ± std band per learning rate, none over all six replicas
    means = [line for line in ax.lines if line.get_linewidth() == 2]
    assert [m.get_label().split(" ")[0] for m in means] == ["learning_rate=0.001", "learning_rate=0.003",
                                                            "learning_rate=0.01"]
    for p, (line, band) in enumerate(zip(means, ax.collections, strict=True)):
        np.testing.assert_allclose(line.get_ydata(), acc[:, 2 * p:2 * p + 2].mean(1))
        assert matplotlib.colors.same_color(band.get_facecolor()[0][:3], line.get_color())


def test_compare_runs_figure_bands_each_run_and_sweep_point(sweep_run, tiny_run):
    fig = plots.compare_runs_figure({"sweep": sweep_run, "tiny": load_run(tiny_run)},
                                    panels=[("train", "loss"), ("test", "accuracy")])
    for ax in fig.axes:
        labels = [line.get_label() for line in ax.lines]
        assert labels == [f"sweep learning_rate={lr} (K=2)" for lr in ("0.001", "0.003", "0.01")] + ["tiny (K=2)"]
        assert len(ax.collections) == 4


def test_samples_in_both_layouts_and_their_grid(sweep_run, tmp_path):
    run = copy_run(sweep_run, tmp_path / "run")
    per_replica = np.random.default_rng(0).uniform(size=(2, 5, 8, 8, 1)).astype(np.float32)
    np.save(os.path.join(run.path, "samples.npy"), per_replica)
    with open(os.path.join(run.path, "samples_meta.json"), "w") as f:
        json.dump({"range": [0, 1], "shape": [2, 5, 8, 8, 1]}, f)
    samples, meta = run.samples(replica=1)
    np.testing.assert_array_equal(samples, per_replica[1])
    assert meta["range"] == [0, 1]
    assert "samples.png" in [os.path.basename(p) for p in plots.standard_plots(run)]
    np.save(os.path.join(run.path, "samples.npy"), per_replica.reshape(10, 8, 8, 1))  # as the tasks write it
    with open(os.path.join(run.path, "samples_meta.json"), "w") as f:
        json.dump({"range": [0, 1], "shape": [10, 8, 8, 1], "replicas": 2, "per_replica": 5}, f)
    np.testing.assert_array_equal(run.samples(replica=1)[0], per_replica[1])  # flat, replica-major
    with pytest.raises(UserError, match="replica 2"):
        run.samples(replica=2)
    os.remove(os.path.join(run.path, "samples_meta.json"))
    np.testing.assert_array_equal(run.samples(replica=1)[0], per_replica.reshape(10, 8, 8, 1))  # no meta: whole
    np.save(os.path.join(run.path, "samples.npy"), np.zeros(3))
    with pytest.raises(UserError):
        run.samples()


def test_grid_draws_signals_as_lines_and_images_as_images():
    signals = plots.grid_figure(np.zeros((3, 40)), ncols=3)
    images = plots.grid_figure(np.zeros((3, 8, 8, 1)), ncols=3)
    assert all(len(ax.lines) == 1 and not ax.images for ax in signals.axes)
    assert all(len(ax.images) == 1 and not ax.lines for ax in images.axes)


def test_latent_map_uses_principal_components_beyond_two_dims():
    z = np.zeros((50, 3))
    z[:, 2] = np.linspace(-1, 1, 50)  # all variance in the third dimension
    ax = plots.latent_map_figure(z, np.arange(50) % 10).axes[0]
    xy = ax.collections[0].get_offsets()
    np.testing.assert_allclose(np.abs(xy[:, 0]), np.abs(z[:, 2]), atol=1e-12)
    assert ax.get_xlabel() == "PC 1"


def test_table_json_schema_and_comparison(tmp_path):
    with pytest.raises(UserError, match="table.json"):
        load_table(str(tmp_path))
    (tmp_path / "table.json").write_text(json.dumps({"models": {"mlp": {"accuracy_mean": 0.5}}}))
    with pytest.raises(UserError, match="accuracy_std"):
        load_table(str(tmp_path))
    (tmp_path / "table.json").write_text(json.dumps(
        {"models": {"mlp": {"accuracy_mean": 0.5, "accuracy_std": 0.02, "replicas": 5}, "extra": {
            "accuracy_mean": 0.1, "accuracy_std": 0.0}}}))
    rows = tables.compare_rows(load_table(str(tmp_path)))
    assert [r["model"] for r in rows] == ["logreg", "mlp", "cnn", "gru", "extra"]
    text = tables.format_comparison(rows).splitlines()
    assert text[3].split() == ["mlp", "68.0%", "50.0%", "±", "2.0", "5", "-"]
    assert text[2].split() == ["logreg", "32.0%", "-", "-", "-"]


def test_jaxdl_plot_on_a_run_that_has_not_started(sweep_run, tmp_path, capsys):
    workdir = tmp_path / "w"
    workdir.mkdir()
    shutil.copy(os.path.join(sweep_run.path, "config.json"), workdir)
    assert main(["plot", "--workdir", str(workdir)]) == 0
    assert "nothing to plot" in capsys.readouterr().out


def test_sweep_figure_of_two_keys_never_averages_over_the_other(sweep_run, tmp_path):
    run = copy_run(sweep_run, tmp_path / "run")
    for r in run.summary["replicas"]:  # as if the seed axis were a second swept key: momentum 0.8 or 0.9
        r["hparams"]["optimizer.momentum"] = [0.8, 0.9][r["seed"]]
    ax = plots.sweep_figure(run).axes[0]
    final = run.final().reshape(3, 2)  # [learning rate, momentum]
    assert [line.get_label() for line in ax.lines] == ["mean, momentum=0.8", "mean, momentum=0.9"]
    for m, line in enumerate(ax.lines):
        np.testing.assert_allclose(line.get_ydata(), final[:, m])


def _extent(artist, fig):
    """artist's box in pixels, as drawn (the layout runs at draw time)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return artist.get_window_extent(canvas.get_renderer())


def test_sweep_legend_sits_beside_the_curves_not_on_them(sweep_run):
    fig = plots.sweep_figure(sweep_run)
    assert not fig.axes[0].get_legend() and len(fig.legends) == 1
    legend, ax = _extent(fig.legends[0], fig), _extent(fig.axes[0], fig)
    assert legend.x0 >= ax.x1  # right of the panel
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["seed 0", "seed 1", "mean"]


def test_a_log_scale_loss_band_stays_on_the_axis(tmp_path):
    from jaxdl.runs import Run

    loss = [[0.01, 0.01, 10.0], [0.005, 0.01, 8.0]]  # mean - std < 0 at both steps
    rows = [{"step": s, "split": "train", "loss": v} for s, v in zip((10, 20), loss, strict=True)]
    replicas = [{"index": k, "seed": k, "hparams": {}} for k in range(3)]
    fig = plots.learning_curves_figure(Run(str(tmp_path), {}, {"replicas": replicas}, rows, None))
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(0.005)  # clipped at the lowest replica, not below zero
    assert [line.get_marker() for line in ax.lines] == ["o"] * 4  # two points per curve: drawn as markers


def test_segmentation_figure_has_a_legend_of_the_classes_drawn():
    images = np.zeros((2, 8, 8, 1), np.float32)
    target, pred = np.zeros((2, 8, 8), int), np.zeros((2, 8, 8), int)
    target[0, :2], target[1, :2], pred[0, 4:] = 1, 4, 7  # dataset classes 0, 3 and 6
    fig = plots.segmentation_figure(images, target, pred)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["0", "3", "6"]
    assert _extent(fig.legends[0], fig).x0 >= max(_extent(ax, fig).x1 for ax in fig.axes)


def test_detection_figure_is_a_grid():
    n = 8
    examples = {"inputs": np.zeros((n, 32, 32, 1), np.float32), "boxes": np.tile([[[2, 2, 10, 10]]], (n, 1, 1)),
                "box_classes": np.ones((n, 1), int), "num_boxes": np.ones(n, int)}
    fig = plots.detection_figure(examples, examples["boxes"], np.full((n, 1), 0.9), examples["box_classes"], 0.5)
    width, height = fig.get_size_inches()
    assert len(fig.axes) == 8 and width / height < 2.5
    texts = fig.axes[0].texts  # truth under its box, detection above: the two labels do not overlap
    assert [t.get_text() for t in texts] == ["1", "1:0.90"]
    assert not _extent(texts[0], fig).overlaps(_extent(texts[1], fig))
