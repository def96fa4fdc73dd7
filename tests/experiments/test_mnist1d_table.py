"""experiments/mnist1d_table.py end to end on a few steps: run directories, table.json, table.md."""

import importlib.util
import json
import os

import pytest

from jaxdl.runs import load_run, load_table

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "experiments", "mnist1d_table.py")


@pytest.fixture(scope="module")
def table_script():
    spec = importlib.util.spec_from_file_location("mnist1d_table", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_table_end_to_end_on_tiny_override(table_script, tmp_path, capsys):
    workdir = str(tmp_path / "table")
    argv = ["--workdir", workdir, "--models", "logreg,mlp", "--replicas", "2", "--jobs", "1",
            "--config.steps=20", "--config.log_every=10", "--config.eval_every=10"]
    assert table_script.main(argv) == 0
    models = load_table(workdir)
    assert list(models) == ["logreg", "mlp"]
    for row in models.values():
        run = load_run(os.path.join(workdir, row["workdir"]))
        assert run.num_replicas == row["replicas"] == 2 and row["steps"] == 20
        assert row["accuracy"] == pytest.approx(run.final("accuracy").tolist())
        assert 0 <= row["accuracy_std"] and 0 < row["accuracy_mean"] <= row["best_over_evals_mean"] <= 1
        assert run.config["model"]["weight_init"] == "torch" and run.config["optimizer"]["learning_rate"] == 1e-2
    table = json.load(open(os.path.join(workdir, "table.json")))
    assert table["total_wall_s"] >= sum(r["train_s"] for r in models.values()) > 0
    assert table["models"]["mlp"]["paper"] == 0.68 and table["machine"]["backend"]
    md = open(os.path.join(workdir, "table.md")).read()
    assert "| mlp | 68% |" in md and "NOT met" in md  # 20 steps do not reach the floors
    assert "68.0%" in capsys.readouterr().out


def test_bad_input_is_one_line_exit_2_and_writes_nothing(table_script, tmp_path, capsys):
    for argv in (["--models", "logreg,transformer"], ["--config.no_such_key=1"], ["--replicas", "x"]):
        workdir = str(tmp_path / "bad")
        assert table_script.main(["--workdir", workdir, *argv]) == 2
        assert not os.path.exists(workdir)
        err = capsys.readouterr().err
        assert err.startswith("mnist1d_table: error:") and err.count("\n") == 1


def test_jobs_split_the_models_and_give_the_same_numbers(table_script, tmp_path, capsys):
    """--jobs 2 trains the models in two processes at once; every number but the timings is the same."""
    assert table_script.job_groups(("logreg", "mlp", "cnn", "gru"), 2) == [["gru"], ["logreg", "mlp", "cnn"]]
    assert table_script.job_groups(("logreg", "mlp"), 4) == [["mlp"], ["logreg"]]
    common = ["--models", "logreg,mlp", "--replicas", "2", "--config.steps=20", "--config.log_every=10",
              "--config.eval_every=10"]
    tables = {}
    for jobs in ("1", "2"):
        workdir = str(tmp_path / f"jobs{jobs}")
        assert table_script.main(["--workdir", workdir, "--jobs", jobs, *common]) == 0
        tables[jobs] = json.load(open(os.path.join(workdir, "table.json")))
        assert not [n for n in os.listdir(workdir) if n.startswith(".jobs-")]  # the jobs' parts are gone
    assert tables["2"]["jobs"] == 2 and tables["1"]["jobs"] == 1
    for name in ("logreg", "mlp"):
        one, two = tables["1"]["models"][name], tables["2"]["models"][name]
        assert one["accuracy"] == two["accuracy"] and one["best_over_evals_mean"] == two["best_over_evals_mean"]
    assert "2 processes at once" in open(os.path.join(str(tmp_path / "jobs2"), "table.md")).read()
    assert "mlp" in capsys.readouterr().out
