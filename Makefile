# Developer entry points. `make run` and `make test` set up .venv on first use;
# a change to either requirements file reinstalls (the stamp is keyed on their hash).
PYTHON ?= $(shell PYENV_VERSION=3.13.0 pyenv which python3.13 2>/dev/null || command -v python3.13)
VENV := .venv
BIN := $(VENV)/bin
REQUIREMENTS := requirements.txt requirements-dev.txt
STAMP := $(VENV)/.installed-$(shell cat $(REQUIREMENTS) | sha256sum | cut -c1-16)
BUILD := build
REGION ?= ap-south-1
# The .chalice/config.json stage whose sizes and limits go into the package (pass the same Stage to deploy).
STAGE ?= prod

.PHONY: run test browser-test chromium bench load package lint clean

$(STAMP): $(REQUIREMENTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)
	$(BIN)/python -m local

# Static checks first (seconds), then unit and functional tests on both cores, then the e2e tier, whose
# session fixtures start real local stacks (one set, not one per worker).
test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/mypy chalicelib
	$(BIN)/python -m pytest -n 2 tests/unit tests/functional
	$(BIN)/python -m pytest tests/e2e

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

bench: $(STAMP)
	@set -e; for script in bench/bench_*.py bench/cost_model.py; do \
		[ -e "$$script" ] || continue; \
		echo "== $$script"; \
		PYTHONPATH=$(CURDIR) $(BIN)/python "$$script"; \
	done

package: $(STAMP)
	rm -rf $(BUILD)
	AWS_DEFAULT_REGION=$(REGION) $(BIN)/chalice package --stage $(STAGE) --merge-template infra/resources.yaml $(BUILD)/

lint: package
	$(BIN)/cfn-lint $(BUILD)/sam.yaml
	$(BIN)/ruff check .
	$(BIN)/mypy chalicelib

clean:
	rm -rf $(BUILD) .pytest_cache .mypy_cache .ruff_cache test-output
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
