"""Shared fixtures: one prepared data dir and one compilation cache per test session (shared by pytest-xdist's
workers, `make test` runs two), tiny configs, and the resume helpers (a `jaxdl train` subprocess with one
fault injected; "two runs are the same run, bit for bit")."""

import json
import os
import socket
import subprocess
import sys

import jax
import numpy as np
import pytest

import jaxdl.platform

# the flags `jaxdl train` runs with by default (config.deterministic included), before any test starts a backend:
# XLA_FLAGS are part of the compilation cache's key, so the `jaxdl` subprocesses of tests then reuse what the
# tests compiled in-process
jaxdl.platform.configure(deterministic=True)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def shared_dir(tmp_path_factory, name):
    """A directory every xdist worker of this session shares (each worker's own base temp has the session's
    base as its parent); without xdist, a fresh temporary directory. TFDS preparation renames a finished
    temporary copy into place, so two workers preparing one dataset at once are safe (jaxdl.data.load)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        path = tmp_path_factory.getbasetemp().parent / name
        path.mkdir(exist_ok=True)
        return str(path)
    return str(tmp_path_factory.mktemp(name))


@pytest.fixture(autouse=True)
def xla_flags_as_configured():
    """Tests call `jaxdl.cli.main` in-process, which adds a run's own flags (config.deterministic's GPU flag)
    to $XLA_FLAGS; give every test, and the subprocesses it starts, the session's flags back."""
    flags = os.environ.get("XLA_FLAGS")
    yield
    if flags is None:
        os.environ.pop("XLA_FLAGS", None)
    else:
        os.environ["XLA_FLAGS"] = flags


@pytest.fixture(scope="session", autouse=True)
def compilation_cache(tmp_path_factory):
    """One persistent XLA compilation cache per session: tests build many programs that are identical
    (a single-seed run per seed, the same tiny model in several tests), and the cache keys on the program."""
    import jax

    path = shared_dir(tmp_path_factory, "jax_cache")
    jax.config.update("jax_compilation_cache_dir", path)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    # uncapped, in this process and in the `jaxdl` subprocesses ($JAX_COMPILATION_CACHE_MAX_SIZE=-1, which
    # jaxdl keeps): with a cap, JAX's LRU cache lists and stats every entry on each write, and the suite's
    # thousands of small programs made that quadratic (CI took 3,872 s against 11 min 41 s before the cap)
    jax.config.update("jax_compilation_cache_max_size", -1)
    # what `jaxdl` (in-process or a subprocess) caches goes here too, never into the user's cache home
    old = {k: os.environ.get(k) for k in ("JAXDL_COMPILATION_CACHE", "JAXDL_DATA_CACHE",
                                          "JAX_COMPILATION_CACHE_MAX_SIZE")}
    os.environ["JAX_COMPILATION_CACHE_MAX_SIZE"] = "-1"
    os.environ["JAXDL_COMPILATION_CACHE"] = path
    os.environ["JAXDL_DATA_CACHE"] = shared_dir(tmp_path_factory, "decoded")
    yield path
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory):
    """Embedded datasets are prepared once per session into a temporary TFDS data dir."""
    path = shared_dir(tmp_path_factory, "tfds")
    old = os.environ.get("JAXDL_DATA_DIR")
    os.environ["JAXDL_DATA_DIR"] = path
    yield path
    if old is None:
        os.environ.pop("JAXDL_DATA_DIR", None)
    else:
        os.environ["JAXDL_DATA_DIR"] = old


def tiny_config(model="mlp", **overrides):
    """A few-second MNIST-1D config for behaviour tests."""
    from jaxdl.config import base_config

    c = base_config()
    c.dataset.name = "mnist1d"
    c.model = {"mlp": dict(name="mlp", hidden_sizes=(32,)), "logreg": dict(name="logreg"),
               "cnn1d": dict(name="cnn1d")}.get(model, dict(name=model))
    c.optimizer.learning_rate = 1e-2
    c.batch_size = 50
    c.steps = 40
    c.log_every = 20
    c.eval_every = 20
    c.eval_batch_size = 500
    for k, v in overrides.items():
        c[k] = v
    return c


