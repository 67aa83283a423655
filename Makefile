# Two commands on a fresh machine with Python 3.11 and make:
#   make run   - set up, then simulate the embedded Karabakh-2020 scenario (results/report.html)
#                and forecast the ceasefire
#   make test  - set up with the test extras, then lint and run the tests
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
RUNS   ?= 10000
OUT    ?= results

.PHONY: run test setup setup-test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# constraints.txt pins the versions the results (and the baseline-regression file) were made with
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[fast]" -c constraints.txt
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,fast]" -c constraints.txt
	@# the report's browser test drives Debian's Chromium: installed here when missing and
	@# possible (root with apt-get); otherwise that one test skips and says why
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	    (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1; } || \
	  echo "note: no Chromium (Debian: apt-get install chromium); the browser test will skip"
	touch $@ $(VENV)/.installed

setup: $(VENV)/.installed
setup-test: $(VENV)/.installed-test

run: setup
	$(BIN)/polemos run karabakh_2020 --runs $(RUNS) --seed 2020 --out $(OUT)/war --overwrite
	$(BIN)/polemos forecast karabakh_2020 --runs 5000 --seed 2020 --out $(OUT)/forecast
	$(BIN)/polemos report $(OUT)/war --forecast $(OUT)/forecast --out $(OUT)/report.html

lint: setup-test
	$(BIN)/ruff check src tests benchmarks validation

test: setup-test lint
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/bench_campaign.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
