"""Every command README.md and docs/ show runs as shown, so none goes stale.

The commands are the lines of the ```bash blocks in README.md and docs/**/*.md (backslash continuations
joined, comments dropped), and the `jaxdl ...` lines of the config docstrings. Each is handled in one of
three ways, and a command none of them claims fails `test_every_command_is_handled`:

- **run** (`test_commands_run`), in a subprocess from the repository root, with `runs/...` workdirs mapped
  into a temporary directory and shortened where it trains: the README's MNIST-1D CNN command (20 steps) is
  the one shared run that `jaxdl eval`, `jaxdl plot`, the notebooks (`runs/cnn`, `runs/demo`) and the Python
  snippets read; `jaxdl datasets`; `jaxdl bench` of the MNIST MLP (`--steps 2 --repeats 1`); the MNIST-1D
  table script (`--models logreg --config.steps=40`); papermill on the shared run (through papermill when it
  is installed, else the same parameters injected as papermill does and the notebook run by nbclient).
- **checked** (`test_commands_check`), in this process, where running would take minutes or needs what is
  not here (a dataset from elsewhere, a GPU, a second process, a trained speech run and a WAV): the flags
  parse with jaxdl's own parser, the config loads, the overrides apply, and the task and dataset names are
  known; for the scripts in experiments/, the script compiles, takes each flag shown, and each path shown
  exists.
- **not run**, with the reason in NOT_RUN: `make demo` / `make test` (the suite itself), installing
  packages (`make install-prepare`, `make test-prepare`), and the cluster launchers (srun, gcloud).

Budget: about a minute of CPU in all; most of it the shared run, the bench and the table.
"""

import ast
import glob
import importlib.util
import json
import os
import py_compile
import re
import shlex
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = [os.path.join(ROOT, "README.md"), *sorted(glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True))]
CONFIGS = sorted(glob.glob(os.path.join(ROOT, "experiments", "configs", "*.py")))

JAXDL = ("jaxdl", ".venv/bin/jaxdl")
PYTHON = ("python", "python3", ".venv/bin/python")
PAPERMILL = ("papermill", ".venv/bin/papermill")
NOT_RUN = {  # first word(s) -> why the test does not run it
    "make install-prepare": "installs TensorFlow from the package registry",
    "make test-prepare": "installs TensorFlow, then runs tests/data/test_prepare.py (CI runs it: .ci/run)",
    "make demo": "the demo itself (minutes of training; `make test` is the suite running this test)",
    "make test": "the test suite itself",
    "pip install": "installs from the package registry",
    "srun": "needs a SLURM cluster",
    "gcloud": "needs a TPU pod slice",
}
SHARED_RUNS = ("runs/cnn", "runs/demo")  # read-only references to the shared run
SHORT = {  # what a run command gets appended
    "train": ["--config.steps=20", "--config.log_every=10", "--config.eval_every=20", "--quiet"],
    "bench": ["--steps", "2", "--repeats", "1"],
    "mnist1d_table.py": ["--models", "logreg", "--config.steps=40"],
}


def doc_commands():
    """(where, text) of every command in a ```bash block of README.md and docs/."""
    found = []
    for path in DOCS:
        lines = open(path, encoding="utf-8").read().splitlines()
        block, i = None, 0
        while i < len(lines):
            line = lines[i]
            if line.startswith("```"):
                block = line[3:].strip() if block is None else None
                i += 1
                continue
            if block == "bash" and line.strip() and not line.lstrip().startswith("#"):
                start, text = i, line
                while text.rstrip().endswith("\\") and i + 1 < len(lines):
                    i += 1
                    text = text.rstrip()[:-1] + " " + lines[i].strip()
                found.append((f"{os.path.relpath(path, ROOT)}:{start + 1}", text.strip()))
            i += 1
    return found


def docstring_commands():
    """(where, text) of every `jaxdl ...` line of the config docstrings."""
    found = []
    for path in CONFIGS:
        doc = ast.get_docstring(ast.parse(open(path, encoding="utf-8").read())) or ""
        for n, line in enumerate(doc.splitlines()):
            words = line.split()
            if words and words[0] in ("jaxdl", "time") and "jaxdl" in words[:2]:
                found.append((f"{os.path.relpath(path, ROOT)} docstring line {n + 1}", line.strip()))
    return found


def words(text):
    """The command's words without leading VAR=value assignments and `time`: (env, argv)."""
    argv = shlex.split(text, comments=True)
    env = {}
    while argv and re.fullmatch(r"[A-Z_]+=.*", argv[0]):
        k, _, v = argv.pop(0).partition("=")
        env[k] = v
    if argv and argv[0] == "time":
        argv.pop(0)
    return env, argv


