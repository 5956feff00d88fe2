# bipipe: `make run` and `make test` work on a fresh machine (Python 3.11+, network to PyPI
# for the first install only).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test eval bench lint clean-outputs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,ray]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/bipipe run corpus --out outputs

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests benchmarks
	$(BIN)/mypy pipeline

test: $(STAMP) lint
	$(BIN)/pytest

eval: $(STAMP)
	$(BIN)/python -m pipeline.evaluate corpus

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_pipeline.py

clean-outputs:
	rm -rf outputs/*.json outputs/_errors.jsonl outputs/corpus.jsonl outputs/entities.csv
