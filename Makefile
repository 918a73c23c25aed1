# PyTorch, step by step: one-command set-up, build and test.
#   make book     set up everything, then build the static site into _build/html
#   make test     set up everything, then run unit tests, strict nbval on every notebook, and a book build
#   make execute  re-execute notebooks in place (NB=notebooks/Chapter01.ipynb for one), printing wall times
#   make nbval NB=notebooks/Chapter01.ipynb  strict nbval on the notebooks named
#   make bench    trainer benchmark (installs the bench extra), then compiled vs eager and 1 vs 2 DDP processes
#   make site-test  build the site and check every page in headless Chromium (part of make test)
#   make clean    remove build outputs and logs (keeps .venv)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NB ?= $(sort $(wildcard notebooks/Chapter*.ipynb))
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PYTHONHASHSEED := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Pin PyTorch's CPU kernels to AVX2 so that sums, softmax, convolutions and matmuls give the same bits on
# every x86-64 CPU from the last decade (an AVX-512 machine would otherwise pick other kernels and the
# stored outputs would drift in their last digits). Every kernel nbval or `make execute` starts inherits
# these; tests/conftest.py checks they are in force and warns once on a CPU that cannot honour them.
export ATEN_CPU_CAPABILITY := avx2
export ONEDNN_MAX_CPU_ISA := AVX2
export MKL_CBWR := AVX2
# Tests and kernels refuse outside network connections (see tests/netguard/sitecustomize.py).
GUARD := PYTHONPATH=$(CURDIR)/tests/netguard BOOK_NETGUARD=1

.PHONY: setup book test execute nbval bench clean site-test system-deps

setup: $(STAMP) system-deps

$(STAMP): requirements.txt requirements-nodeps.txt pyproject.toml
	@echo ">>> creating $(VENV) and installing the pinned requirements"
	@start=$$(date +%s); \
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV); \
	$(BIN)/python -m pip install -q -r requirements.txt && \
	$(BIN)/python -m pip install -q --no-deps -r requirements-nodeps.txt && \
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e . && \
	echo ">>> environment ready in $$(( $$(date +%s) - start )) s"
	@touch $(STAMP)

# graphviz's `dot` draws chapter 1's computation graphs; headless Chromium runs the site tests;
# Debian's dataset-fashion-mnist holds the Fashion-MNIST IDX files of Part V (no download at run time).
system-deps:
	@missing=""; command -v dot >/dev/null 2>&1 || missing="$$missing graphviz"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	[ -d /usr/share/datasets/fashion-mnist ] || missing="$$missing dataset-fashion-mnist"; \
	if [ -n "$$missing" ]; then \
	  echo ">>> installing$$missing with apt-get"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

book: setup
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo ">>> open $(CURDIR)/_build/html/index.html"

test: setup
	$(GUARD) $(BIN)/python -m pytest tests notebooks --nbval --nbval-sanitize-with tests/sanitize.cfg \
	  -n 2 --dist loadfile --durations=25 -o cache_dir=/tmp/pytest-cache

execute: setup
	@$(GUARD) $(BIN)/python tests/execute_notebooks.py $(NB)

# Strict nbval on some notebooks only, with the same pins and guard as `make test`.
nbval: setup
	$(GUARD) $(BIN)/python -m pytest $(NB) --nbval --nbval-sanitize-with tests/sanitize.cfg \
	  -p no:cacheprovider -q

site-test: setup
	$(BIN)/python -m pytest tests/test_site.py -p no:cacheprovider

bench: setup
	$(BIN)/python -m pip install -q -r bench/requirements.txt
	$(BIN)/python -m pytest bench/test_frameworks.py -q -p no:cacheprovider
	$(BIN)/python bench/run_bench.py

clean:
	rm -rf _build notebooks/runs notebooks/*.pth /tmp/pytest-cache
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +
