# Two commands from a fresh clone: `make demo` and `make test`.
# Each creates a local virtualenv (.venv) and installs the project into it.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed
KERNELS = $(VENV)/.kernels

.PHONY: demo test lint bench eval build clean

# pip install also compiles the Cython kernels (analysis/*.pyx, setup.py)
$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP) $(KERNELS)

# after an edit of a kernel: compile it again in place (a stale one is refused at import)
$(KERNELS): $(STAMP) $(wildcard analysis/*.pyx)
	$(PY) setup.py -q build_ext --inplace
	touch $(KERNELS)

build: $(KERNELS)

demo: $(KERNELS)
	$(VENV)/bin/glidecount demo

test: $(KERNELS)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(KERNELS)
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache analysis/*.so analysis/_*.c
