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

.PHONY: demo test test-isa test-prepare lint install install-prepare clean

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

lint: $(STAMP)
	$(BIN)/ruff check jaxdl tests experiments

clean:
	rm -rf $(VENV) runs
