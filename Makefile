# Two commands do all set-up on a fresh machine:
#   make book   build the HTML book (every chapter executed on the sample profile)
#   make test   unit tests + every notebook through nbval on the smoke profile
# Data: $ECGKIT_DATA if it holds PTB-XL/MIT-BIH in PhysioNet layout; else the sample is
# downloaded from PhysioNet into the user cache (internet needed once).

PYTHON   ?= python3
VENV     ?= .venv
BIN      := $(VENV)/bin
STAMP    := $(VENV)/.installed
# Extra flags for `jupyter-book build` (CI passes -W --keep-going: warnings are errors).
BOOK_FLAGS ?= --keep-going

# Jupyter must find the kernel of this environment first, whatever the user has installed.
export JUPYTER_PATH := $(abspath $(VENV))/share/jupyter
# Torch threads: the build and the tests run one notebook at a time, so a kernel may use
# every core (on the 2-core reference machine, idle: 1.3-1.9x faster than one thread,
# scripts/bench_models.py). With other heavy processes running at the same time, set
# OMP_NUM_THREADS=1: two threads competing for one core were 2x slower than one.
# Python must cache bytecode, or every kernel recompiles torch's modules.
export OMP_NUM_THREADS ?= $(shell nproc 2>/dev/null || echo 1)
export PYTHONDONTWRITEBYTECODE :=

# torch is the CPU build: from a local wheel folder when PIP_FIND_LINKS names one,
# else from PyTorch's CPU index on Linux (PyPI's Linux wheel is the multi-GB CUDA build).
ifdef PIP_FIND_LINKS
TORCH_SOURCE := --find-links $(PIP_FIND_LINKS)
else ifeq ($(shell uname -s),Linux)
TORCH_SOURCE := --extra-index-url https://download.pytorch.org/whl/cpu --index-strategy unsafe-best-match
endif

.PHONY: env data book test unit nbtest bench clean help
help:
	@echo "make book   - build the course book into _build/html"
	@echo "make test   - unit tests and every notebook (smoke profile)"
	@echo "make bench  - data-loading and model speed figures"

env: $(STAMP)
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "uv==0.*"
	$(BIN)/uv pip install --python $(BIN)/python $(TORCH_SOURCE) "torch==2.13.0"
	$(BIN)/uv pip install --python $(BIN)/python $(TORCH_SOURCE) -r requirements.txt -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

data: env
	$(BIN)/python -m ecgkit.data ensure

book: env data
	@start=$$(date +%s); \
	ECGKIT_PROFILE=$${ECGKIT_PROFILE:-sample} $(BIN)/jupyter-book build --all . $(BOOK_FLAGS) || exit 1; \
	echo "Book built in $$(( $$(date +%s) - start )) s. Open $(CURDIR)/_build/html/index.html"

unit: env data
	$(BIN)/python -m pytest tests -q

nbtest: env data
	ECGKIT_PROFILE=smoke $(BIN)/python -m pytest --nbval-lax notebooks -q -p no:cacheprovider

test: unit nbtest

bench: env data
	$(BIN)/python scripts/bench_data.py

clean:
	rm -rf _build
