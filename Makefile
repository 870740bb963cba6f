# Quick start:  make demo   (a reward server plus a short real GRPO run on CPU)
#               make test   (the test suite)
# Both create .venv and install the project into it first.

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

demo: install
	$(VENV)/bin/grpo-train demo --out runs/demo

# The Docker engine and the sandbox images: set up as root on Debian, else left as found
# (the sandbox tests then skip and say why).
sandbox: install
	@if [ "$$(id -u)" = 0 ]; then PYTHON=$(PY) bash scripts/install_docker.sh; \
	else echo "not root: Docker engine set-up skipped (run scripts/install_docker.sh as root)"; fi

test: install sandbox
	$(PY) -m pytest -q -p no:cacheprovider

lint: install
	$(VENV)/bin/ruff check .

bench: install
	$(PY) bench/math_throughput.py

proto: install
	$(PY) scripts/generate_proto.py

# The docker compose stack (docs/deployment.md): image built offline from a wheelhouse,
# two reward-server replicas, the demo as the trainer service. REPLICAS=N to change.
REPLICAS ?= 2
compose: install
	bash scripts/compose_prepare.sh
	docker-compose build
	docker-compose up --scale reward-server=$(REPLICAS) --abort-on-container-exit \
		--exit-code-from trainer
