# Keycard's two everyday commands: `make run` and `make test`. Both install what is
# missing first (.ci/setup), so they work on a fresh machine.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

# npm's binaryen provides wasm-opt for release builds (Debian's breaks the wasm), so
# end2end/node_modules/.bin comes first.
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

E2E_DIR := target/e2e

.PHONY: setup run test lint unit postgres e2e api-fuzz release bench bench-smoke

setup:
	bash .ci/setup

## Build a release and serve it on http://localhost:3000 (data in ./data).
run: setup
	@echo "Keycard will be at http://localhost:3000 (also http://127.0.0.1:3000) once built."
	cargo leptos serve --release

## Everything CI runs: formatting, lints for both targets, unit, integration and fault
## tests on SQLite and again on PostgreSQL, the browser suite against a release build,
## the API fuzzer against the same build, and a one-second-per-row benchmark.
test: setup lint unit postgres e2e api-fuzz bench-smoke

# Suites that need PostgreSQL (several processes on one database; the database
# stopped under load), and those that look inside the SQLite file.
POSTGRES_ONLY := --skip on_postgres:: --skip postgres_outage::
SQLITE_ONLY := --skip in_the_sqlite_file --skip database_lock:: --skip storage::
WITH_POSTGRES := tests/postgres/with-server

## The release server under wrk on 127.0.0.1, on SQLite and on PostgreSQL: one table,
## about 3 minutes (BENCHMARKS.md).
bench: setup
	$(WITH_POSTGRES) cargo bench --features ssr --bench load

# One second per measurement, so CI keeps `make bench` working; its figures mean little.
bench-smoke: setup
	KEYCARD_BENCH_SECONDS=1 $(WITH_POSTGRES) cargo bench --features ssr --bench load

lint:
	cargo fmt --check
	cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

unit:
	cargo test --features ssr -- $(POSTGRES_ONLY)

# The core's unit tests and the integration and fault suites again, each service on a
# database of its own on a throwaway PostgreSQL server; the outage test stops its
# server, so it gets one of its own.
postgres:
	$(WITH_POSTGRES) cargo test --features ssr --lib -- auth:: $(SQLITE_ONLY)
	$(WITH_POSTGRES) cargo test --features ssr --test web --test fault -- $(SQLITE_ONLY) --skip postgres_outage::
	$(WITH_POSTGRES) cargo test --features ssr --test fault -- postgres_outage::

# The release server and site, as `make run` and the browser tests use them.
release: setup
	cargo leptos build --release

# schemathesis against the release server's OpenAPI document (tests/api-fuzz/run).
api-fuzz: release
	tests/api-fuzz/run

# A fresh database for every run; the browser tests use a real SQLite file.
e2e:
	rm -rf $(E2E_DIR)
	mkdir -p $(E2E_DIR)
	KEYCARD_DATABASE=$(E2E_DIR)/keycard.db cargo leptos end-to-end --release
