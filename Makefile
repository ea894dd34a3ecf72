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

.PHONY: env book notebooks html test unit smoke bench clean

env: $(STAMP)

# The environment is rebuilt only when a requirement file changes: a second run installs nothing.
$(STAMP): requirements.txt requirements-media.txt pyproject.toml
	@command -v $(PY_BOOT) >/dev/null 2>&1 || { echo "need $(PY_BOOT) (set PY_BOOT=...)"; exit 1; }
	test -x $(PY) || $(PY_BOOT) -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-media.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "FER book (Python 3.11)" >/dev/null
	touch $(STAMP)

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
