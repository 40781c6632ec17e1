# Thin wrapper over the `briefings` CLI. `make site` and `make test` are all the
# set-up a fresh machine needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
BRIEFINGS := $(BIN)/briefings
# apt-get needs root: use sudo when make is not run as root
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.DEFAULT_GOAL := help
.PHONY: help site build check serve test bench clean system-deps

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installed at the versions constraints.txt names: the ones the tests last passed with.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

site: $(VENV)/.installed ## Create .venv, install, import the seeds and build output/
	@# A rejected seed (or an import conflict) fails `make site`, but only after
	@# the site was built from everything that could be imported.
	@status=0; $(BRIEFINGS) import || status=$$?; $(BRIEFINGS) build && exit $$status

build: $(VENV)/.installed ## Build output/ from content/ (no import)
	$(BRIEFINGS) build

check: $(VENV)/.installed ## Validate content/ and the theme without writing
	$(BRIEFINGS) check

serve: $(VENV)/.installed ## Build, serve on http://localhost:8000/ and rebuild + reload on save (PORT=, HOST=)
	$(BRIEFINGS) serve --host $(or $(HOST),127.0.0.1) --port $(or $(PORT),8000)

# The browser tests drive Debian's Chromium through Playwright (never a browser
# Playwright downloads). Installed only when missing, so this is a no-op after once.
system-deps: ## Install the Debian packages the tests need (chromium, a JRE, npm), when missing
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium (Debian package) for the browser tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core; }
	@# java runs the Nu HTML Checker (vnu.jar); npm installs it and axe-core (package.json)
	@command -v java >/dev/null 2>&1 || { \
	  echo "installing a Java runtime (Debian package) for the HTML checker"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; }
	@command -v npm >/dev/null 2>&1 || { \
	  echo "installing npm (Debian package) for the test checkers in package.json"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }

# The checkers of the built site: vnu.jar (Nu HTML Checker) and axe-core, pinned by
# package-lock.json. --ignore-scripts: vnu-jar's postinstall would try to download a JRE.
node_modules/.installed: package.json package-lock.json | system-deps
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

test: system-deps $(VENV)/.installed-test node_modules/.installed ## Install test dependencies and run the whole suite
	$(BIN)/python -m pytest

bench: $(VENV)/.installed ## Benchmarks: print timings and sizes for 1,000 and 10,000 briefings
	$(BIN)/python bench/search.py --sizes 1000 10000
	$(BIN)/python bench/linking.py --sizes 1000 10000
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[bench]'
	$(BIN)/python bench/build.py --sizes 1000 10000

clean: ## Remove output/ and caches (keeps .venv and content/)
	rm -rf output output.tmp-* output.old-* .output.previous .output.search-* .cache .pytest_cache
