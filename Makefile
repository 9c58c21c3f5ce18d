# Two commands do all set-up on a fresh machine:
#   make book   build the HTML book (every chapter executed on the sample profile)
#   make test   unit tests + every notebook, smoke profile, in a Colab-like environment
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

.PHONY: env data book test unit nbtest colab-check bench gpu-bench lab clean help
help:
	@echo "make book   - build the course book into _build/html"
	@echo "make test   - unit tests, then make colab-check"
	@echo "make colab-check - every chapter in a fresh Colab-like venv; its setup cell"
	@echo "               pip-installs ecgkit from git (the working tree as committed,"
	@echo "               or COLAB_REF=HEAD), as Colab does from GitHub (smoke profile)"
	@echo "make nbtest  - every notebook in .venv (editable ecgkit): the quick loop"
	@echo "make lab    - JupyterLab on notebooks/, with this environment's kernel"
	@echo "make bench  - data-loading and model speed figures"
	@echo "make gpu-bench - every model on a CUDA GPU; a JSON for chapter 4"

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

# The build log goes to _build/book.log too; after a successful build,
# scripts/chapter_times.py records each chapter's execution time in ecgkit/chapter_times.json
# (the cost line every chapter prints in its setup cell). The chapters record their
# verdicts on the source documents' claims in _build/ledger, read by the appendix page.
book: env data
	@start=$$(date +%s); mkdir -p _build; rm -rf _build/book.rc _build/ledger; \
	{ ECGKIT_LEDGER=$(CURDIR)/_build/ledger ECGKIT_PROFILE=$${ECGKIT_PROFILE:-sample} \
	  $(BIN)/jupyter-book build --all . $(BOOK_FLAGS) 2>&1; \
	  echo $$? > _build/book.rc; } | tee _build/book.log; \
	test "$$(cat _build/book.rc)" = 0 || exit 1; \
	$(BIN)/python scripts/chapter_times.py _build/book.log --profile $${ECGKIT_PROFILE:-sample}; \
	echo "Book built in $$(( $$(date +%s) - start )) s. Open $(CURDIR)/_build/html/index.html"

unit: env data
	$(BIN)/python -m pytest tests -q

# Every notebook through nbval in .venv, with ecgkit editable: the quick loop while writing.
nbtest: env data
	ECGKIT_PROFILE=smoke $(BIN)/python -m pytest --nbval-lax notebooks -q -p no:cacheprovider

# Every chapter as Colab runs it (scripts/colab_check.py): a fresh .colab-venv with only
# what Colab preinstalls; each chapter's own setup cell pip-installs ecgkit and its EXTRAS
# from a git URL: the working tree as `git add -A; git commit` would commit it (HEAD in a
# clean checkout, as on CI), or the commit COLAB_REF names. Smoke profile.
colab-check: env data
	TORCH_SOURCE="$(TORCH_SOURCE)" $(BIN)/python scripts/colab_check.py --python $(PYTHON) \
	  $(if $(COLAB_REF),--ref $(COLAB_REF))

test: unit colab-check

bench: env data
	$(BIN)/python scripts/bench_data.py

# Needs a CUDA GPU (and the CUDA build of torch in .venv): writes
# ecgkit/experiments/gpu_results/<date>_<time>_<gpu>.json, which chapter 4 shows.
gpu-bench: env data
	$(BIN)/python scripts/gpu_bench.py

# JupyterLab on the chapters; the kernel "python3" is this environment's (see env).
# Extra flags: make lab LAB_FLAGS="--no-browser --port 8890" (as root, e.g. in a
# container: LAB_FLAGS=--allow-root).
LAB_FLAGS ?=
lab: env
	$(BIN)/jupyter lab notebooks $(LAB_FLAGS)

clean:
	rm -rf _build
