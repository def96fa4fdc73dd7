"""`jaxdl compare DIR...`: one table of several runs, a row per run and sweep point, as text, CSV or JSON, and
a figure of their curves; a directory that holds no run is bad input, an unfinished run a marked row."""

import csv
import io
import json
import shutil

import matplotlib.image
import pytest

from jaxdl.cli import main
from jaxdl.runs import load_run


def compare(capsys, *argv):
    code = main(["compare", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_table_has_a_row_per_run_and_point_and_only_the_differing_keys(sweep_run_dir, tiny_run, capsys):
    code, out, _ = compare(capsys, sweep_run_dir, tiny_run)
    assert code == 0
    header, _, *rows = out.splitlines()
    # tiny_run: tests/configs/tiny_mlp.py (120 steps, lr 1e-2, no sweep); the sweep: 40 steps, 3 learning rates
    assert "steps" in header.split() and "sweep.optimizer.learning_rate" in header
    assert "optimizer.name" not in header and "batch_size" not in header  # the same in both runs
    assert len(rows) == 4
    sweep = load_run(sweep_run_dir).summary
    for row, point in zip(rows[:3], sweep["points"], strict=True):
        acc = point["test"]["accuracy"]
        assert row.split()[:3] == [sweep_run_dir, "completed", "40"]  # both directories are named "run": paths
        assert f"learning_rate={point['hparams']['optimizer.learning_rate']:g}" in row
        assert f"{acc['mean']:.4f}±{acc['std']:.4f}" in row and f"{sweep['wall_s']:.1f}" in row
    tiny = load_run(tiny_run).summary["final_mean_std"]["test"]["accuracy"]
    assert rows[3].split()[1:3] == ["completed", "120"] and f"{tiny['mean']:.4f}±{tiny['std']:.4f}" in rows[3]


def test_csv_and_json_hold_the_same_rows(sweep_run_dir, tiny_run, capsys):
    _, text, _ = compare(capsys, sweep_run_dir, tiny_run, "--csv")
    table = list(csv.DictReader(io.StringIO(text)))
    _, text, _ = compare(capsys, sweep_run_dir, tiny_run, "--json")
    rows = json.loads(text)
    assert len(table) == len(rows) == 4
    for line, row in zip(table, rows, strict=True):
        assert float(line["test_accuracy_mean"]) == row["test"]["accuracy"]["mean"]
        assert float(line["test_accuracy_std"]) == row["test"]["accuracy"]["std"]
        assert json.loads(line["steps"]) == row["config"]["steps"]
    assert [line["optimizer.learning_rate"] for line in table] == ["0.001", "0.003", "0.01", ""]


def test_a_swept_key_shows_each_points_value(sweep_run_dir, tiny_run, tmp_path, capsys):
    w = shutil.copytree(tiny_run, tmp_path / "other")
    config = json.loads((w / "config.json").read_text())
    config["optimizer"]["learning_rate"] = 0.05  # as if trained at 0.05: the sweep's base value now differs
    (w / "config.json").write_text(json.dumps(config))
    _, text, _ = compare(capsys, sweep_run_dir, w, "--csv")
    table = list(csv.DictReader(io.StringIO(text)))
    assert [line["optimizer.learning_rate"] for line in table] == ["0.001", "0.003", "0.01", "0.05"]
    assert list(csv.reader(io.StringIO(text)))[0].count("optimizer.learning_rate") == 1


def test_plot_overlays_the_runs_curves(sweep_run_dir, tiny_run, tmp_path, capsys):
    png = tmp_path / "compare.png"
    code, out, _ = compare(capsys, sweep_run_dir, tiny_run, "--plot", png)
    assert code == 0 and len(out.splitlines()) == 2 + 4
    assert matplotlib.image.imread(png).shape[1] > matplotlib.image.imread(png).shape[0]  # two panels side by side


def test_unfinished_run_is_a_marked_row_of_its_last_evaluation(tiny_run, tmp_path, capsys):
    w = shutil.copytree(tiny_run, tmp_path / "killed")
    (w / "summary.json").unlink()  # a run killed before its end
    code, out, _ = compare(capsys, tiny_run, w)
    header, _, done, killed = out.splitlines()
    acc = load_run(str(w)).series("test", "accuracy")[1][-1]
    assert code == 0 and header.split()[5] == "sweep"  # the same config: no config column
    assert killed.split()[:4] == ["killed", "unfinished", "120", "-"]  # no wall time
    assert f"{acc.mean():.4f}±{acc.std():.4f}" in killed
    (tmp_path / "new").mkdir()
    shutil.copy(w / "config.json", tmp_path / "new")  # a run that wrote its config, nothing else yet
    code, out, _ = compare(capsys, tmp_path / "new")
    assert code == 0 and out.splitlines()[2].split()[:5] == ["new", "unfinished", "0", "-", "-"]


@pytest.mark.parametrize("case", ["missing", "not a run", "csv and json"])
def test_bad_input_is_one_line_exit_2(case, tiny_run, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    argv = {"missing": [tiny_run, tmp_path / "nope"], "not a run": [tmp_path / "empty"],
            "csv and json": [tiny_run, "--csv", "--json"]}[case]
    code, out, err = compare(capsys, *argv)
    assert code == 2 and out == "" and err.startswith("jaxdl: error: ") and err.count("\n") == 1, err
