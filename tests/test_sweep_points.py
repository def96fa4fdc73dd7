"""Results by sweep point: summary.json, eval.json, the end-of-run table and load_run's per-replica table group
a sweep's replicas by setting and take mean ± std over seeds within each, never across settings."""

import json
import shutil
import sys

import numpy as np
import pytest

from jaxdl import sweeps
from jaxdl.cli import main
from jaxdl.report import format_table
from jaxdl.runs import load_run
from jaxdl.train.run import point_losses, progress_line

LRS = [1e-3, 3e-3, 1e-2]  # the stand-in sweep (conftest sweep_run_dir): replica 2 * point + seed


def test_summary_reports_mean_std_per_sweep_point(sweep_run_dir):
    summary = load_run(sweep_run_dir).summary
    acc = np.array(summary["final"]["test"]["accuracy"])
    assert "final_mean_std" not in summary  # a mean over three learning rates is no result
    assert [p["hparams"] for p in summary["points"]] == [{"optimizer.learning_rate": lr} for lr in LRS]
    for p, point in enumerate(summary["points"]):
        assert point["replicas"] == [2 * p, 2 * p + 1] and point["seeds"] == [0, 1] and point["completed"] == 2
        assert point["test"]["accuracy"] == pytest.approx({"mean": acc[2 * p:2 * p + 2].mean(),
                                                           "std": acc[2 * p:2 * p + 2].std()})


def test_end_of_run_table_has_a_mean_row_per_point_and_none_over_points(sweep_run_dir):
    summary = load_run(sweep_run_dir).summary
    table = format_table(summary, "w")
    rows = [line for line in table.splitlines() if line.startswith("mean ± std")]
    assert len(rows) == 3 and len(table.splitlines()) == 1 + 2 + 6 + 1 + 3
    for row, point in zip(rows, summary["points"], strict=True):
        acc = point["test"]["accuracy"]
        assert row.split()[3] == f"learning_rate={point['hparams']['optimizer.learning_rate']:g}"
        assert f"{acc['mean']:.4f}±{acc['std']:.4f}" in row


def test_eval_json_reports_per_sweep_point(sweep_run_dir, tmp_path, capsys):
    w = shutil.copytree(sweep_run_dir, tmp_path / "run")
    assert main(["eval", "--workdir", str(w)]) == 0
    out = capsys.readouterr().out
    result = json.loads((w / "eval.json").read_text())
    assert "mean_std" not in result and len(result["points"]) == 3
    acc = np.array(result["metrics"]["accuracy"])
    for p, point in enumerate(result["points"]):
        assert point["test"]["accuracy"]["mean"] == pytest.approx(acc[2 * p:2 * p + 2].mean())
        assert f"mean {acc[2 * p:2 * p + 2].mean():.4f} ± {acc[2 * p:2 * p + 2].std():.4f} over 2 seeds at " \
               f"learning_rate={LRS[p]:g}" in out


def test_load_run_records_and_table(sweep_run_dir, monkeypatch):
    run = load_run(sweep_run_dir)
    records = run.records()
    acc = run.summary["final"]["test"]["accuracy"]
    assert [(r["replica"], r["point"], r["seed"], r["optimizer.learning_rate"]) for r in records] == [
        (2 * p + s, p, s, lr) for p, lr in enumerate(LRS) for s in (0, 1)]
    assert [r["test_accuracy"] for r in records] == acc
    assert {r["status"] for r in records} == {"completed"} and {r["step"] for r in records} == {40}
    monkeypatch.setitem(sys.modules, "pandas", None)  # pandas not installed: the records themselves
    assert run.table() == records


def test_load_run_table_is_a_dataframe_with_pandas(sweep_run_dir):
    pandas = pytest.importorskip("pandas", reason="pandas is optional; the records path is tested without it")
    run = load_run(sweep_run_dir)
    by_lr = run.table().groupby("optimizer.learning_rate")["test_accuracy"].agg(["mean", "count"])
    assert isinstance(by_lr, pandas.DataFrame) and by_lr.index.tolist() == LRS
    np.testing.assert_allclose(by_lr["mean"], [p["test"]["accuracy"]["mean"] for p in run.summary["points"]])


def test_unfinished_run_reports_its_last_evaluation(tiny_run, tmp_path):
    w = shutil.copytree(tiny_run, tmp_path / "run")
    (w / "summary.json").unlink()  # a run killed before its end has no summary.json
    run = load_run(str(w))
    steps, acc = run.series("test", "accuracy")
    records = run.records()
    assert [(r["status"], r["step"], r["test_accuracy"]) for r in records] == [
        ("unfinished", int(steps[-1]), a) for a in acc[-1]]
    (point,) = run.point_stats()
    assert point["test"]["accuracy"]["mean"] == pytest.approx(acc[-1].mean())


def test_point_stats_leave_diverged_replicas_out_and_never_mix_points():
    replicas = [{"index": i, "seed": i % 2, "hparams": {"optimizer.learning_rate": [0.1, 1.0][i // 2]},
                 "status": "diverged" if i == 3 else "completed"} for i in range(4)]
    (a, b) = sweeps.point_stats(replicas, {"accuracy": [0.5, 0.7, 0.9, None]})
    assert a["test"]["accuracy"] == pytest.approx({"mean": 0.6, "std": 0.1}) and a["completed"] == 2
    assert b["test"]["accuracy"] == {"mean": 0.9, "std": 0.0} and b["completed"] == 1
    (only,) = sweeps.points([{"index": 0, "seed": 3, "hparams": {}}])  # no sweep: one point
    assert only == {"point": 0, "hparams": {}, "replicas": [0], "seeds": [3]}


def test_progress_line_per_sweep_point():
    loss = np.array([1.0, 3.0, 2.0, np.nan])  # replica 3 diverged
    assert point_losses(loss, [[0, 1], [2, 3]]) == [2.0, 2.0]
    assert np.isnan(point_losses(loss, [[3]])[0])
    assert progress_line(200, 1000, [0.5], 100.0) == "jaxdl: step 200/1000  train loss 0.5000  100 steps/s  ETA 0:00:08"
    assert "train loss by sweep point 0.5000 0.2500 " in progress_line(200, 1000, [0.5, 0.25], 100.0)


def test_tensorboard_gets_a_mean_per_sweep_point(tmp_path):
    from types import SimpleNamespace

    from jaxdl.train.rundir import MetricsLog

    log = MetricsLog(str(tmp_path), points=[({"optimizer.learning_rate": 0.1}, [0, 1]),
                                            ({"optimizer.learning_rate": 1.0}, [2, 3])])
    calls = []
    log.tb = SimpleNamespace(add_scalar=lambda tag, value, step: calls.append((tag, value, step)))
    log.write(10, "test", {"accuracy": np.array([0.5, 0.7, 0.9, np.nan])})  # replica 3 diverged
    assert calls[:2] == [("test/accuracy/learning_rate_0.1", pytest.approx(0.6), 10),
                         ("test/accuracy/learning_rate_1", 0.9, 10)]
    assert [tag for tag, _, _ in calls[2:]] == [f"test/accuracy/replica_{r}" for r in range(3)]
