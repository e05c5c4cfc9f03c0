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

# The simulated patient `make run` shows (any device URL works: make run DEVICE=serial:///dev/ttyUSB0).
DEVICE ?= sim://?scenario=lbp-lumbar-first

# The dashboard where a display exists; otherwise one clear line and the live terminal view.
run: $(STAMP)
	@if $(BIN)/python -c "import sys; from emgfeedback.app import display_available as d; sys.exit(0 if d() else 1)"; then \
		$(BIN)/emgfeedback dashboard --device '$(DEVICE)'; \
	else \
		echo "no display found (DISPLAY/WAYLAND_DISPLAY unset): showing the live terminal view instead;" \
		     "for the dashboard run 'xvfb-run make run' or set QT_QPA_PLATFORM=offscreen"; \
		$(BIN)/emgfeedback monitor --device '$(DEVICE)'; \
	fi

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/emgfeedback bench

accuracy: $(STAMP)
	$(BIN)/emgfeedback bench --accuracy

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
