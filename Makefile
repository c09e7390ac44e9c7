# trialsynth — from a fresh clone: `make report` (runs the pipeline) and `make test`.
# Both create a local virtual environment in .venv first (Python >= 3.11 and the package
# registry are all that is needed). constraints.txt pins every transitive version.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Rules call the `trialsynth` command: put the environment's bin folder first on PATH.
RUN := PATH="$(abspath $(BIN)):$$PATH"
# Snakemake finds the workflow profile (profiles/default -> workflow/profiles/default) itself.
# ANALYSIS_DIR=<review folder> runs another review (e.g. examples/psilocybin-depression).
ANALYSIS_DIR ?=
SNAKEMAKE := $(RUN) $(BIN)/snakemake $(if $(ANALYSIS_DIR),--config analysis_dir=$(ANALYSIS_DIR))
# A run that was killed leaves Snakemake's lock behind: release it when no Snakemake process
# works in this folder, or stop and name the process that does (trialsynth/workflow_lock.py).
UNLOCK_IF_STALE := $(RUN) $(BIN)/python -m trialsynth.workflow_lock

.PHONY: install report update test lint refresh bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,cluster]'
	touch $(STAMP)

## report: run the whole workflow on the shipped snapshot -> reports/report.html
report: $(STAMP)
	$(UNLOCK_IF_STALE)
	$(SNAKEMAKE)

## test: unit, metafor-reference and workflow tests
test: $(STAMP)
	$(RUN) $(BIN)/python -m pytest

## lint: ruff, snakefmt and snakemake --lint
lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(RUN) $(BIN)/snakemake --lint

## update: run the workflow in two passes after the raw snapshot changed. Snakemake decides what
## to rerun before it starts, so one pass reruns everything downstream of a changed snapshot; in
## the second pass a table whose content did not change (its checksum equals the recorded one)
## no longer reruns the analyses, figures and report that read it. Both passes run in one
## process (trialsynth/workflow_update.py: Snakemake's start-up and exit paid once).
update: $(STAMP)
	$(UNLOCK_IF_STALE)
	$(RUN) $(BIN)/python -m trialsynth.workflow_update --until outcomes -- \
		$(if $(ANALYSIS_DIR),--config analysis_dir=$(ANALYSIS_DIR))

## refresh: fetch new snapshots from the live APIs (atomic; the old snapshot stays on failure),
## then update what they changed
refresh: $(STAMP)
	$(UNLOCK_IF_STALE)
	$(SNAKEMAKE) --forcerun fetch_ctgov fetch_pubmed --until fetch_ctgov fetch_pubmed
	$(MAKE) update

## bench: the benchmarks reported in docs/benchmarks.md
bench: $(STAMP)
	$(RUN) $(BIN)/python bench/run_all.py

## clean: remove derived outputs (data/processed, reports, logs) and the memo (data/cache); data/raw is kept
clean:
	rm -rf data/cache data/processed/*.csv data/processed/*.json data/processed/analyses reports/tables reports/figures reports/report.html reports/run_config.yaml logs .snakemake
