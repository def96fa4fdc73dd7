"""A finished run left alone by a rerun of its command, and a finished run extended with a larger `steps`:
bit for bit the run that was that long from the start, refused (naming the key) where it would not be."""

import json
import os
import shutil

import pytest

from jaxdl import cli
from jaxdl.train.run import train_and_evaluate

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY_RUN_CONFIG = os.path.join(ROOT, "tests", "configs", "tiny_mlp.py")


def test_rerunning_a_finished_run_prints_its_table_and_changes_no_file(tiny_run, tmp_path, capsys, snapshot):
    w = str(shutil.copytree(tiny_run, tmp_path / "w"))
    before = snapshot(w)
    times = {n: os.stat(os.path.join(w, n)).st_mtime_ns for n in ("summary.json", "metrics.jsonl", "env.json")}
    assert cli.main(["train", "--config", TINY_RUN_CONFIG, "--workdir", w]) == 0
    out, err = capsys.readouterr()
    assert f"run {w} is complete (120 steps); nothing changed" in err and len(err.strip().splitlines()) == 1
    summary = json.load(open(os.path.join(w, "summary.json")))
    wall = summary["timings"]["total"]["total_s"]  # the table's end-to-end wall
    assert out.startswith(f"run {w}: 2 replica(s), 120 steps, {wall:.1f} s wall")  # the stored table
    assert snapshot(w) == before
    assert {n: os.stat(os.path.join(w, n)).st_mtime_ns for n in times} == times


def test_extending_a_run_equals_the_longer_run_bit_for_bit(tiny, tmp_path, assert_same_run):
    longer, extended = str(tmp_path / "longer"), str(tmp_path / "extended")
    train_and_evaluate(tiny("mlp", replicas=2, steps=60), longer, quiet=True, tensorboard=False, plots=False)
    train_and_evaluate(tiny("mlp", replicas=2, steps=40), extended, quiet=True, tensorboard=False, plots=False)
    summary = train_and_evaluate(tiny("mlp", replicas=2, steps=60), extended, quiet=True, tensorboard=False,
                                 plots=False)
    assert summary["resumed_from"] == 40 and summary["steps"] == 60
    assert_same_run(extended, longer)
    assert open(os.path.join(extended, "config.json")).read() == open(os.path.join(longer, "config.json")).read()
    assert [r["step"] for r in json.load(open(os.path.join(extended, "env.json")))["resumes"]] == [40]


@pytest.mark.parametrize("change, said", [
    (["--config.steps=160", "--config.optimizer.schedule=cosine"], "different config (optimizer.schedule"),
    (["--config.steps=80"], "steps: 120 there, 80 here: a run can be extended, not shortened"),
    (["--config.steps=160", "--config.log_every=40"], "different config (log_every: 20 there, 40 here"),
])
def test_an_extension_that_would_change_the_past_is_refused_naming_the_key(tiny_run, tmp_path, capsys,
                                                                             snapshot, change, said):
    w = str(shutil.copytree(tiny_run, tmp_path / "w"))
    before = snapshot(w)
    assert cli.main(["train", "--config", TINY_RUN_CONFIG, "--workdir", w, *change]) == 2
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1, err
    assert snapshot(w) == before


@pytest.mark.parametrize("old, why", [
    (dict(schedule="cosine"), "optimizer.schedule is 'cosine': its decay length is steps, so steps 160 would "
                              "change the learning rate of the 120 steps already taken"),
    (dict(steps=110), "log_every: the 110-step run's last train line averages 10 steps"),
])
def test_the_refusal_says_why_steps_cannot_grow(old, why):
    from jaxdl.config import load_config, to_json
    from jaxdl.train.rundir import extension_refusal

    a = load_config(TINY_RUN_CONFIG)
    with a.unlocked():
        a.optimizer.schedule = old.get("schedule", "constant")
        a.steps = old.get("steps", 120)
    b = a.copy_and_resolve_references()
    with b.unlocked():
        b.steps = 160
    assert why in extension_refusal(to_json(a), to_json(b))
    assert extension_refusal(to_json(a), to_json(a)) == "a different config"  # nothing to extend
