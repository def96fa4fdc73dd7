import json

import pytest

from jaxdl.config import apply_override, base_config, config_from_json, load_config, to_json
from jaxdl.errors import UserError


def locked():
    c = base_config()
    c.lock()
    return c


def test_overrides_parse_and_keep_types():
    c = locked()
    apply_override(c, "optimizer.learning_rate", "3e-3")
    apply_override(c, "replicas", "5")
    apply_override(c, "optimizer.weight_decay", "1")  # int literal into a float field
    apply_override(c, "optimizer.name", "sgd")  # bare word stays a string
    apply_override(c, "sweep", '{"optimizer.learning_rate": [0.001, 0.01]}')
    assert c.optimizer.learning_rate == 3e-3 and c.replicas == 5
    assert c.optimizer.weight_decay == 1.0 and isinstance(c.optimizer.weight_decay, float)
    assert c.optimizer.name == "sgd"
    assert dict(c.sweep) == {"optimizer.learning_rate": [0.001, 0.01]}
    for text, value in (("false", False), ("True", True), ("FALSE", False), ("true", True)):
        apply_override(c, "shuffle", text)  # a boolean key takes Python's spelling and the lowercase one
        assert c.shuffle is value


@pytest.mark.parametrize("key,value,match", [
    ("optimizer.learnin_rate", "1e-3", "unknown config key: optimizer.learnin_rate \\(did you mean 'learning_rate'"),
    ("optimzer.learning_rate", "1e-3", "unknown config key: optimzer \\(did you mean 'optimizer'"),
    ("optimizer.zzz", "1e-3", "unknown config key: optimizer.zzz$"),
    ("nope.learning_rate", "1e-3", "unknown config key: nope"),
    ("replicas", "abc", "takes a int"),
    ("optimizer.learning_rate", "fast", "takes a float"),
    ("sweep", "[1, 2]", "takes a dict"),
    ("shuffle", "1", "takes True or False, got '1'"),
    ("shuffle", "yes", "takes True or False"),
])
def test_bad_overrides(key, value, match):
    with pytest.raises(UserError, match=match):
        apply_override(locked(), key, value)


def test_load_config_errors(tmp_path):
    with pytest.raises(UserError, match="not found"):
        load_config(str(tmp_path / "missing.py"))
    raising = tmp_path / "raises.py"
    raising.write_text("def get_config():\n    raise RuntimeError('boom')\n")
    with pytest.raises(UserError, match="raised RuntimeError: boom"):
        load_config(str(raising))
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    with pytest.raises(UserError, match="no get_config"):
        load_config(str(empty))


def test_every_experiment_config_loads_and_serialises():
    import glob

    paths = sorted(glob.glob("experiments/configs/*.py"))
    assert paths
    for path in paths:
        c = load_config(path)
        assert c.dataset.name and c.model.name
        assert to_json(c) == to_json(load_config(path))  # deterministic config.json


@pytest.mark.parametrize("key,value,dotted", [
    ("optimizer", "{'name': 'sgd'}", [("optimizer.name", "sgd")]),
    ("optimizer", "{}", []),
    ("task", "{}", []),
    ("dataset", "{}", []),
    ("task", "{'label_smoothing': 0.1}", [("task.label_smoothing", "0.1")]),
])
def test_a_dict_for_optimizer_task_or_dataset_merges_into_the_config(key, value, dotted):
    """A whole dict used to replace the sub-config and drop keys the trainer reads (AttributeError: 'schedule')."""
    merged, expected = base_config(), base_config()
    apply_override(merged, key, value)
    for k, v in dotted:
        apply_override(expected, k, v)
    assert to_json(merged) == to_json(expected)


def test_a_dataset_dict_may_add_the_datasets_own_keys():
    c = base_config()
    apply_override(c, "dataset", "{'name': 'text', 'max_len': 12}")
    assert c.dataset.name == "text" and c.dataset.max_len == 12 and c.optimizer.schedule == "constant"


def test_a_dotted_override_may_add_a_datasets_own_key():
    c = base_config()
    apply_override(c, "dataset.path", "mine.npz")
    apply_override(c, "dataset.augment", "{'crop': 2}")
    assert c.dataset.path == "mine.npz" and c.dataset.augment.crop == 2
    with pytest.raises(UserError, match="unknown config key: optimizer.learnig_rate"):  # other groups stay closed
        apply_override(c, "optimizer.learnig_rate", "0.1")


def test_a_run_recorded_before_a_key_existed_reads_with_that_keys_default():
    c = base_config()
    c.task.name, c.task.r1_weight, c.model = "gan", 2.0, {"name": "dcgan", "latent_dim": 8}
    recorded = json.loads(to_json(c))
    del recorded["task"]["spectral_norm"], recorded["optimizer"]["b1"], recorded["mesh"]
    read = config_from_json(json.dumps(recorded))
    assert read.task.spectral_norm is False and read.task.r1_weight == 2.0 and read.task.name == "gan"
    assert read.optimizer.b1 == base_config().optimizer.b1 and dict(read.mesh) == {}
    assert dict(read.model) == {"name": "dcgan", "latent_dim": 8}  # no defaults of another model
    assert to_json(read) == to_json(config_from_json(to_json(c)))
