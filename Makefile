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
	$(BIN)/streamlit run serve.py

test: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

# Full-size figures into BENCHMARKS.md: the import of a 100,000-row sheet, every page at 1,000,
# 100,000 and 1,000,000 projects, the summary against pandas and the served app's memory and cold
# start. The sheet and portfolios are generated once into data/bench/ (the 1,000,000 one takes
# about 5 minutes and 2 GB of disk); delete them to make them again.
bench: $(DEV)
	$(BIN)/python scripts/bench.py --projects 100000 --sizes 1000,100000,1000000 --runs 3 --cold-starts 5

# The same benchmark at a small size, so CI keeps it working; figures go to tests/artifacts/.
bench-small: $(DEV)
	$(BIN)/python scripts/bench.py --projects 2000 --sizes 300,2000 --runs 1 --cache tests/artifacts/bench \
		--out tests/artifacts/BENCHMARKS-small.md

e2e: $(DEV)
	$(BIN)/python -m pytest -q -m browser

# Rebuild data/reference from ../shared/reference (the IATI codelists and world map).
reference: $(DEV)
	$(BIN)/python scripts/build_reference.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/artifacts