def kind(text):
    """How the test handles a command: ('not run', reason), ('run', what) or ('check', reason)."""
    env, argv = words(text)
    for prefix, reason in NOT_RUN.items():
        if " ".join(a.rsplit("/", 1)[-1] if i == 0 else a for i, a in enumerate(argv)).startswith(prefix):
            return "not run", reason
    if argv[0] in JAXDL:
        cmd = argv[1]
        if cmd == "datasets" or (cmd in ("eval", "plot") and workdir_of(argv) in SHARED_RUNS):
            return "run", cmd
        if cmd == "train" and workdir_of(argv) == "runs/cnn" and "--config.data_dir" not in text:
            return "run", "shared run"
        if cmd == "bench" and argv[argv.index("--config") + 1].endswith("mnist_mlp.py"):
            return "run", "bench"
        if cmd == "compare":
            return "check", "compares runs the docs train elsewhere (tests/test_compare.py runs it)"
        if cmd == "prepare":
            return "check", "downloads with TensorFlow and the network"
        if cmd == "transcribe":
            return "check", "needs a trained spoken_digits run (minutes) and a WAV of yours"
        if cmd == "predict":
            return "check", "needs a trained addition run (minutes)"
        if "--config.data_dir" in text:
            return "check", "its dataset must be prepared elsewhere and is not here"
        if "--coordinator" in text or "--distributed" in text:
            return "check", "needs several processes"
        if cmd == "bench":
            return "check", "a benchmark meant for a GPU"
        return "check", "trains for minutes"
    if argv[0] in PYTHON and argv[1] == "experiments/mnist1d_table.py":
        return "run", "table"
    if argv[0] in PYTHON and argv[1].startswith("experiments/"):
        return "check", "a measurement script: minutes of CPU"
    if argv[0].endswith("experiments/gpu_bench.sh"):
        return "check", "ResNet-18 and ResNet-50 benchmarks: minutes on CPU, meant for a GPU"
    if argv[0] in PAPERMILL:
        return "run", "papermill"
    return None, f"no handler for {argv[0]!r}"


def workdir_of(argv):
    return argv[argv.index("--workdir") + 1] if "--workdir" in argv else None


ALL = doc_commands() + docstring_commands()


def test_the_docs_show_commands():
    assert len(doc_commands()) >= 30 and len(docstring_commands()) >= 20
    assert any(kind(t) == ("run", "shared run") for _, t in doc_commands()), "README's runs/cnn train command"


@pytest.mark.parametrize("where,text", ALL, ids=[w for w, _ in ALL])
def test_every_command_is_handled(where, text):
    how, why = kind(text)
    assert how is not None, f"{where}: {text}: {why}; run it here, check it, or say in NOT_RUN why not"


# ----------------------------------------------------------------------------------------------------- check


def check_jaxdl(argv):
    from jaxdl import cli
    from jaxdl.config import apply_overrides, load_config
    from jaxdl.data import list_datasets
    from jaxdl.tasks import TASKS

    rest, overrides = cli.split_overrides(argv[1:])
    args = cli.build_parser().parse_args(rest)
    if args.command == "prepare":
        assert args.name.split("/")[0] in list_datasets(), f"unknown dataset {args.name}"
    if args.command not in ("train", "bench"):
        assert not overrides, "only train and bench take --config.* overrides"
        return
    config = load_config(os.path.join(ROOT, args.config))
    apply_overrides(config, overrides)
    assert config.task.name in TASKS, f"unknown task {config.task.name}"
    if args.command == "train":  # bench times synthetic data of the config's shapes
        assert config.dataset.name.split("/")[0] in {d.split("/")[0] for d in list_datasets()}, config.dataset.name


def check_script(argv):
    script = os.path.join(ROOT, argv[0] if argv[0].endswith(".sh") else argv[1])
    assert os.path.isfile(script), f"{script} does not exist"
    source = open(script, encoding="utf-8").read()
    if script.endswith(".py"):
        py_compile.compile(script, doraise=True)
        for a in argv[2:]:
            flag = a.split("=")[0]
            if flag.startswith("--") and not flag.startswith("--config."):
                assert f'"{flag}"' in source, f"{script} takes no {flag}"
            elif a.endswith(".py"):
                assert os.path.isfile(os.path.join(ROOT, a)), f"{a} does not exist"
    else:
        subprocess.run(["bash", "-n", script], check=True)


def test_commands_check(cli_env):
    failures, checked = [], 0
    for where, text in ALL:
        how, _ = kind(text)
        if how != "check":
            continue
        _, argv = words(text)
        try:
            check_jaxdl(argv) if argv[0] in JAXDL else check_script(argv)
            checked += 1
        except (Exception, SystemExit) as e:  # a UserError is jaxdl's one-line message
            failures.append(f"{where}: {text}\n    {type(e).__name__}: {e}")
    assert not failures, "\n".join(failures)
    assert checked >= 20


# ------------------------------------------------------------------------------------------------------- run


