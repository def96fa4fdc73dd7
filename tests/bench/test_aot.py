"""`jaxdl bench --target`: one-line errors without libtpu or the CUDA plugin; with libtpu (pip install -e
'.[tpu-aot]', make test-aot) small configs compile for v5e:2x2, their per-device FLOPs agree with XLA:CPU's
count of the same per-device program, and an oversized config is refused in one line; with jax-cuda12-plugin
(pip install -e '.[gpu-aot]', also in make test-aot) the same for gpu:h100x2."""

import importlib.util
import json

import pytest

from jaxdl.bench import aot, gpu_target
from jaxdl.bench.measure import cost_flops
from jaxdl.cli import main
from jaxdl.config import load_config
from jaxdl.data.synthetic import synthetic_dataset
from jaxdl.models import built_for
from jaxdl.train.setup import build_experiment

HAS_LIBTPU = importlib.util.find_spec("libtpu") is not None
needs_libtpu = pytest.mark.skipif(not HAS_LIBTPU, reason="libtpu not installed: pip install -e '.[tpu-aot]'")
needs_cuda_plugin = pytest.mark.skipif(not gpu_target.has_cuda_plugin(),
                                       reason="jax-cuda12-plugin not installed: pip install -e '.[gpu-aot]'")
# XLA:TPU and XLA:CPU count the same HLO slightly differently after their own fusions and rewrites:
# measured 1.3% (MLP) and 4.1% (CNN) apart on mnist1d, batch 32 per device
FLOPS_TOLERANCE = 0.10
HLO = ("  %all-reduce.10 = (f32[1,100]{1,0:T(1,128)S(1)}, f32[1,40,100]{2,1,0:T(8,128)S(1)}, f32[]{:T(128)}) "
       "all-reduce(%a, %b, %c), channel_id=1\n"
       "  %all-gather-start = (bf16[8,16]{1,0}, bf16[32,16]{1,0}) all-gather-start(bf16[8,16]{1,0} %p)\n"
       "  %x = f32[4]{0} add(%y, %z)\n")


