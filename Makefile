# Two commands a new user needs: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test bench bench-all accuracy fuzz soak clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The simulated patient `make run` shows (any device URL works: make run DEVICE=serial:///dev/ttyUSB0).
DEVICE ?= sim://?scenario=lbp-lumbar-first&follow=1

# The dashboard where a display exists; otherwise one clear line and the live terminal view.
run: $(STAMP)
	@problem=$$($(BIN)/python -c "from emgfeedback.app import display_problem as p; print(p())"); \
	if [ -z "$$problem" ]; then \
		$(BIN)/emgfeedback dashboard --device '$(DEVICE)'; \
	else \
		echo "$$problem: showing the live terminal view instead;" \
		     "for the dashboard run 'xvfb-run make run' or set QT_QPA_PLATFORM=offscreen"; \
		$(BIN)/emgfeedback monitor --device '$(DEVICE)'; \
	fi

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/emgfeedback bench

accuracy: $(STAMP)
	$(BIN)/emgfeedback bench --accuracy

# Every benchmark in benchmarks/, each printing ratios against a baseline measured in the same run.
bench-all: $(STAMP)
	$(BIN)/python benchmarks/bench_speed.py
	$(BIN)/python benchmarks/bench_accuracy.py
	$(BIN)/python benchmarks/bench_onset_ramps.py
	$(BIN)/python benchmarks/bench_onset_start.py
	$(BIN)/python benchmarks/bench_progress.py
	$(BIN)/python benchmarks/bench_devices.py
	$(BIN)/python benchmarks/bench_storage.py
	$(BIN)/python benchmarks/bench_analysis.py
	$(BIN)/python benchmarks/bench_memory.py
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_batch.py
	$(BIN)/python benchmarks/bench_alarms.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/bench_ui.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/bench_patient_view.py
	$(BIN)/python benchmarks/bench_audio.py  # a real stream needs an audio output (docs/audio.md)

# Long property-based runs: 10^5 damaged byte streams through each decoder.
FUZZ_EXAMPLES ?= 100000
fuzz: $(STAMP)
	EMGFEEDBACK_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q \
		tests/test_protocol_faults.py tests/devices/test_cyton_codec.py tests/storage/test_edf_fuzz.py \
		tests/devices/test_url_fuzz.py

# Memory over long runs: the live pipeline fed 8 simulated hours, the dashboard a simulated hour.
SOAK_HOURS ?= 8
soak: $(STAMP)
	$(BIN)/python benchmarks/bench_speed.py --duration 60 --soak-hours $(SOAK_HOURS)
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/bench_ui.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/bench_patient_view.py
	$(BIN)/python benchmarks/bench_audio.py  # a real stream needs an audio output (docs/audio.md)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
