"""`jaxdl bench`: FLOP count against the analytic one, the JSON report's schema, bf16 sanity."""

import json

import jax
import numpy as np
import pytest

from jaxdl.bench.measure import analytic_flops
from jaxdl.cli import main
from jaxdl.config import load_config
from jaxdl.data.synthetic import synthetic_dataset
from jaxdl.train.loop import init_states, make_programs
from jaxdl.train.setup import build_experiment

REPORT_KEYS = {"backend", "device", "replicas", "compile_s", "step_s", "steps_per_s", "examples_per_s",
               "flops_per_step", "flops_source", "achieved_flops_per_s", "peak_flops_per_s", "mfu",
               "peak_memory_bytes", "reference_step_s", "vs_reference", "vs_sequential", "config", "num_devices",
               "mesh", "replicas_padded_to"}


def test_bench_json_schema_and_mlp_flops(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["bench", "--config", "experiments/configs/mnist1d_mlp.py", "--replicas", "2", "--steps", "5",
                 "--repeats", "1", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert REPORT_KEYS <= set(report)
    assert set(report["step_s"]) == {"median", "min", "max"} and report["step_s"]["median"] > 0
    assert report["replicas"] == 2 and report["mfu"] is None  # CPU: no peak, no made-up MFU
    # 2 replicas x 6 x batch 100 x (40*100 + 100*100 + 100*10) kernel weights
    analytic = 2 * 6 * 100 * (40 * 100 + 100 * 100 + 100 * 10)
    assert report["flops_source"].startswith("xla")
    assert abs(report["flops_per_step"] - analytic) / analytic < 0.10
    out = capsys.readouterr().out
    assert "vs reference" in out and out.splitlines()[-1].startswith("time: ")  # the breakdown `jaxdl train` prints
    t = report["timings"]
    assert t["train_s"] > 0 and t["programs"] and t["import_s"] > 0


def test_bench_counts_the_real_replicas_when_the_split_pads_them(tmp_path):
    """3 replicas on the CPU default layout: with 2+ host devices split 2 + 2, one padding replica that the
    report's FLOPs and examples/s do not count."""
    from jaxdl.train.mesh import replica_devices

    out = tmp_path / "bench.json"
    assert main(["bench", "--config", "experiments/configs/mnist1d_mlp.py", "--replicas", "3", "--steps", "5",
                 "--repeats", "1", "--no-sequential", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    d, padded = replica_devices(3, jax.device_count()) if jax.default_backend() == "cpu" else (1, 3)
    assert report["num_devices"] == d and report["mesh"] == ({"replica": d} if d > 1 else {})
    assert report["replicas_padded_to"] == (padded if padded != 3 else None)
    analytic = 3 * 6 * 100 * (40 * 100 + 100 * 100 + 100 * 10)
    assert abs(report["flops_per_step"] - analytic) / analytic < 0.10
    assert report["examples_per_s"] == pytest.approx(3 * 100 / report["step_s"]["median"])


def test_analytic_flops_counts_kernels_only():
    params = {"Dense_0": {"kernel": np.zeros((40, 100)), "bias": np.zeros(100)}}
    assert analytic_flops(params, batch_size=10) == 6 * 10 * 4000


FAMILIES = [("mnist1d", dict(name="mlp", hidden_sizes=(32,))), ("mnist1d", dict(name="cnn1d")),
            ("digits", dict(name="cnn2d")), ("digits", dict(name="resnet_tiny"))]


@pytest.mark.parametrize("dataset,model", FAMILIES, ids=[m["name"] for _, m in FAMILIES])
def test_bfloat16_is_finite_and_close_to_float32(dataset, model):
    """Same init, same fixed data: bf16 compute gives finite losses within a few percent of float32."""
    losses = {}
    for dtype in ("float32", "bfloat16"):
        c = load_config("experiments/configs/mnist1d_mlp.py")
        c.dataset.name, c.model, c.dtype, c.batch_size, c.steps = dataset, model, dtype, 32, 10
        c.log_every = c.eval_every = 10
        exp = build_experiment(c, dataset=synthetic_dataset(dataset, 64))
        programs = make_programs(exp, 10)
        states, keys = init_states(exp, programs)
        _, m = programs.guarded_chunk(states, jax.device_put(exp.dataset.train), np.int32(0), keys)
        losses[dtype] = np.asarray(m["loss"])
        assert states.params is not None
    assert np.all(np.isfinite(losses["bfloat16"]))
    np.testing.assert_allclose(losses["bfloat16"][:, 0], losses["float32"][:, 0], rtol=0.05)



# one config per synthetic generator beyond classification's (digits_dcgan, digits_vae: classification's;
# addition_seq2seq and digit_scenes_unet share these generators); `jaxdl bench` of each: experiments/RESULTS.md
TASK_CONFIGS = ["ted_pt_en_seq2seq", "spoken_digits_ctc", "pets_unet", "digit_scenes_detector"]


@pytest.mark.parametrize("name", TASK_CONFIGS)
def test_every_task_builds_on_synthetic_data_of_its_dataset(name):
    """bench's synthetic data carries each task's keys, shapes and value ranges (shapes only: no compile)."""
    c = load_config(f"experiments/configs/{name}.py")
    options = {k: v for k, v in c.dataset.items() if k != "name"}
    exp = build_experiment(c, dataset=synthetic_dataset(c.dataset.name, c.batch_size, **options))
    assert exp.dataset.num_train == c.batch_size and set(exp.dataset.train) >= {"inputs"}
