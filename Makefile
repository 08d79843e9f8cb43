# Two commands for a new machine (see README.md):
#   make serve   set up, build and serve the site with live reload
#   make test    set up everything the tests need, then run all of them
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: serve admin admin-files test-admin-files build check test test-fast browser clean untracked-only

# Folders a checkout makes for itself and must never take from the repository: a committed
# .venv/bin/python or .pth file would run before any of our code, a committed __pycache__/*.pyc
# in place of the engine (SECURITY.md, "What the repository must not carry"). A fixed list, not
# .gitignore, which a pull request can edit.
UNTRACKED := .venv node_modules .cache _site _bundle .site-builds ':(glob)**/__pycache__/**' ':(glob)**/*.pyc'
untracked-only:
	@tracked="$$(git ls-files -- $(UNTRACKED) 2>/dev/null | head -n 5)"; \
	if [ -n "$$tracked" ]; then \
		echo "The repository tracks files that a checkout must make itself, e.g.:"; echo "$$tracked"; \
		echo "Nothing was run. Remove them from the repository: git rm -r --cached <path>, then commit."; \
		exit 1; fi

# Python alone: the site needs nothing else. Without Decap CMS (make admin-files), /admin/ is
# left out of the build, which says so once.
serve: $(VENV)/.runtime
	$(PY) build.py serve --port $(PORT)

# the dev server and Decap CMS at /admin/ editing the working copy (README: Editing in the browser)
admin: $(VENV)/.runtime admin-files
	$(PY) build.py serve --admin --port $(PORT)

build: $(VENV)/.runtime
	$(PY) build.py --strict

# Decap CMS, the browser editor: npm's tarball of its pinned version into .cache/vendor/, its
# SHA-512 checked here and on every build (engine/decap_bundle.py); no Node, nothing else
admin-files: $(VENV)/.runtime
	$(PY) build.py fetch-admin

# the engine's own tests build /admin/ whatever site.yaml says
test-admin-files: $(VENV)/.runtime
	$(PY) build.py fetch-admin --always

check: $(VENV)/.runtime
	$(PY) build.py check --strict

# Two groups of tests (tests/conftest.py marks them): the fast ones, and those that drive a
# browser, the Nu checker or Lighthouse, or run long properties or whole fresh checkouts.
FAST := not browser and not long
SLOW := browser or long

# The tests write about 50,000 files a run (whole sites, copies of the repository). On a RAM disk
# with room to spare (8 GiB free) they are written and removed faster, and a passed test's folder
# is removed as it ends instead of all at the end (a failed one is kept to look at).
RAM_DISK := $(shell [ -d /dev/shm ] && [ "$$(df -Pk /dev/shm 2>/dev/null | awk 'NR==2 {print $$4}')" -ge 8388608 ] 2>/dev/null && echo /dev/shm)
# A test that runs for 15 minutes has hung: pytest then prints every thread's stack (it does not stop it).
PYTEST := $(if $(RAM_DISK),TMPDIR=$(RAM_DISK) )$(PY) -m pytest -o tmp_path_retention_policy=failed -o faulthandler_timeout=900
# One worker more than there are processors for the fast tests: many of them wait (a server
# starting, a build in a subprocess), and the spare worker uses the time. On two cores, -n 3
# against -n 2 (farm-bench medians): wall 0.97 (0.96-1.01, make test-fast, 3 pairs) and 0.91
# (0.85-0.98, pytest alone, 2 pairs), for 6% more CPU.
FAST_WORKERS := $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))

# The inner loop, about a minute: everything but the browser, vnu, Lighthouse and the long runs.
# Needs no npm, Java or Chromium.
test-fast: $(VENV)/.dev test-admin-files
	$(PY) -m ruff check --select F,E9 build.py engine tests scripts bench
	$(VENV)/bin/lint-imports --no-cache   # the engine's layers (.importlinter)
	$(PYTEST) -n $(FAST_WORKERS) -q -m "$(FAST)" tests

# Everything, in stages, as CI runs it (.ci/run).
test: $(VENV)/.dev browser node_modules/.installed test-admin-files
	@echo "== 1/4 lint (ruff, and the engine's layers with lint-imports)"
	$(PY) -m ruff check --select F,E9 build.py engine tests scripts bench
	$(VENV)/bin/lint-imports --no-cache
	@echo "== 2/4 the real site, built with --strict"
	$(PY) build.py --strict --out .site-builds/test
	@echo "== 3/4 fast tests (make test-fast)"
	$(PYTEST) -n $(FAST_WORKERS) -q -m "$(FAST)" tests
	@echo "== 4/4 browser (axe, Lighthouse, Playwright), Nu checker, long property and checkout runs: a line per test"
	$(PYTEST) -n auto -v -o console_output_style=count -m "$(SLOW)" --durations=10 tests

$(VENV)/bin/python: | untracked-only
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==26.3

$(VENV)/.runtime: requirements.txt $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

# Test tools only, from npm, pinned in package-lock.json: the Nu Html Checker's vnu.jar,
# axe-core, Lighthouse (with its own Node). Only make test installs them.
node_modules/.installed: package.json package-lock.json | untracked-only browser
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium for the browser tests (Playwright's own download does not work everywhere),
# Java for the Nu checker, and npm for the test tools. Installed with apt when running as root; otherwise say what is missing.
browser:
	@missing=""; \
	if [ -z "$$CHROMIUM_PATH" ] && [ ! -x /usr/bin/chromium ]; then missing="chromium fonts-dejavu-core"; fi; \
	if ! command -v java >/dev/null; then missing="$$missing default-jre-headless"; fi; \
	if ! command -v npm >/dev/null; then missing="$$missing npm"; fi; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $$missing >/dev/null; \
	else echo "Please install: $$missing (or set CHROMIUM_PATH)"; exit 1; fi

clean:
	rm -rf _site .cache .site-builds .pytest_cache .hypothesis
