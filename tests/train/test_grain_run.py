"""The grain pipeline inside the one trainer: the same losses as the device path on the same data order, the
"auto" choice, kill -9 then resume bitwise, bad settings in one line, ImageNet's config on a fake ImageNet."""

import json
import os

import numpy as np
import pytest
from fake_tfds import prepare_fake

from jaxdl.cli import main
from jaxdl.config import apply_overrides, base_config, load_config
from jaxdl.data import Dataset
from jaxdl.train.run import train_and_evaluate
from jaxdl.train.setup import build_experiment

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "datasets", "tfds")


@pytest.fixture(scope="module")
def fake_mnist(tmp_path_factory):
    """(data_dir, arrays) of a fake mnist: 64 train, 25 test random images."""
    data_dir = str(tmp_path_factory.mktemp("grain_mnist"))
    arrays = prepare_fake("mnist", data_dir, num_train=64, num_test=25)
    return data_dir, {s: {"image": np.stack(a["image"]), "label": a["label"]} for s, a in arrays.items()}


def mnist_config(data_dir, pipeline="grain", **overrides):
    c = base_config()
    c.dataset.name, c.dataset.pipeline, c.dataset.workers = "mnist", pipeline, 0
    c.data_dir = data_dir
    c.model = dict(name="mlp", hidden_sizes=(16,))
    c.optimizer.learning_rate = 1e-2
    c.batch_size, c.steps, c.log_every, c.eval_every, c.eval_batch_size = 8, 16, 4, 8, 10
    for key, value in overrides.items():
        c[key] = value
    return c


def config_file(path, data_dir, workers, steps, *lines):
    """A config file (for `jaxdl train` subprocesses) of a grain run on the fake mnist: an MLP, batch 8, `steps`
    steps, evaluated every 8; `lines` set more of `c`."""
    path.write_text(
        "from jaxdl.config import base_config\n"
        "def get_config():\n"
        "    c = base_config()\n"
        f"    c.dataset.name, c.dataset.pipeline, c.dataset.workers, c.data_dir = 'mnist', 'grain', {workers}, "
        f"{data_dir!r}\n"
        "    c.model = dict(name='mlp', hidden_sizes=(16,))\n"
        f"    c.batch_size, c.steps, c.log_every, c.eval_every, c.eval_batch_size = 8, {steps}, 4, 8, 10\n"
        + "".join(f"    {line}\n" for line in lines) + "    return c\n")
    return path


def train_losses(workdir):
    rows = [json.loads(line) for line in open(os.path.join(workdir, "metrics.jsonl"))]
    return np.array([r["loss"] for r in rows if r["split"] == "train"])


def test_grain_and_device_paths_train_alike_on_the_same_order(fake_mnist, tmp_path):
    """shuffle=False: both read the stored order, so the compiled step sees the same batches: the same losses.
    (With shuffle their orders differ: Philox on the host, JAX's permutation on the device.) Two workers."""
    data_dir, _ = fake_mnist
    grain_cfg = mnist_config(data_dir, shuffle=False, replicas=2)
    grain_cfg.dataset.workers = 2
    grain = train_and_evaluate(grain_cfg, str(tmp_path / "grain"), quiet=True, plots=False)
    device = train_and_evaluate(mnist_config(data_dir, "device", shuffle=False, replicas=2), str(tmp_path / "device"),
                                quiet=True, plots=False)
    np.testing.assert_allclose(train_losses(tmp_path / "grain"), train_losses(tmp_path / "device"), rtol=1e-6)
    assert grain["final"] == device["final"]
    assert grain["data"]["pipeline"] == "grain" and "shared by every replica" in grain["data"]["batches"]
    assert device["data"]["pipeline"] == "device"
    # with shuffle, each epoch is a new order: the losses differ from the stored order's
    shuffled = train_and_evaluate(mnist_config(data_dir), str(tmp_path / "shuffled"), quiet=True, plots=False)
    assert shuffled["status"] == "completed"
    assert not np.allclose(train_losses(tmp_path / "shuffled")[:, 0], train_losses(tmp_path / "grain")[:, 0])