@pytest.fixture
def tiny():
    return tiny_config


TINY_RUN_CONFIG = os.path.join(ROOT, "tests", "configs", "tiny_mlp.py")


@pytest.fixture(scope="session")
def sweep_run_dir(tmp_path_factory, data_dir):
    """A finished tiny sweep (jaxdl.standins.tiny_sweep_run: MNIST-1D MLP, 2 seeds x learning rates 1e-3,
    3e-3, 1e-2, 40 steps; replica 2 * point + seed). Read-only: tests that change a run copy it first."""
    from jaxdl import standins

    return standins.tiny_sweep_run(str(tmp_path_factory.mktemp("sweep") / "run"))


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, data_dir):
    """A finished, uninterrupted run of tests/configs/tiny_mlp.py (2 replicas, 120 steps, checkpoints at
    40/80/120). Read-only: tests that change a run copy it first."""
    from jaxdl.config import load_config
    from jaxdl.train.run import train_and_evaluate

    workdir = str(tmp_path_factory.mktemp("tiny_run") / "run")
    train_and_evaluate(load_config(TINY_RUN_CONFIG), workdir, quiet=True)
    return workdir


# Runs `jaxdl train` with one fault injected at a deterministic point: argv = KIND STEP jaxdl-args...
# (KIND "none": no fault; "term_late": SIGTERM as "term_at", one second later). NullLog is the log of the
# processes other than 0 of a multi-process run. With $JAXDL_TEST_READS set, every batch of records the grain
# pipeline reads in this process is logged to $JAXDL_TEST_READS/PID.jsonl: {split, shard, shards, indices}.
FAULTY_TRAIN = """
import json, os, signal, sys, time
from jaxdl import cli
from jaxdl.data import stream
from jaxdl.train import checkpoint, rundir
kind, at = sys.argv[1], int(sys.argv[2])
if os.environ.get("JAXDL_TEST_READS"):
    read = stream._Examples.read
    def logged_read(self, indices):
        indices = [int(i) for i in indices]
        with open(os.path.join(os.environ["JAXDL_TEST_READS"], f"{os.getpid()}.jsonl"), "a") as f:
            f.write(json.dumps(dict(split=self.split, shard=self.shard, shards=self.shards, indices=indices)) + "\\n")
        return read(self, indices)
    stream._Examples.read = logged_read
if kind in ("kill_at", "term_at", "term_late"):  # right after the train line of step `at`, before its checkpoint
    sig = signal.SIGKILL if kind == "kill_at" else signal.SIGTERM
    for cls in (rundir.MetricsLog, rundir.NullLog):
        def faulty_write(self, step, split, metrics, write=cls.write):
            write(self, step, split, metrics)
            if step == at and split == "train":
                if kind == "term_late":  # a second later than another process's "term_at"
                    time.sleep(1)
                os.kill(os.getpid(), sig)
        cls.write = faulty_write
elif kind == "fsize_at":  # from the train line of step `at` on, no file may grow past 20 kB (RLIMIT_FSIZE):
    import resource  # the next checkpoint's array file (~30 kB) fails in tensorstore as on a full disk
    write = rundir.MetricsLog.write
    def limited_write(self, step, split, metrics):
        write(self, step, split, metrics)
        if step == at and split == "train":
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails (EFBIG) instead of killing
            resource.setrlimit(resource.RLIMIT_FSIZE, (20000, resource.RLIM_INFINITY))
    rundir.MetricsLog.write = limited_write
elif kind == "kill_in_save":  # the async save of step `at` has started, not been waited for
    save = checkpoint.Checkpoints.save
    def faulty_save(self, step, tree):
        save(self, step, tree)
        if step == at:
            os.kill(os.getpid(), signal.SIGKILL)
    checkpoint.Checkpoints.save = faulty_save
sys.exit(cli.main(sys.argv[3:]))
"""


