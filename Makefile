# bipipe: `make run` and `make test` work on a fresh machine (Python 3.11+, network to PyPI
# for the first install only).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test eval bench lint clean-outputs browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,ray]'
	touch $(STAMP)

# The report is written even when some inputs failed (it lists them); the run's exit
# status is kept.
run: $(STAMP)
	$(BIN)/bipipe run corpus --out outputs; status=$$?; \
	$(BIN)/bipipe report outputs && exit $$status

# The report's browser tests drive Debian's Chromium through its ChromeDriver (and a CJK
# font, so screenshots show the Chinese). Installed here where missing and where apt-get can
# run; elsewhere those tests skip and say why.
BROWSER_PACKAGES := chromium chromium-driver fonts-wqy-zenhei
browser:
	@missing=$$(for p in $(BROWSER_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done | xargs); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then \
		echo "note: no apt-get here; install Chromium and ChromeDriver yourself, or the browser tests skip"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo=sudo; else \
		echo "note: installing $$missing needs root; the browser tests will skip"; exit 0; fi; \
	echo "installing $$missing (for the report's browser tests)"; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null 2>&1 || \
	{ $$sudo apt-get update -qq >/dev/null 2>&1 && \
	  $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null; } || \
	echo "note: could not install $$missing; the browser tests will skip"

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests benchmarks
	$(BIN)/mypy pipeline

test: $(STAMP) lint browser
	$(BIN)/pytest

eval: $(STAMP)
	$(BIN)/python -m pipeline.evaluate corpus

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_pipeline.py

clean-outputs:
	rm -rf outputs/*.json outputs/_errors.jsonl outputs/corpus.jsonl outputs/entities.csv outputs/report
