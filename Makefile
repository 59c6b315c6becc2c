# alignsim: the two Quick start targets are `make main` (the main job) and `make test` (every test).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LINT_PATHS := $(wildcard sim tests tools benchmarks)

.PHONY: venv main test lint typecheck golden docs clean app assets h1-surface validate-docs \
	calibrate-docs

$(STAMP): pyproject.toml tools/find_python.sh tools/fetch_assets.py
	@set -e; py=$$(tools/find_python.sh); echo "Using $$py ($$($$py --version))"; \
	[ -x $(PY) ] || $$py -m venv $(VENV); \
	$(PY) -m pip install -q --upgrade pip; \
	$(PY) -m pip install -q -e '.[batch,analysis,app,dev,ema]'; \
	$(PY) tools/fetch_assets.py; \
	touch $(STAMP)

venv: $(STAMP)

# The teaching app (offline; front-end assets are fetched at install time).
app: $(STAMP)
	$(VENV)/bin/alignsim app

assets: $(STAMP)
	$(PY) tools/fetch_assets.py

# Replications per design point of each audit variant (docs/AUDIT.md).
AUDIT_REPLICATIONS ?= 100

# The main job: the main experiment, ending in figures, the audit and the README's results.
main: $(STAMP)
	@# resume an interrupted run; start afresh if the store was made by other code or another file
	$(VENV)/bin/alignsim batch experiments/coercion_sweep.toml --out results/coercion_sweep --no-summary || \
	  { echo "main: rebuilding results/coercion_sweep from scratch"; \
	    $(VENV)/bin/alignsim batch experiments/coercion_sweep.toml --out results/coercion_sweep --no-summary --force; }
	$(VENV)/bin/alignsim plot results/coercion_sweep --out docs/figures --prefix coercion_sweep_ --figure-format png
	$(VENV)/bin/alignsim report results/coercion_sweep
	@# what each finding rests on: resumable; variants already complete are not run again
	$(VENV)/bin/alignsim audit experiments/coercion_sweep.toml --store results/coercion_sweep \
	  --replications $(AUDIT_REPLICATIONS) --markdown docs/AUDIT.md
	$(PY) tools/update_readme_results.py results/coercion_sweep
	$(VENV)/bin/alignsim summary results/coercion_sweep
	@echo "store: results/coercion_sweep (report: results/coercion_sweep/report/report.html)"

# H1 as a surface over concession cost x the ROK leader's starting approval (docs/AUDIT.md).
h1-surface: $(STAMP)
	$(VENV)/bin/alignsim batch experiments/h1_surface.toml --out results/h1_surface --no-summary || \
	  $(VENV)/bin/alignsim batch experiments/h1_surface.toml --out results/h1_surface --no-summary --force
	$(VENV)/bin/alignsim plot results/h1_surface --kind surface --out docs/figures --prefix h1_surface_ --figure-format png

# Every test: lint, format check, types, the suite (browser tests included where Chromium is).
test: $(STAMP)
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
	$(VENV)/bin/mypy
	$(PY) -m pytest -n 2 --cov=sim --cov-report=term:skip-covered

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format $(LINT_PATHS)

golden: $(STAMP)
	$(PY) tools/update_golden.py

# Mutation check (docs/TESTING.md): single-token mutants of the month and its drivers, each run
# against the fast test selection in a scratch copy; writes tests/mutation_report.json and the
# score block of docs/TESTING.md.
MUTANTS ?= 100
MUTATION_SEED ?= 1
.PHONY: mutation
mutation: $(STAMP)
	$(PY) tools/mutation_check.py --sample $(MUTANTS) --seed $(MUTATION_SEED) --jobs 2
	$(PY) tools/mutation_check.py --markdown docs/TESTING.md

# The only way `alignsim validate` and `alignsim calibrate` touch the repository: regenerate
# docs/VALIDATION.md and its figures, or scenarios/calibrated.toml, docs/CALIBRATION.md and
# data/calibration/posterior.csv (run from anywhere else, they write under results/ only).
validate-docs: $(STAMP)
	$(VENV)/bin/alignsim validate --runs 1000 --seed 1 --update-docs

calibrate-docs: $(STAMP)
	$(VENV)/bin/alignsim calibrate --particles 50000 --accept 0.01 --seed 1 --update-docs

# Regenerate the documents derived from the parameter declarations.
docs: $(STAMP)
	$(PY) tools/gen_scenario_docs.py
	@[ ! -f tools/gen_odd_params.py ] || $(PY) tools/gen_odd_params.py
	$(PY) tools/gen_codebook.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
