"""Scale-out: a mesh over 4 (forced host) CPU devices gives the 1-device losses; two processes joined through
jax.distributed (gloo) train like one, resume after both are killed, and only process 0 writes."""

import json
import os
import signal
import subprocess
import sys

import jax
import numpy as np
import pytest

from jaxdl.cli import main
from jaxdl.errors import UserError
from jaxdl.train.mesh import mesh_shape, replica_devices

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, "tests", "configs", "tiny_mlp.py")

# In a fresh process with 4 CPU devices: per-step losses [K, 50] of one run under several meshes, and
# whether the data-parallel program really splits the batch (an all-reduce of the gradients in its HLO).
FOUR_DEVICES = """
import json, os, sys
os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"
import jaxdl.platform
jaxdl.platform.configure()  # and jaxdl's other flags, as `jaxdl train` runs
import jax
from jaxdl.config import apply_overrides, load_config
from jaxdl.train.setup import build_experiment
from jaxdl.train.loop import init_states, make_programs
assert jax.device_count() == 4
out = {}
for name, model, mesh, *replicas in json.loads(sys.argv[2]):
    c = load_config(sys.argv[1])
    apply_overrides(c, [("mesh", mesh), ("batch_size", "64")] + ([("model", model)] if model else [])
                    + [("replicas", str(r)) for r in replicas])
    if model:
        with c.unlocked():
            c.dataset.name = "digits"
    exp = build_experiment(c)
    programs = make_programs(exp, 10 if model else 50)
    states, keys = init_states(exp, programs)
    train = exp.placement.put(exp.dataset.train, exp.placement.replicated)
    chunk = programs.guarded_chunk.lower(states, train, exp.placement.scalar(0), keys).compile()
    out[name] = jax.device_get(chunk(states, train, exp.placement.scalar(0), keys)[1]["loss"]).tolist()
    out[name + "_all_reduce"] = "all-reduce" in chunk.as_text()
    out[name + "_mesh"] = exp.placement.shape
from jaxdl.errors import UserError
for key, bad in [("batch_size", [("batch_size", "66"), ("mesh", '{"data": 4}')]),
                 ("replicas", [("replicas", "3"), ("mesh", '{"replica": 2, "data": 2}')])]:
    c = load_config(sys.argv[1])
    apply_overrides(c, bad)
    try:
        build_experiment(c)
        out["refused_" + key] = None
    except UserError as e:
        out["refused_" + key] = str(e)
print(json.dumps(out))
"""


def test_replicas_split_over_as_many_devices_as_pay_padded_where_needed():
    # (devices, padded K): fewest replicas per device, on the fewest devices that give it
    assert [replica_devices(k, 1) for k in (1, 5)] == [(1, 1), (1, 5)]
    assert [replica_devices(k, 2) for k in (1, 2, 3, 5, 8)] == [(1, 1), (2, 2), (2, 4), (2, 6), (2, 8)]
    assert [replica_devices(k, 4) for k in (2, 3, 5, 6, 8, 17)] == [(2, 2), (3, 3), (3, 6), (3, 6), (4, 8),
                                                                    (4, 20)]


def test_the_default_layout_is_recorded(tiny_run):
    """tiny_run trains 2 replicas with no mesh: on CPU they split over the host devices, and env.json says so."""
    d = replica_devices(2, jax.device_count())[0] if jax.default_backend() == "cpu" else 1
    assert json.load(open(os.path.join(tiny_run, "env.json")))["mesh"] == ({"replica": d} if d > 1 else {})


def test_mesh_shapes_and_their_errors():
    assert mesh_shape({"data": -1}, 8) == {"data": 8}
    assert mesh_shape({"replica": 2, "data": -1}, 8) == {"replica": 2, "data": 4}
    for spec, devices in [({"data": 3}, 4), ({"data": -1, "replica": -1}, 4), ({"model": 2}, 2),
                          ({"replica": 3, "data": -1}, 4), ({"data": 0}, 1), ({"data": 1.5}, 1)]:
        with pytest.raises(UserError):
            mesh_shape(spec, devices)


@pytest.mark.parametrize("mesh,expect", [('{"data": N}', "needs N devices, there are D"),
                                         ('{"replica": 1, "data": -1, "pipe": 1}', "unknown mesh axis")])
