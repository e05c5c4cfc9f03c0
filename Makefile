# Two commands a new user needs: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test bench accuracy fuzz soak clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/emgfeedback monitor --device 'sim://?scenario=lbp-lumbar-first'

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/emgfeedback bench

accuracy: $(STAMP)
	$(BIN)/emgfeedback bench --accuracy

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
