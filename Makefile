# Developer entry points. `make run` and `make test` set up .venv on first use;
# a change to either requirements file reinstalls (the stamp is keyed on their hash).
# One Python everywhere, the Lambda runtime's (python3.13): `chalice package` takes the runtime and the
# wheels it fetches from the Python that runs it, so the venv is rebuilt if it holds another version.
PYTHON_VERSION := 3.13
PYTHON ?= $(shell PYENV_VERSION=3.13.0 pyenv which python3.13 2>/dev/null || command -v python3.13)
VENV := .venv
BIN := $(VENV)/bin
REQUIREMENTS := requirements.txt requirements-dev.txt
STAMP := $(VENV)/.installed-py$(PYTHON_VERSION)-$(shell cat $(REQUIREMENTS) | sha256sum | cut -c1-16)
BUILD := build
REGION ?= ap-south-1
# The .chalice/config.json stage whose sizes and limits go into the package (pass the same Stage to deploy).
STAGE ?= prod

.PHONY: run test browser-test chromium bench load package lint clean

$(STAMP): $(REQUIREMENTS)
	test "$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = $(PYTHON_VERSION) \
		|| { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)
	$(BIN)/python -m local

# Static checks first (seconds), then unit and functional tests on both cores, then the e2e tier, whose
# session fixtures start real local stacks (one set, not one per worker), then the Lambda package itself
# (rebuilt first when a source is newer) run by a bare interpreter against the emulator.
test: $(STAMP) chromium $(BUILD)/deployment.zip
	$(BIN)/ruff check .
	$(BIN)/mypy chalicelib tools harness
	$(BIN)/python -m pytest -n 2 tests/unit tests/functional
	$(BIN)/python -m pytest tests/e2e
	$(BIN)/python -m pytest tests/artifact

# Contract fuzzing at length: many examples per operation and caller, fresh randomness each run
# (`make test` runs a few, repeatably). FUZZ_EXAMPLES=500 make fuzz for more.
.PHONY: fuzz
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} FUZZ_RANDOM=1 $(BIN)/python -m pytest tests/e2e/test_fuzz.py

# The browser tests drive Debian's Chromium (never a Playwright download); install it when missing.
chromium:
	@test -x /usr/bin/chromium || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }

browser-test: $(STAMP) chromium
	$(BIN)/python -m pytest tests/e2e/test_browser.py

# Load on the local stack (loopback only, ~2 min): mixed traffic, a 200-buyer flash sale, then the
# invariants read from DynamoDB; exits 1 if one fails. LOAD_API_URL/LOAD_AWS_URL use a running stack.
load: $(STAMP)
	$(BIN)/python -m load $(LOAD_ARGS)

bench: $(STAMP) $(BUILD)/deployment.zip
	@set -e; for script in bench/bench_*.py bench/cost_model.py; do \
		[ -e "$$script" ] || continue; \
		[ "$$script" != bench/bench_flash_sale.py ] || continue; \
		echo "== $$script"; \
		PYTHONPATH=$(CURDIR) $(BIN)/python "$$script"; \
	done

# What goes into the Lambda package; `make test` and `make bench` rebuild it when one is newer than the zip.
# `make package` always rebuilds (STAGE and REGION change the template, not these files).
PACKAGE_SOURCES := app.py requirements.txt .chalice/config.json infra/resources.yaml infra/finish_template.py \
	tools/compile_package.py \
	$(shell find chalicelib -type f -not -path '*/__pycache__/*')
# Chalice zips chalicelib/ as it finds it: without the bytecode of local runs (stale on Lambda anyway).
define chalice_package
	rm -rf $(BUILD)
	find chalicelib -name __pycache__ -prune -exec rm -rf {} +
	AWS_DEFAULT_REGION=$(REGION) $(BIN)/chalice package --stage $(STAGE) --merge-template infra/resources.yaml $(BUILD)/
	$(BIN)/python infra/finish_template.py $(BUILD)/sam.yaml
	$(BIN)/python tools/compile_package.py $(BUILD)/deployment.zip
endef

# A flash sale on the emulator's contention mode (~3 min with FLASH_ARGS=--quick; in full ~3 min for one listing, ~15 for fifty).
.PHONY: flash
flash: $(STAMP)
	PYTHONPATH=$(CURDIR) $(BIN)/python bench/bench_flash_sale.py $(FLASH_ARGS)

# A registry import of 50,000 generated rows through the local stack (`make bench` runs it with 2,000).
.PHONY: import-bench
import-bench: $(STAMP)
	PYTHONPATH=$(CURDIR) $(BIN)/python bench/bench_import.py --rows 50000 $(IMPORT_BENCH_ARGS)

package: $(STAMP)
	$(chalice_package)

$(BUILD)/deployment.zip: $(STAMP) $(PACKAGE_SOURCES)
	$(chalice_package)

# What ships is checked first: wheel tags, native libraries and size (tools/check_package.py).
lint: package
	$(BIN)/python tools/check_package.py $(BUILD)/deployment.zip
	$(BIN)/cfn-lint $(BUILD)/sam.yaml
	test -x $(VENV)/checkov/bin/python || $(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/python -m pip install --quiet -r infra/requirements-checkov.txt
	$(VENV)/checkov/bin/checkov --quiet --compact --framework cloudformation -f $(BUILD)/sam.yaml --config-file infra/checkov.yaml
	$(BIN)/ruff check .
	$(BIN)/mypy chalicelib tools harness

clean:
	rm -rf $(BUILD) .pytest_cache .mypy_cache .ruff_cache test-output
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
