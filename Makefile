# `make demo` and `make test` each create .venv when missing and install jaxdl into it first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest-xdist workers: the tests are mostly single-threaded XLA compiles, so two workers use two cores
TEST_WORKERS ?= 2
# make test-isa: the outcome tests under an instruction-set limit other than this machine's (XLA:CPU rounds
# differently per instruction set; experiments/outcome_margins.py measures the margins)
ISA ?= AVX

PREPARE_STAMP := $(VENV)/.installed-prepare

# make test-aot: the ahead-of-time TPU and GPU tests (tests/bench/test_aot.py) in their own venv with libtpu and
# jax's CUDA plugin, which the main venv lacks (with them every jax process probes for a TPU/GPU and logs errors)
AOT_VENV := .venv-aot
AOT_ENV := JAX_PLATFORMS=cpu TPU_ACCELERATOR_TYPE=v5litepod-4 TPU_WORKER_HOSTNAMES=localhost ALLOW_MULTIPLE_LIBTPU_LOAD=1

.PHONY: demo test test-isa test-prepare test-aot lint install install-prepare install-aot clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# TensorFlow (tensorflow-cpu, ~1.4 GB) for `jaxdl prepare` only
$(PREPARE_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[prepare]'
	touch $(PREPARE_STAMP)

install-prepare: $(PREPARE_STAMP)

demo: $(STAMP)
	$(BIN)/jaxdl train --config experiments/configs/mnist1d_cnn.py --workdir runs/demo --config.replicas=5

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

test-isa: $(STAMP)
	XLA_FLAGS="$$XLA_FLAGS --xla_cpu_max_isa=$(ISA)" $(BIN)/python -m pytest -n $(TEST_WORKERS) -m outcome

# `jaxdl prepare` end to end offline (TFDS's mnist builder on IDX files the test writes); skipped by `make test`
# where TensorFlow is not installed
test-prepare: $(PREPARE_STAMP)
	$(BIN)/python -m pytest -n 0 tests/data/test_prepare.py

$(AOT_VENV)/.installed: pyproject.toml
	$(PY) -m venv $(AOT_VENV)
	$(AOT_VENV)/bin/python -m pip install -q --upgrade pip
	$(AOT_VENV)/bin/python -m pip install -q -e '.[test,tpu-aot,gpu-aot]'
	touch $(AOT_VENV)/.installed

install-aot: $(AOT_VENV)/.installed

test-aot: $(AOT_VENV)/.installed
	$(AOT_ENV) $(AOT_VENV)/bin/python -m pytest -n $(TEST_WORKERS) tests/bench/test_aot.py

lint: $(STAMP)
	$(BIN)/ruff check jaxdl tests experiments

clean:
	rm -rf $(VENV) $(AOT_VENV) runs