def test_auto_streams_only_what_exceeds_the_device_budget(fake_mnist):
    data_dir, _ = fake_mnist
    assert build_experiment(mnist_config(data_dir, "auto")).pipeline == "device"  # 89 examples: 70 kB
    tiny_budget = mnist_config(data_dir, "auto")
    tiny_budget.dataset.device_budget_gb = 1e-5  # 10 kB
    exp = build_experiment(tiny_budget)
    assert exp.pipeline == "grain" and exp.dataset.num_train == 64 and exp.dataset.input_shape == (28, 28, 1)


def test_kill_9_then_the_same_command_resumes_bitwise(fake_mnist, tmp_path, faulty_train, assert_same_run):
    data_dir, _ = fake_mnist
    config = config_file(tmp_path / "grain_mnist.py", data_dir, 1, 24, "c.dataset.augment = {'crop': 2, 'flip': True}")
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    out = faulty_train(whole, "none", 0, config=str(config))
    assert out.returncode == 0, out.stderr[-2000:]
    out = faulty_train(killed, "kill_at", 12, config=str(config))  # after checkpoint 8, before 16
    assert out.returncode == -9, out.stderr[-2000:]
    assert sorted(int(n) for n in os.listdir(killed / "checkpoints") if n.isdigit()) == [8]
    out = faulty_train(killed, "none", 0, config=str(config))
    assert out.returncode == 0, out.stderr[-2000:]
    assert_same_run(str(killed), str(whole))
    assert main(["eval", "--workdir", str(whole)]) == 0  # the test split streamed again, from the checkpoint
    summary = json.load(open(whole / "summary.json"))
    assert json.load(open(whole / "eval.json"))["metrics"] == summary["final"]["test"]


