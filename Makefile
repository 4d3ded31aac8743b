# modhost: every target creates .venv on first use, so a fresh clone needs only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test bench lint format clean docs api-snapshot

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The sandbox's C parts are built in place by the editable install (optional: without a
# compiler scripts run slower, on their pure-Python stand-ins, and this says so).
NATIVE_C := sandbox/python/_fuel_stream.c sandbox/python/_fast_ops.c

$(STAMP): pyproject.toml $(NATIVE_C) | $(BIN)/python
	rm -f sandbox/python/_fuel_stream.*.so sandbox/python/_fast_ops.*.so
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@$(BIN)/python -c "import sandbox.python._fuel_stream, sandbox.python._fast_ops" 2>/dev/null \
		|| echo "warning: the sandbox's C parts were not built (no C compiler?): scripts run slower"
	touch $(STAMP)

# With a display: play the example game in a window (WASD / arrows), recorded for
# 'modhost replay build/demo.replay.json'. Without one: play the recorded demo/input.jsonl
# offscreen and save the last frame.
demo: $(STAMP)
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(BIN)/modhost run --mods mods --record build/demo.replay.json --screenshot build/demo.png; \
	else \
		$(BIN)/modhost run --mods mods --offscreen --input demo/input.jsonl --ticks 1200 \
			--screenshot build/demo.png; \
	fi

test: $(STAMP) postgres browser display
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

# The marketplace tests start their own PostgreSQL server (tests/marketplace/conftest.py);
# install the server binaries when they are missing and we are root on a Debian-like system.
.PHONY: postgres
postgres:
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; \
	then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing PostgreSQL for the marketplace tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else \
		echo "warning: PostgreSQL is missing and cannot be installed here; the postgres tests will skip"; \
	fi

# The portal's browser tests drive Debian's chromium through chromium-driver; install them
# when missing and we are root on a Debian-like system (the tests skip, saying why, otherwise).
.PHONY: browser
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium and chromium-driver for the portal's browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium chromium-driver >/dev/null; \
	else \
		echo "warning: chromium is missing and cannot be installed here; the browser tests will skip"; \
	fi

# The window tests (real Panda3D windows, keyboard input through XTEST) run on a private Xvfb
# server; install it and libXtst when missing and we are root on a Debian-like system.
.PHONY: display
display:
	@if command -v Xvfb >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q libXtst.so.6; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Xvfb and libXtst for the window tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			xvfb libxtst6 >/dev/null; \
	else \
		echo "warning: Xvfb is missing and cannot be installed here; the window tests will skip"; \
	fi

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Exit 1 when a ratio in benchmarks/baseline.json regressed past its threshold.
.PHONY: bench-check
bench-check: $(STAMP)
	$(BIN)/python -m benchmarks --check
# The marketplace server on loopback with the example mods published; prints the URL and the
# demo accounts (public passwords). Ctrl-C stops it; the store stays in build/market-demo/.
.PHONY: market-demo
market-demo: $(STAMP)
	$(BIN)/modhost market demo --dir build/market-demo --mods mods --port $${PORT:-8080}

# WebAssembly example mods, rebuilt from their sources in the repo (tests check the committed
# binaries are up to date). WAT guests: wasm-tools wraps the core module into a component
# against wit/. Python guests: componentize-py (--stub-wasi: the host interface is the only
# import).
.PHONY: components
components: $(STAMP)
	@mkdir -p build examples/orbit/components
	$(BIN)/wasm-tools component embed wit --world mod mods/beacon/src/beacon.wat -o build/beacon.core.wasm
	$(BIN)/wasm-tools component new build/beacon.core.wasm -o mods/beacon/components/beacon.wasm
	$(BIN)/componentize-py -d wit -w mod componentize --stub-wasi -p examples/orbit/src app \
		-o examples/orbit/components/orbit.wasm

# The JavaScript example (optional: needs Node.js and npm). componentize-js is pinned and
# installed under build/; -d drops every WASI feature, so the host interface is the only import.
JS_TOOL := build/js-toolchain/node_modules/.bin/componentize-js
$(JS_TOOL):
	npm install --silent --no-audit --no-fund --prefix build/js-toolchain \
		@bytecodealliance/componentize-js@0.23.0

.PHONY: components-js
components-js: $(JS_TOOL)
	@mkdir -p examples/pulse-js/components
	$(JS_TOOL) examples/pulse-js/src/pulse.js -w wit -n mod \
		-d stdio random clocks http fetch-event -o examples/pulse-js/components/pulse.wasm

# Re-sign every example mod with the demo key (keys/README: a public demo key). Git does not
# keep file modes, so restore 0600 on the private key first.
.PHONY: sign-demo
sign-demo: $(STAMP)
	chmod 600 keys/demo.key
	for dir in mods/*/; do \
		if [ -f "$$dir/mod.toml" ]; then $(BIN)/modhost sign "$${dir%/}" --key keys/demo.key || exit 1; fi; \
	done

# The docs site (MkDocs Material) into build/site; --strict: a broken link or a page left out
# of the nav fails the build. The reference pages are generated from the code (docs/_gen_ref.py).
docs: $(STAMP)
	DISABLE_MKDOCS_2_WARNING=true NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# Record additive changes to the public contracts (contracts/snapshot/); a breaking change
# also needs an accepted-break line in CHANGELOG.md (docs/development/contracts.md).
api-snapshot: $(STAMP)
	$(BIN)/python -m contracts update

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) build .pytest_cache
