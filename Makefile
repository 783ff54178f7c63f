# aidtrack. `make run` starts the app on the sample portfolio; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed

.PHONY: run test e2e bench bench-small reference clean

$(RUNTIME): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(DEV): $(RUNTIME) requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(RUNTIME)
	$(BIN)/streamlit run dashboard.py

test: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

# Full-size figures into BENCHMARKS.md (generates a 100,000-project sheet once, in data/bench/).
bench: $(DEV)
	$(BIN)/python scripts/bench.py --projects 100000 --runs 3

# The same benchmark at a small size, so CI keeps it working; figures go to tests/artifacts/.
bench-small: $(DEV)
	$(BIN)/python scripts/bench.py --projects 2000 --runs 1 --cache tests/artifacts/bench \
		--out tests/artifacts/BENCHMARKS-small.md

e2e: $(DEV)
	$(BIN)/python -m pytest -q -m browser

# Rebuild data/reference from ../shared/reference (the IATI codelists and world map).
reference: $(DEV)
	$(BIN)/python scripts/build_reference.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/artifacts