@pytest.fixture(scope="session")
def cli_env(data_dir, compilation_cache):
    """Environment for `jaxdl` subprocesses: this checkout, the session's data dir and its compilation
    cache (speed only: a subprocess then reuses programs the tests already compiled)."""
    return dict(os.environ, PYTHONPATH=ROOT, JAXDL_DATA_DIR=data_dir, JAX_COMPILATION_CACHE_DIR=compilation_cache,
                JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0", JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0")


@pytest.fixture(scope="session")
def faulty_argv():
    """`faulty_argv(kind, step)`: the argv prefix of a `jaxdl` process with that fault (see FAULTY_TRAIN)."""
    return lambda kind, step: [sys.executable, "-c", FAULTY_TRAIN, kind, str(step)]


@pytest.fixture(scope="session")
def faulty_train(cli_env):
    """`faulty_train(workdir, kind, step, config=TINY_RUN_CONFIG)`: `jaxdl train --quiet` in a subprocess
    that kills itself (kind "kill_at": SIGKILL, "term_at": SIGTERM) right after the train line of `step`,
    or ("kill_in_save") SIGKILLs itself while the save of `step` is in flight. Returns CompletedProcess."""

    def run(workdir, kind, step, config=TINY_RUN_CONFIG):
        return subprocess.run([sys.executable, "-c", FAULTY_TRAIN, kind, str(step), "train", "--config", config,
                               "--workdir", str(workdir), "--quiet"], env=cli_env, cwd=ROOT, capture_output=True,
                              text=True, timeout=600)

    return run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def two_processes():
    """`two_processes(env, argv, workdir, kill_at=0, faults=None, config=TINY_RUN_CONFIG)`: both
    processes of one `jaxdl train` run under jax.distributed (gloo), one CPU device each, the batch split over
    them (mesh {"data": -1}); with kill_at, both SIGKILL themselves after that step's train metrics; `faults`:
    each process's own (kind, step) of FAULTY_TRAIN, `argv(kind, step)` its argv prefix (faulty_argv).
    Returns (exit codes, [(stdout, stderr)])."""

    def run(env, argv, workdir, kill_at=0, faults=None, config=TINY_RUN_CONFIG):
        port, procs = free_port(), []
        env = dict(env, XLA_FLAGS="--xla_force_host_platform_device_count=1")  # one device per process
        faults = faults or [("kill_at" if kill_at else "none", kill_at)] * 2
        for i in range(2):
            args = ["train", "--config", str(config), "--workdir", str(workdir), "--quiet",
                    '--config.mesh={"data": -1}', "--coordinator", f"127.0.0.1:{port}",
                    "--num_processes", "2", "--process_id", str(i), "--distributed_timeout", "120"]
            procs.append(subprocess.Popen([*argv(*faults[i]), *args], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True))
        outs = [p.communicate(timeout=600) for p in procs]
        return [p.returncode for p in procs], outs

    return run


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def final_state(workdir):
    """The state saved at the run's last checkpoint, as a list of numpy leaves."""
    from jaxdl.train.checkpoint import Checkpoints

    ckpts = Checkpoints(os.path.join(workdir, "checkpoints"), read_only=True)
    tree = ckpts.manager.restore(ckpts.steps()[-1])
    ckpts.close()
    return jax.tree_util.tree_leaves(tree)


