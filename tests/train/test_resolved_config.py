"""config.json is the fully resolved config: the model's option defaults and the absolute data dir written
out, deterministically, so that a resumed run recognises its own run directory."""

import glob
import json
import os

from jaxdl.config import apply_overrides, config_from_json, load_config, to_json
from jaxdl.data import resolve_data_dir
from jaxdl.models import build_model_from_config, model_kwargs
from jaxdl.train.run import train_and_evaluate
from jaxdl.train.setup import resolve_config


def test_every_model_option_and_the_data_dir_are_written_out():
    c = load_config("experiments/configs/mnist1d_cnn.py")
    assert sorted(c.model) == ["name", "weight_init"]
    r = resolve_config(c)
    assert r.is_locked and sorted(r.model) == sorted(["name", *(k for k in model_kwargs("cnn1d") if k != "dtype")])
    assert r.model.weight_init == "torch"  # the config's own value stays
    assert r.model.channels == 25 and tuple(r.model.kernel_sizes) == (5, 3, 3)  # cnn1d: the MNIST-1D ConvBase
    assert r.data_dir == resolve_data_dir("") and os.path.isabs(r.data_dir)
    apply_overrides(c, [("data_dir", "~/elsewhere")])
    assert resolve_config(c).data_dir == os.path.join(os.path.expanduser("~"), "elsewhere")


def test_resolving_is_deterministic_idempotent_and_builds_the_same_model():
    for path in sorted(glob.glob("experiments/configs/*.py")):
        c = load_config(path)
        text = to_json(resolve_config(c))
        assert to_json(resolve_config(load_config(path))) == text, path
        again = resolve_config(config_from_json(text))  # what a resume, `jaxdl eval` and notebooks read back
        assert to_json(again) == text, path
        kwargs = dict(num_classes=10, dtype=c.dtype)
        if c.model.name in ("vae", "dcgan"):
            kwargs = dict(dtype=c.dtype, image_shape=(8, 8))
        assert build_model_from_config(again.model, **kwargs) == build_model_from_config(c.model, **kwargs), path


def test_the_run_directory_records_the_resolved_config_and_resumes_from_it(tiny, tmp_path):
    c = tiny("logreg", steps=20)
    w = str(tmp_path / "w")
    train_and_evaluate(c, w, quiet=True, tensorboard=False, plots=False)
    with open(os.path.join(w, "config.json")) as f:
        text = f.read()
    assert text == to_json(resolve_config(c)) and sorted(c.model) == ["name"]
    assert json.loads(text)["model"] == {"name": "logreg", "weight_init": "flax"}
    assert json.loads(text)["data_dir"] == resolve_data_dir("")
    first = json.load(open(os.path.join(w, "summary.json")))
    summary = train_and_evaluate(c, w, quiet=True, tensorboard=False, plots=False)
    assert summary == first  # the same config, recognised: the finished run is left as it is
