# Two commands for a new machine (see README.md):
#   make serve   set up, build and serve the site with live reload
#   make test    set up everything the tests need, then run all of them
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: serve build check test browser clean

serve: $(VENV)/.runtime
	$(PY) build.py serve --port $(PORT)

build: $(VENV)/.runtime
	$(PY) build.py --strict

check: $(VENV)/.runtime
	$(PY) build.py check --strict

test: $(VENV)/.dev browser
	$(PY) build.py --strict --out .cache/test-site
	$(PY) -m pytest -n auto --durations=15 tests

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==26.3

$(VENV)/.runtime: requirements.txt $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

# Debian's Chromium for the browser tests (Playwright's own download does not work everywhere).
browser:
	@if [ -n "$$CHROMIUM_PATH" ] || [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends chromium fonts-dejavu-core >/dev/null; \
	else echo "Install Chromium (Debian: apt-get install chromium) or set CHROMIUM_PATH"; exit 1; fi

clean:
	rm -rf _site .cache .site-builds .pytest_cache .hypothesis