def _assert_same_run(workdir, reference):
    """The run in `workdir` is the run in `reference` bit for bit: metrics.jsonl bytes, summary.json's
    metrics, and every leaf of the final checkpoint (params, model state, optimizer state, rng, data keys)."""
    assert read_bytes(os.path.join(workdir, "metrics.jsonl")) == read_bytes(os.path.join(reference, "metrics.jsonl"))
    a, b = (json.load(open(os.path.join(w, "summary.json"))) for w in (workdir, reference))
    for key in ("final", "points", "final_stats", "steps", "status"):
        assert a[key] == b[key], key
    for x, y in zip(final_state(workdir), final_state(reference), strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.fixture(scope="session")
def snapshot():
    """`snapshot(path)`: relative path -> bytes of every file under `path` ({} when absent)."""

    def take(path):
        out = {}
        for root, _, files in os.walk(path):
            for name in files:
                full = os.path.join(root, name)
                out[os.path.relpath(full, path)] = open(full, "rb").read()
        return out

    return take


@pytest.fixture(scope="session")
def assert_same_run():
    """`assert_same_run(workdir, reference)`: see `_assert_same_run`."""
    return _assert_same_run


def _train_losses(exp, steps):
    """Per-step training losses float [K, steps] of a fresh run of `exp`: one guarded chunk of `steps` steps
    from the states the driver starts from, the quantity the replica-layout tests compare."""
    from jaxdl.train.loop import init_states, make_programs
    from jaxdl.train.mesh import fetch

    programs = make_programs(exp, steps)
    states, data_keys = init_states(exp, programs)
    place = exp.placement
    data = place.put(exp.dataset.train, place.replicated)
    _, metrics = programs.guarded_chunk(states, data, place.scalar(0), data_keys)
    return fetch(metrics["loss"])


@pytest.fixture(scope="session")
def train_losses():
    """`train_losses(exp, steps)`: see `_train_losses`."""
    return _train_losses


class Outcome:
    """Checks a value that depends on where training ends against its bound, and records it.

    XLA:CPU picks kernels by instruction set, so such a value moves from machine to machine; each bound sits
    clearly outside the spread measured by experiments/outcome_margins.py (table in experiments/RESULTS.md).
    With JAXDL_OUTCOME_LOG set, every check appends {"test", "name", "value", "op", "bound"} to that file.
    """

    def __init__(self, test: str):
        self.test, self.checked = test, 0

    def _check(self, name: str, value, op: str, bound: float) -> None:
        value, self.checked = float(value), self.checked + 1
        path = os.environ.get("JAXDL_OUTCOME_LOG")
        if path:  # one short line per write, opened in append mode: xdist workers can share the file
            with open(path, "a") as f:
                f.write(json.dumps({"test": self.test, "name": name, "value": value, "op": op, "bound": bound}) + "\n")
        ok = value >= bound if op == ">=" else value <= bound
        assert ok, f"{name} = {value:.6g}, bound {op} {bound:g}"

    def at_least(self, name: str, value, bound: float) -> None:
        self._check(name, value, ">=", bound)

    def at_most(self, name: str, value, bound: float) -> None:
        self._check(name, value, "<=", bound)


@pytest.fixture
def outcome(request):
    """`outcome.at_least(name, value, floor)` / `outcome.at_most(name, value, ceiling)`: see `Outcome`. Only
    tests marked `@pytest.mark.outcome` may use it, and they must check at least one value with it."""
    if request.node.get_closest_marker("outcome") is None:
        pytest.fail("a test that uses the `outcome` fixture must be marked @pytest.mark.outcome")
    checks = Outcome(request.node.nodeid)
    yield checks
    call = getattr(request.node, "outcome_call_report", None)
    if not checks.checked and call is not None and call.passed:
        pytest.fail("an outcome test must check its outcome through the `outcome` fixture")


def pytest_collection_modifyitems(config, items):
    """`pytest -m outcome` runs exactly the tests whose assertions depend on where training ends."""
    for item in items:
        if item.get_closest_marker("outcome") is not None and "outcome" not in getattr(item, "fixturenames", ()):
            raise pytest.UsageError(f"{item.nodeid} is marked outcome but does not use the `outcome` fixture")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps the test body's report on the item, for the `outcome` fixture's teardown check."""
    report = (yield).get_result()
    if report.when == "call":
        item.outcome_call_report = report


@pytest.fixture(scope="session")
def kernel_dir(tmp_path_factory):
    """A kernelspec "jaxdl-test" running this interpreter with the checkout first on the path, whatever kernels
    the machine has registered (so notebooks import the jaxdl under test): pass it to jupyter_client as
    `KernelSpecManager(kernel_dirs=[kernel_dir])`."""
    d = tmp_path_factory.mktemp("kernels")
    spec = d / "jaxdl-test"
    spec.mkdir()
    env = {"PYTHONPATH": os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
           "JAX_PLATFORMS": os.environ.get("JAX_PLATFORMS", "cpu")}
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "jaxdl test", "language": "python", "env": env}))
    return str(d)
