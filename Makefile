# Keycard's two everyday commands: `make run` and `make test`. Both install what is
# missing first (.ci/setup), so they work on a fresh machine.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

# npm's binaryen provides wasm-opt for release builds (Debian's breaks the wasm), so
# end2end/node_modules/.bin comes first.
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

E2E_DIR := target/e2e

.PHONY: setup run test lint unit e2e

setup:
	bash .ci/setup

## Build a release and serve it on http://127.0.0.1:3000 (data in ./data).
run: setup
	cargo leptos serve --release

## Everything CI runs: formatting, lints for both targets, unit and integration tests,
## and the browser suite against a release build.
test: setup lint unit e2e

lint:
	cargo fmt --check
	cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

unit:
	cargo test --features ssr

# A fresh database for every run; the browser tests use a real SQLite file.
e2e:
	rm -rf $(E2E_DIR)
	mkdir -p $(E2E_DIR)
	KEYCARD_DATABASE=$(E2E_DIR)/keycard.db cargo leptos end-to-end --release