def test_bad_mesh_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, mesh, expect):
    # one more device than there are (jaxdl asks for one host device per core)
    n, d = str(jax.device_count() + 1), str(jax.device_count())
    mesh, expect = mesh.replace("N", n), expect.replace("N", n).replace("D", d)
    w = tmp_path / "run"
    assert main(["train", "--config", CONFIG, "--workdir", str(w), f"--config.mesh={mesh}"]) == 2
    err = capsys.readouterr().err.strip()
    assert expect in err and len(err.splitlines()) == 1
    assert not w.exists()


def test_half_given_distributed_flags_are_refused(tmp_path, capsys):
    assert main(["train", "--config", CONFIG, "--workdir", str(tmp_path / "r"), "--coordinator", "h:1"]) == 2
    assert "go together" in capsys.readouterr().err


def test_four_devices_match_one_device(cli_env):
    """Data parallel over 4 devices, 2 replicas x 2-way data parallel, and the default layout on CPU (2
    replicas split over 2 of the 4 host devices; 5 replicas padded to 6 over 3) give the 1-device per-step
    losses; with BatchNorm too (its statistics are over the global batch, else the losses would differ)."""
    one = '{"replica": 1}'  # one device, whatever the device count
    runs = [("single", None, one), ("data4", None, '{"data": -1}'), ("r2d2", None, '{"replica": 2, "data": 2}'),
            ("auto", None, "{}"), ("single5", None, one, 5), ("auto5", None, "{}", 5),
            ("bn_single", '{"name": "resnet_tiny"}', one),
            ("bn_data4", '{"name": "resnet_tiny"}', '{"data": 4}')]
    out = subprocess.run([sys.executable, "-c", FOUR_DEVICES, CONFIG, json.dumps(runs)], env=cli_env, cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    single = np.array(res["single"])
    assert single.shape == (2, 50)
    assert not res["single_all_reduce"] and res["single_mesh"] == {}
    for name in ("data4", "r2d2"):
        np.testing.assert_allclose(np.array(res[name]), single, rtol=1e-5, err_msg=name)
        assert res[name + "_all_reduce"], f"{name}: the compiled step does not split the batch"
    assert res["auto_mesh"] == {"replica": 2} and not res["auto_all_reduce"]
    np.testing.assert_allclose(np.array(res["auto"]), single, rtol=1e-5)
    # 5 replicas on 4 devices: 2 + 2 + 1, padded to 6 inside the programs; the padding replica never shows
    assert res["auto5_mesh"] == {"replica": 3} and np.array(res["auto5"]).shape == (5, 50)
    np.testing.assert_allclose(np.array(res["auto5"]), np.array(res["single5"]), rtol=1e-5)
    np.testing.assert_allclose(np.array(res["bn_data4"]), np.array(res["bn_single"]), rtol=1e-5)
    assert res["bn_data4_all_reduce"]
    assert "batch_size 66 is not divisible by the mesh's data axis (4 devices)" in res["refused_batch_size"]
    assert "replica=2 does not divide the 3 replica(s)" in res["refused_replicas"]


def losses(workdir):
    rows = [json.loads(line) for line in open(os.path.join(workdir, "metrics.jsonl"))]
    return np.array([r["loss"] for r in rows if r["split"] == "train"])


def test_two_processes_train_like_one_and_resume_after_both_are_killed(cli_env, faulty_argv, tiny_run, tmp_path,
                                                                       two_processes):
    a = tmp_path / "two"
    codes, outs = two_processes(cli_env, faulty_argv, a)
    assert codes == [0, 0], outs[0][1][-2000:] + outs[1][1][-2000:]
    assert "test accuracy" in outs[0][0] and "test accuracy" not in outs[1][0]  # process 0 reports
    assert json.load(open(a / "env.json"))["process_count"] == 2
    np.testing.assert_allclose(losses(a), losses(tiny_run), rtol=1e-5)  # same run as one process, one device
    final = json.load(open(a / "summary.json"))["final"]["test"]["accuracy"]
    ref = json.load(open(os.path.join(tiny_run, "summary.json")))["final"]["test"]["accuracy"]
    np.testing.assert_allclose(final, ref, atol=0.01)
    assert main(["eval", "--workdir", str(a)]) == 0  # the two processes' checkpoint, read on one device
    assert json.load(open(a / "eval.json"))["metrics"]["accuracy"] == final

    b = tmp_path / "killed"
    codes, outs = two_processes(cli_env, faulty_argv, b, kill_at=60)  # checkpoint 40 saved, 80 not yet
    assert codes == [-signal.SIGKILL] * 2, outs[0][1][-2000:]
    assert sorted(int(n) for n in os.listdir(b / "checkpoints") if n.isdigit()) == [40]
    codes, outs = two_processes(cli_env, faulty_argv, b)
    assert codes == [0, 0], outs[0][1][-2000:] + outs[1][1][-2000:]
    assert open(b / "metrics.jsonl").read() == open(a / "metrics.jsonl").read()  # bitwise the same run
    assert json.load(open(b / "env.json"))["resumes"][0]["step"] == 40

    # a SIGTERM to one process, then to both a second apart: every process stops at the same step with one
    # checkpoint (the stop is agreed at each chunk boundary; alone, each went into orbax's collective save
    # by itself and the pair hung), and the resume is bitwise the uninterrupted run
    for name, faults in [("one", [("none", 0), ("term_at", 60)]), ("both", [("term_at", 60), ("term_late", 60)])]:
        c = tmp_path / name
        codes, outs = two_processes(cli_env, faulty_argv, c, faults=faults)
        assert codes == [128 + signal.SIGTERM] * 2, outs[0][1][-2000:] + outs[1][1][-2000:]
        for _, err in outs:
            assert [ln for ln in err.splitlines() if ln.startswith("jaxdl:")][0].startswith(
                "jaxdl: stopped by SIGTERM at step 60, checkpoint saved"), err[-2000:]
        assert sorted(int(n) for n in os.listdir(c / "checkpoints") if n.isdigit()) == [40, 60]
    codes, outs = two_processes(cli_env, faulty_argv, c)
    assert codes == [0, 0], outs[0][1][-2000:] + outs[1][1][-2000:]
    assert open(c / "metrics.jsonl").read() == open(a / "metrics.jsonl").read()

    # a workdir another run holds: process 0 is refused, and says why; the others follow instead of waiting
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from jaxdl.train.workdir import "
                               "WorkdirLock; WorkdirLock(sys.argv[1]).acquire(); print(1, flush=True); time.sleep(600)",
                               str(c)], env=cli_env, stdout=subprocess.PIPE, text=True)
    try:
        holder.stdout.readline()
        codes, outs = two_processes(cli_env, faulty_argv, c)
    finally:
        holder.kill()
        holder.wait()
    assert codes == [2, 2], outs[0][1][-2000:] + outs[1][1][-2000:]
    assert f"in use by another jaxdl train (PID {holder.pid}" in outs[0][1]
    assert "process 0 refused workdir" in outs[1][1]


def test_a_one_device_run_resumes_split_over_the_host_devices(cli_env, faulty_argv, tiny_run, tmp_path):
    """Killed at step 60 on one device (host devices off), resumed from checkpoint 40 with the default layout
    (on a multi-core CPU the 2 replicas split over 2 devices): the same run to rounding, and env.json records
    the layout of the start and of the resume."""
    if jax.default_backend() != "cpu" or replica_devices(2, jax.device_count())[0] == 1:
        pytest.skip("needs a CPU with 2+ host devices")
    w = tmp_path / "run"
    one_device = dict(cli_env, XLA_FLAGS="--xla_force_host_platform_device_count=1")
    out = subprocess.run([*faulty_argv("kill_at", 60), "train", "--config", CONFIG, "--workdir", str(w), "--quiet"],
                         env=one_device, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == -signal.SIGKILL, out.stderr[-2000:]
    assert main(["train", "--config", CONFIG, "--workdir", str(w), "--quiet"]) == 0
    env = json.load(open(w / "env.json"))
    assert env["mesh"] == {} and [(r["step"], r["mesh"]) for r in env["resumes"]] == [(40, {"replica": 2})]
    np.testing.assert_allclose(losses(w), losses(tiny_run), rtol=1e-5)
