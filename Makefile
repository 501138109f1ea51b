# skillsreg: `make run` serves everything, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2

.PHONY: install run test lint bench contracts lock clean browser fuzz

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/python -m services

# Headless Chromium (and CJK and emoji fonts for readable screenshots: flags are emoji) for
# the browser tests; only as root, never fatal: without it those tests skip and say why.
browser:
	@{ command -v chromium >/dev/null 2>&1 && [ -d /usr/share/fonts/truetype/noto ]; } || \
		{ [ "$$(id -u)" = 0 ] && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq chromium fonts-wqy-zenhei fonts-noto-color-emoji) \
		>/dev/null 2>&1; } || echo "chromium not installed: browser tests will skip"

test: install browser
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Schemathesis for longer than `make test` does: 500 generated requests per operation and
# token, a fresh random seed each run (failures print the seed-free reproduction blob).
fuzz: install
	SKILLSREG_FUZZ_EXAMPLES=$${SKILLSREG_FUZZ_EXAMPLES:-500} SKILLSREG_FUZZ_RANDOM=1 \
		$(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests/test_api_fuzz.py $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check services schemas tests bench migrations
	$(BIN)/ruff format --check services schemas tests bench migrations
	$(BIN)/mypy services schemas

bench: install
	$(BIN)/python -m bench

contracts: install
	$(BIN)/python -m services.event_contracts

# Refresh the lock after changing pyproject.toml dependencies.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^skillsreg' > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .skillsreg