def test_collectives_are_counted_with_their_bytes():
    assert aot.collectives(HLO) == {"all-reduce": {"count": 1, "bytes": 4 * (100 + 4000 + 1)},
                                    "all-gather": {"count": 1, "bytes": 2 * (8 * 16 + 32 * 16) // 2}}


@pytest.mark.parametrize("target", ["gpu:v100x8", "gpu:h100", "tpu:v9:2x2", "tpu:v5e"])
def test_a_bad_target_is_one_line(target, capsys):
    assert main(["bench", "--config", "experiments/configs/mnist1d_mlp.py", "--target", target]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "tpu:GENERATION:TOPOLOGY" in err and "gpu:NAMExCOUNT" in err


def test_without_the_cuda_plugin_a_gpu_target_names_the_install(monkeypatch, capsys):
    monkeypatch.setattr(gpu_target, "has_cuda_plugin", lambda: False)
    assert main(["bench", "--config", "experiments/configs/mnist1d_mlp.py", "--target", "gpu:h100x8"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install -e '.[gpu-aot]'" in err


def test_without_libtpu_the_target_names_the_install(monkeypatch, capsys):
    monkeypatch.setattr(aot, "has_libtpu", lambda: False)
    assert main(["bench", "--config", "experiments/configs/mnist1d_mlp.py", "--target", "tpu:v5e:2x2"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install -e '.[tpu-aot]'" in err


@needs_libtpu
@pytest.mark.parametrize("config", ["mnist1d_mlp", "mnist1d_cnn"])
def test_compiles_for_v5e_and_counts_the_flops_xla_cpu_counts(config, tmp_path):
    out = tmp_path / "aot.json"
    path = f"experiments/configs/{config}.py"
    assert main(["bench", "--config", path, "--target", "tpu:v5e:2x2", "--steps", "2", "--json", str(out),
                 "--config.batch_size=128"]) == 0
    report = json.loads(out.read_text())
    assert report["num_devices"] == 4 and report["mesh"] == {"data": 4} and report["fits"]
    assert report["collectives_per_step"]["all-reduce"]["count"] >= 1  # the gradient all-reduce
    assert report["step_s_lower_bound"] > 0 and 0 < report["mfu_upper_bound"] <= 1
    # the same per-device program on this CPU: a quarter of the batch, one device
    c = load_config(path)
    c.batch_size, c.mesh = 32, {"replica": 1}
    compiled, _ = aot.compile_chunk(build_experiment(c, dataset=synthetic_dataset(c.dataset.name, 64)), 2)
    cpu = cost_flops(compiled)
    assert abs(report["flops_per_step_per_device"] - cpu) / cpu < FLOPS_TOLERANCE


@needs_libtpu
def test_an_oversized_config_is_refused_in_one_line(capsys):
    assert main(["bench", "--config", "experiments/configs/mnist1d_mlp.py", "--target", "tpu:v5e:2x2",
                 "--steps", "2", "--config.model.hidden_sizes=(65536, 65536)"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "does not fit on TPU v5e" in err and "of HBM per device" in err


@needs_cuda_plugin
def test_compiles_for_h100_with_the_flops_of_the_per_device_cpu_program(tmp_path):
    out = tmp_path / "aot.json"
    assert main(["bench", "--config", "experiments/configs/mnist1d_cnn.py", "--target", "gpu:h100x2", "--steps",
                 "2", "--json", str(out), "--config.batch_size=64"]) == 0
    report = json.loads(out.read_text())
    assert report["num_devices"] == 2 and report["mesh"] == {"data": 2} and report["fits"]
    assert report["collectives_per_step"]["all-reduce"]["count"] >= 1  # the gradient all-reduce, in GPU HLO
    assert report["memory_per_device"]["argument"] > 0  # XLA:GPU's memory analysis
    # the GPU compile gives no cost analysis: FLOPs are XLA:CPU's, of the GPU-built model at batch 64 / 2
    assert report["cost_analysis_from"] == "XLA:CPU, same per-device program"
    c = load_config("experiments/configs/mnist1d_cnn.py")
    c.batch_size, c.mesh = 32, {"replica": 1}
    with built_for("gpu"):
        exp = build_experiment(c, dataset=synthetic_dataset(c.dataset.name, 64))
    cpu = cost_flops(aot.compile_chunk(exp, 2)[0])
    # not exact: the chunk's one-time permutation of the training split (64 here, 32 in the bench) counts too
    assert abs(report["flops_per_step_per_device"] - cpu) / cpu < 1e-3


@needs_cuda_plugin
def test_an_oversized_config_is_refused_for_a_gpu_in_one_line(capsys):
    assert main(["bench", "--config", "experiments/configs/mnist1d_mlp.py", "--target", "gpu:h100x2",
                 "--steps", "2", "--config.model.hidden_sizes=(131072, 131072)"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "does not fit on NVIDIA H100 SXM" in err and "of HBM per device" in err


def test_the_estimate_is_printed_beside_the_measurement():
    measured = {"device": "NVIDIA H200", "step_s": {"median": 0.004}, "examples_per_s": 32000.0,
                "flops_per_step": 2.2e12, "flops_source": "xla_cost_analysis", "mfu": 0.5, "peak_memory_bytes": 2**31}
    estimate = {"target": "gpu:h200x1", "chip": "NVIDIA H200 SXM", "step_s_lower_bound": 0.002,
                "bottleneck": "compute_s", "examples_per_s_upper_bound": 64000.0, "flops_per_step_per_device": 2e12,
                "cost_analysis_from": "XLA:CPU, same per-device program", "mfu_upper_bound": 1.0,
                "memory_needed_per_device": 2**30}
    lines = aot.format_comparison(measured, estimate).splitlines()
    assert "measured 4 ms (median) vs roofline bound 2 ms (compute-bound): measured / bound 2x" in lines[1]
    assert "ratio 1.1x" in lines[3] and "measured 50.0% vs upper bound 100.0%" in lines[4]
    assert "measured peak 2 GiB" in lines[5] and "estimate 1 GiB" in lines[5]
    measured.update(flops_per_step=None, mfu=None, peak_memory_bytes=None)  # a backend without these
    assert aot.format_comparison(measured, estimate).count("n/a") == 4
