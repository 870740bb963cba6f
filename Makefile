# Quick start:  make demo   (a reward server plus a short real GRPO run on CPU)
#               make test   (the test suite)
# Both create .venv and install the project into it first, and as root on Debian set up
# the Docker engine and the sandbox images (make sandbox).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install sandbox demo test lint bench proto compose

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0  # the CPU build; a bare "torch" pulls CUDA
	$(PY) -m pip install -q -e '.[dev,train]'
	touch $@

install: $(VENV)/.installed

# The demo trains on math and code: the engine and the sandbox images come first. Should
# that set-up fail, the demo still runs, math only.
demo: install
	@$(MAKE) --no-print-directory sandbox \
		|| echo "the Docker set-up failed (above): the demo runs math only"
	$(VENV)/bin/grpo-train demo --out runs/demo

# The Docker engine (with gVisor's runsc when Debian has it) and the sandbox images, by
# scripts/install_docker.sh (idempotent; seconds once done): as root on Debian. Otherwise
# left as found, and without an engine one line says what to run.
sandbox: install
	@if [ "$$(id -u)" = 0 ]; then PYTHON=$(PY) bash scripts/install_docker.sh; \
	elif ! docker info >/dev/null 2>&1; then echo "no Docker engine: run 'sudo make sandbox'" \
		"to set one up for the code tasks (until then: math only, sandbox tests skip)"; fi

test: install sandbox
	$(PY) -m pytest -q -p no:cacheprovider

lint: install
	$(VENV)/bin/ruff check .

bench: install
	$(PY) bench/math_throughput.py

proto: install
	$(PY) scripts/generate_proto.py

# The docker compose stack (docs/deployment.md), built offline from a wheelhouse (a plain
# `docker-compose up` builds online instead): two reward-server replicas, the demo as the
# trainer service. REPLICAS=N to change.
REPLICAS ?= 2
compose: install sandbox
	bash scripts/compose_prepare.sh
	docker-compose build --force-rm  # a failed step leaves no container behind
	docker-compose up --scale reward-server=$(REPLICAS) --abort-on-container-exit \
		--exit-code-from trainer
