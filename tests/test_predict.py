"""Seq2seq predictions you can see: a short addition run writes test queries with references and answers
(predictions.txt, plots/predictions.png), and `jaxdl predict` answers queries the same way; bad queries and
runs are one-line errors (exit 2)."""

import os

import pytest
from PIL import Image

from jaxdl.cli import main
from jaxdl.config import base_config
from jaxdl.train.run import train_and_evaluate


@pytest.fixture(scope="module")
def addition_run(tmp_path_factory):
    c = base_config()
    c.dataset.name, c.task.name = "addition", "seq2seq"
    c.model = dict(name="seq2seq", cell="lstm", hidden_size=16, embed_dim=8)
    c.batch_size, c.steps, c.log_every, c.eval_every, c.eval_batch_size = 64, 20, 10, 20, 1000
    workdir = str(tmp_path_factory.mktemp("addition") / "run")
    train_and_evaluate(c, workdir, quiet=True, tensorboard=False, plots=False)  # predictions.png is the task's
    return workdir


def test_a_run_writes_its_predictions_and_predict_gives_the_same_answers(addition_run, capsys):
    lines = open(os.path.join(addition_run, "predictions.txt")).read().splitlines()
    assert lines[0] == "# replica 0 at step 20, greedy decoding, first test queries"
    rows = [line.split("\t") for line in lines[2:]]
    assert len(rows) == 8
    for query, reference, answer, right in rows:
        a, b = query.split("+")
        assert reference == str(int(a) + int(b)) and right == ("yes" if answer == reference else "no")
    width, height = Image.open(os.path.join(addition_run, "plots", "predictions.png")).size
    assert width > 0 and height > 0
    queries = [rows[0][0], rows[1][0]]
    assert main(["predict", "--workdir", addition_run, *queries]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{q}\t{r[2]}" for q, r in zip(queries, rows, strict=False)]


@pytest.mark.parametrize("args, said", [
    (["12a+4"], "query '12a+4' has 'a', not in the vocabulary of 'addition' (characters: 0123456789+)"),
    (["1234+5678"], "query '1234+5678' has 9 characters; 'addition' queries have at most 7"),
    ([""], "query '' is empty"),
    (["--replica", "1", "1+1"], "replica 1 is not in"),
])
def test_bad_queries_are_one_line_exit_2(addition_run, capsys, args, said):
    assert main(["predict", "--workdir", addition_run, *args]) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1, err


def test_predict_needs_a_seq2seq_run(tiny_run, capsys):
    assert main(["predict", "--workdir", tiny_run, "1+1"]) == 2
    err = capsys.readouterr().err
    assert "is a 'classification' run; predict needs a 'seq2seq' run" in err and err.count("\n") == 1