def mapped(argv, tmp, shared):
    """Workdirs under runs/ go to tmp; runs/cnn and runs/demo are the shared run."""

    def one(a):
        for r in SHARED_RUNS:
            a = re.sub(rf"(?<![\w/]){re.escape(r)}(?![\w.])", shared, a)
        return re.sub(r"(?<![\w/])runs/([\w.-]+)", lambda m: os.path.join(tmp, m.group(1)), a)

    return [one(a) for a in argv]


def run(argv, env, what, **kw):
    if argv[0] in JAXDL:
        argv = [sys.executable, "-m", "jaxdl.cli", *argv[1:]]
    elif argv[0] in PYTHON:
        argv = [sys.executable, *argv[1:]]
    p = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, **kw)
    assert p.returncode == 0, f"{what}: exit {p.returncode}\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}"
    return p


def papermill_args(argv):
    """input, output, parameters of a papermill command line (-p NAME VALUE, -y YAML)."""
    import yaml

    pos, params, i = [], {}, 1
    while i < len(argv):
        if argv[i] in ("-p", "--parameters"):
            params[argv[i + 1]] = _papermill_value(argv[i + 2])
            i += 3
        elif argv[i] in ("-y", "--parameters_yaml"):
            params.update(yaml.safe_load(argv[i + 1]))
            i += 2
        else:
            pos.append(argv[i])
            i += 1
    return pos[0], pos[1], params


def _papermill_value(text):
    """papermill's -p typing: None, booleans, ints and floats; anything else stays a string."""
    if text in ("None", "True", "False"):
        return {"None": None, "True": True, "False": False}[text]
    for t in (int, float):
        try:
            return t(text)
        except ValueError:
            pass
    return text


def run_notebook_like_papermill(argv, tmp, kernel_dir):
    """What papermill does, where it is not installed: a cell setting the parameters after the cell tagged
    'parameters', executed headless (nbclient, conftest's kernel_dir kernel), written to the output path."""
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    source, output, params = papermill_args(argv)
    nb = nbformat.read(os.path.join(ROOT, source), as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    assign = {k for k in re.findall(r"^(\w+)\s*=", nb.cells[at].source, re.M)}
    assert set(params) <= assign, f"{source} has no parameters {set(params) - assign}"
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell("\n".join(f"{k} = {v!r}" for k, v in params.items())))
    km = KernelManager(kernel_name="jaxdl-test", kernel_spec_manager=KernelSpecManager(kernel_dirs=[kernel_dir]))
    NotebookClient(nb, km=km, timeout=300, resources={"metadata": {"path": tmp}}).execute()
    nbformat.write(nb, output)


def python_snippets():
    """The ```python blocks of README.md and docs/ that start with an import (the others are illustrations)."""
    found = []
    for path in DOCS:
        for block in re.findall(r"```python\n(.*?)```", open(path, encoding="utf-8").read(), re.S):
            if block.lstrip().startswith(("from ", "import ")):
                found.append((os.path.relpath(path, ROOT), block))
    return found


def test_commands_run(cli_env, kernel_dir, tmp_path):
    env = dict(cli_env, MPLBACKEND="Agg")
    tmp = str(tmp_path)
    shared = os.path.join(tmp, "shared_run")
    todo = {}
    for where, text in ALL:
        how, what = kind(text)
        if how == "run":
            _, argv = words(text)
            argv = ["jaxdl" if argv[0] in JAXDL else "python" if argv[0] in PYTHON else argv[0], *argv[1:]]
            todo.setdefault(tuple(mapped(argv, tmp, shared)), (where, what))  # the same command once
    trains = [a for a, (_, what) in todo.items() if what == "shared run"]
    assert len(trains) == 1, "one command (the README's) trains the shared run, runs/cnn"
    run([*trains[0], *SHORT["train"]], env, todo[trains[0]][0])  # first: everything else reads it
    papermill_installed = importlib.util.find_spec("papermill") is not None
    for argv, (where, what) in todo.items():
        argv = list(argv)
        if what == "shared run":
            continue
        if what == "papermill":
            if papermill_installed:
                run([sys.executable, "-m", "papermill", *argv[1:]], env, where)
            else:
                run_notebook_like_papermill(argv, tmp, kernel_dir)
            cells = json.load(open(papermill_args(argv)[1]))["cells"]
            out = json.dumps([c.get("outputs", []) for c in cells])
            assert "stand-in" not in out and "cnn1d" in out, f"{where}: the notebook did not open the shared run"
            continue
        extra = SHORT["bench"] if what == "bench" else SHORT["mnist1d_table.py"] if what == "table" else []
        run([*argv, *extra], env, where)
    assert os.path.isfile(os.path.join(shared, "eval.json"))
    for where, block in python_snippets():
        code = block
        for r in SHARED_RUNS:
            code = code.replace(f'"{r}"', repr(shared))
        exec(compile(code, where, "exec"), {})