@pytest.mark.parametrize("override, message", [
    ("--config.dataset.pipeline=gpu", "dataset.pipeline must be one of 'device', 'grain', 'auto', got 'gpu'"),
    ("--config.dataset.device_budget_gb=-1", "dataset.device_budget_gb must be a number of GB > 0, got -1"),
    ("--config.dataset.workers=-1", "dataset.workers must be an integer >= 0"),
    ("--config.dataset.pipeline=grain", "dataset.pipeline 'grain' reads image classification datasets"),
])
def test_bad_pipeline_settings_are_one_line_exit_2(override, message, tmp_path, capsys):
    config = os.path.join(ROOT, "tests", "configs", "tiny_mlp.py")  # MNIST-1D: not an image dataset
    assert main(["train", "--config", config, "--workdir", str(tmp_path / "w"), override]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
    assert not os.path.exists(tmp_path / "w")


def test_imagenet_resnet50_config_trains_on_the_grain_path(tmp_path):
    """experiments/configs/imagenet_resnet50.py on a fake imagenet2012 (JPEG photos of two sizes) at 32 px, its
    ResNet-50 8 filters wide in float32 (bfloat16 and 64 filters cost minutes of CPU compile and step time)."""
    data_dir = str(tmp_path / "tfds")
    prepare_fake("imagenet2012", data_dir, num_train=16, num_test=6)
    c = load_config(os.path.join(ROOT, "experiments", "configs", "imagenet_resnet50.py"))
    apply_overrides(c, [("data_dir", data_dir), ("dataset.image_size", "32"), ("dataset.workers", "0"),
                        ("batch_size", "4"), ("steps", "4"), ("log_every", "2"), ("eval_every", "4"),
                        ("checkpoint_every", "4"), ("eval_batch_size", "4"),
                        ("model", "{'name': 'resnet50', 'num_filters': 8}"),
                        ("dtype", "'float32'")])
    summary = train_and_evaluate(c, str(tmp_path / "run"), quiet=True, plots=False)
    assert summary["data"]["pipeline"] == "grain"
    assert summary["status"] == "completed" and np.isfinite(train_losses(tmp_path / "run")).all()
    assert 0 <= summary["final"]["test"]["accuracy"][0] <= 1


@pytest.mark.skipif(not os.path.isdir(os.path.join(SHARED, "mnist")), reason=f"real MNIST is not in {SHARED}")
def test_real_mnist_grain_and_device_paths_give_the_same_losses(tmp_path):
    """The first 20 batches of real MNIST in stored order: streamed (grain) and from arrays (device)."""
    import tensorflow_datasets as tfds

    def split(name):
        source = tfds.builder("mnist", data_dir=SHARED).as_data_source(split=name)
        examples = source.__getitems__(list(range(len(source))))
        return np.stack([e["image"] for e in examples]), np.array([e["label"] for e in examples])

    c = mnist_config(SHARED, shuffle=False, steps=20, log_every=10, eval_every=20, eval_batch_size=1000)
    c.batch_size = 32
    grain = train_and_evaluate(c, str(tmp_path / "grain"), quiet=True, plots=False)
    x, y = split("train[:640]")
    device = train_and_evaluate(mnist_config(SHARED, "device", shuffle=False, steps=20, log_every=10, eval_every=20,
                                             eval_batch_size=1000, batch_size=32), str(tmp_path / "device"),
                                quiet=True, plots=False, dataset=Dataset.from_arrays(x, y, *split("test"),
                                                                                     name="mnist"))
    np.testing.assert_allclose(train_losses(tmp_path / "grain"), train_losses(tmp_path / "device"), rtol=1e-6)
    assert grain["final"] == device["final"]


def test_two_processes_read_disjoint_halves_and_train_like_one(fake_mnist, tmp_path, cli_env, faulty_argv,
                                                               two_processes):
    """Two processes under jax.distributed (gloo), the batch split over their devices: each reads only its rows
    of each global batch (logged by FAULTY_TRAIN's read hook), together one epoch of the training split and the
    test split, and the run's losses are the one-process grain run's."""
    data_dir, _ = fake_mnist
    config = config_file(tmp_path / "grain_mnist.py", data_dir, 0, 8, "c.optimizer.learning_rate = 1e-2")
    one = train_and_evaluate(load_config(str(config)), str(tmp_path / "one"), quiet=True, plots=False)
    reads = tmp_path / "reads"
    reads.mkdir()
    codes, outs = two_processes(dict(cli_env, JAXDL_TEST_READS=str(reads)), faulty_argv, tmp_path / "two",
                                config=config)
    assert codes == [0, 0], outs[0][1][-2000:] + outs[1][1][-2000:]
    np.testing.assert_allclose(train_losses(tmp_path / "two"), train_losses(tmp_path / "one"), rtol=1e-5)
    two = json.load(open(tmp_path / "two" / "summary.json"))
    np.testing.assert_allclose(two["final"]["test"]["accuracy"], one["final"]["test"]["accuracy"], atol=0.01)
    logs = [[json.loads(line) for line in open(f)] for f in sorted(reads.iterdir())]
    assert len(logs) == 2
    read = {}  # (split, shard) -> indices read by the process of that shard
    for log in logs:
        streamed = [r for r in log if r["shards"] == 2]  # not the one-process preview of the first examples
        assert len({r["shard"] for r in streamed}) == 1  # one process, one shard
        for r in streamed:
            read.setdefault((r["split"], r["shard"]), []).extend(r["indices"])
    a, b = read[0, 0], read[0, 1]  # the training split: one epoch of 8 batches, 4 rows each per process
    assert len(a) == len(b) == 32 and not set(a) & set(b) and sorted(a + b) == list(range(64))
    a, b = set(read[1, 0]), set(read[1, 1])  # the test split, read again ahead for the next evaluation
    assert not a & b and sorted(a | b) == list(range(25))
