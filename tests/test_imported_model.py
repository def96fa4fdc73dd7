"""A model from outside jaxdl, named by import path in a config: trained, recorded, and loaded again by
`jaxdl eval` through `restore_run`, the one restore path (`jaxdl plot`'s restored figures, `jaxdl transcribe`
and notebooks come through it too), from where the run imported it."""

import json
import os
import sys

import pytest

from jaxdl import cli

MODULE = '''
import flax.linen as nn


class TinyMLP(nn.Module):
    """float [B, ...] -> logits [B, num_classes]."""
    num_classes: int
    width: int = 8

    @nn.compact
    def __call__(self, x, train=False):
        x = nn.relu(nn.Dense(self.width)(x.reshape(len(x), -1)))
        return nn.Dense(self.num_classes)(x)
'''

CONFIG = '''
from jaxdl.config import base_config


def get_config():
    c = base_config()
    c.dataset.name = "mnist1d"
    c.model = dict(name="{name}")
    c.batch_size, c.steps, c.log_every, c.eval_every, c.eval_batch_size = 50, 20, 10, 20, 500
    return c
'''


@pytest.fixture
def user_files(tmp_path, monkeypatch):
    """tmp_path/mine/{my_models.py, cfg.py}; the test's sys.path and sys.modules are restored after it."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "my_models", raising=False)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "my_models.py").write_text(MODULE)

    def config(name):
        (mine / "cfg.py").write_text(CONFIG.format(name=name))
        return str(mine / "cfg.py")

    yield mine, config
    sys.modules.pop("my_models", None)


def test_a_model_named_by_import_path_trains_and_later_commands_load_it(user_files, tmp_path, capsys):
    mine, config = user_files
    w = str(tmp_path / "run")
    assert cli.main(["train", "--config", config("my_models:TinyMLP"), "--workdir", w, "--quiet"]) == 0
    assert json.load(open(os.path.join(w, "config.json")))["model"] == {"name": "my_models:TinyMLP", "width": 8}
    assert json.load(open(os.path.join(w, "env.json")))["model_path"] == str(mine)
    # a later process: the module is not imported, and its directory is not on sys.path
    sys.modules.pop("my_models")
    sys.path[:] = [p for p in sys.path if p != str(mine)]
    capsys.readouterr()
    assert cli.main(["eval", "--workdir", w]) == 0
    assert "accuracy" in capsys.readouterr().out
    assert sys.modules["my_models"].__file__ == str(mine / "my_models.py")  # imported again by restore_run


@pytest.mark.parametrize("name, said", [
    ("no_such_module:Model", "cannot import model 'no_such_module:Model': ModuleNotFoundError: No module named "
                             "'no_such_module'"),
    ("my_models:Missing", "model 'my_models:Missing': my_models has no linen Module class 'Missing'"),
    ("my_models:", "model 'my_models:': an import path is 'module.path:ClassName'"),
])
def test_a_model_that_cannot_be_imported_is_one_line_exit_2(user_files, tmp_path, capsys, name, said):
    _, config = user_files
    w = tmp_path / "run"
    assert cli.main(["train", "--config", config(name), "--workdir", str(w)]) == 2
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1, err
    assert not w.exists()
