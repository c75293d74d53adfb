# Keycard's two everyday commands: `make run` and `make test`. Both install what is
# missing first (.ci/setup: `make run` only what building and serving needs), so they
# work on a fresh machine.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

export PATH := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin:$(PATH)

.PHONY: setup setup-run run test lint unit postgres e2e api-fuzz release bench bench-smoke \
	debug-suites release-at-low-priority e2e-on-release api-fuzz-on-release \
	package package-at-low-priority notes

setup:
	bash .ci/setup

setup-run:
	bash .ci/setup run

## Build a release (release/build) and serve it on http://localhost:3000 (data in ./data).
## Started from this folder with no LEPTOS_* variables, the server reads its Leptos
## settings from Cargo.toml.
run: setup-run
	release/build
	@echo "Keycard is starting at http://localhost:3000 (also http://127.0.0.1:3000)."
	target/release/keycard

## The example app that embeds Keycard (examples/notes), built by release/build beside
## Keycard, on http://127.0.0.1:3100 (data in ./notes-data).
notes: setup-run
	release/build
	NOTES_DATA=notes-data LEPTOS_OUTPUT_NAME=notes LEPTOS_SITE_ROOT=target/notes-site \
		LEPTOS_SITE_ADDR=127.0.0.1:3100 LEPTOS_ENV=PROD target/release/notes

## Everything CI runs: formatting, lints for both targets, unit, integration and fault
## tests on SQLite and again on PostgreSQL, the browser suite against a release build,
## the API fuzzer against the same build, and a one-second-per-row benchmark.
##
## The lints come first, so a slip in formatting or a lint fails in minutes. Stages that
## do not depend on each other then run side by side: the release build (at the lowest
## CPU priority, so the timing-sensitive tests beside it keep the processor) while the
## debug suites run, then the browser tests beside the API fuzzer, both on that one
## build, while the library crates are packed as `cargo publish` would pack them. The
## benchmark (crates/keycard-bench, built with the release build and driving its
## binary) runs alone, since it measures; last, the release binary must serve a site
## that hydrates, as `make run` serves it (tests/served-site/run).
test: setup lint
	$(MAKE) --no-print-directory -j2 --output-sync=target debug-suites release-at-low-priority
	$(MAKE) --no-print-directory -j3 --output-sync=target e2e-on-release api-fuzz-on-release \
		package-at-low-priority
	$(MAKE) --no-print-directory bench-smoke
	tests/served-site/run

# Without make's jobserver in their environment, so each cargo uses every core (with
# it, each of the two would be held to one compiler at a time).
WITHOUT_JOBSERVER := env -u MAKEFLAGS -u MFLAGS -u CARGO_MAKEFLAGS

debug-suites:
	$(WITHOUT_JOBSERVER) $(MAKE) --no-print-directory unit
	$(WITHOUT_JOBSERVER) $(MAKE) --no-print-directory postgres

release-at-low-priority:
	$(WITHOUT_JOBSERVER) nice -n 19 release/build

# The benchmark, which release/build builds beside the server it drives.
BENCH := target/release/keycard-bench

# Suites that need PostgreSQL (several processes on one database; the database
# stopped under load), and those that look inside the SQLite file.
POSTGRES_ONLY := --skip on_postgres:: --skip postgres_outage::
SQLITE_ONLY := --skip in_the_sqlite_file --skip database_lock:: --skip storage::
WITH_POSTGRES := tests/postgres/with-server

## The release server (release/build's) under wrk on 127.0.0.1, on SQLite and on
## PostgreSQL: one table, about 3 minutes (BENCHMARKS.md).
bench: setup release
	$(WITH_POSTGRES) $(BENCH)

# One second per measurement, so CI keeps `make bench` working; its figures mean little.
# It runs the release binary `make test` built before it.
bench-smoke: setup
	KEYCARD_BENCH_SECONDS=1 $(WITH_POSTGRES) $(BENCH)

# The second clippy builds Keycard and the library crates with every feature off (no
# mail, passkeys, PostgreSQL or two-step codes). What the features gate is the same
# code on the browser side, so the browser build is linted with them only.
lint:
	cargo fmt --all --check
	cargo clippy --workspace --features ssr --all-targets -- -D warnings
	cargo clippy -p keycard -p keycard-leptos -p keycard-axum -p keycard-core --lib --bins \
		--no-default-features --features keycard/ssr -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --features ssr
	cargo clippy -p keycard -p keycard-leptos -p keycard-example-notes --lib --features hydrate \
		--target wasm32-unknown-unknown -- -D warnings

unit:
	cargo test --workspace --features ssr -- $(POSTGRES_ONLY)

# The store contract, the core's flow tests and the integration and fault suites
# again, each on a database of its own on a throwaway PostgreSQL server; the outage
# test stops its server, so it gets one of its own. Built with the features `unit`
# builds with, so nothing is compiled twice.
postgres:
	$(WITH_POSTGRES) cargo test --workspace --features ssr --test flows --test contract \
		-- $(SQLITE_ONLY)
	$(WITH_POSTGRES) cargo test --features ssr --test web --test fault -- $(SQLITE_ONLY) --skip postgres_outage::
	$(WITH_POSTGRES) cargo test --features ssr --test fault -- postgres_outage::

# Each library crate as `cargo publish` would upload it (a dry run: nothing is
# uploaded). `make package` also unpacks each and builds it on its own, from scratch in
# a directory of its own (6 min 40 s here, beside another build), which `make test` leaves out: the
# test suites have built the same sources already.
LIBRARY_CRATES := --workspace --exclude keycard --exclude keycard-testing \
	--exclude keycard-example-notes --exclude keycard-bench

# cargo keeps the crates it packed before, their unpacked sources and what it built from
# them under the same names and version (0.1.0), and would verify against those stale
# copies: each run starts from none, in a target directory of its own.
PACKAGE_TARGET := target/package-verify

package:
	rm -rf $(PACKAGE_TARGET) $(or $(CARGO_HOME),$(HOME)/.cargo)/registry/src/-*
	cargo package $(LIBRARY_CRATES) --allow-dirty --target-dir $(PACKAGE_TARGET)

package-at-low-priority:
	$(WITHOUT_JOBSERVER) nice -n 19 cargo package $(LIBRARY_CRATES) --allow-dirty --no-verify

# The release server and site, as `make run` and the browser tests use them.
release: setup-run
	release/build

# schemathesis against the release server's OpenAPI document (tests/api-fuzz/run).
api-fuzz: setup release
	$(MAKE) --no-print-directory api-fuzz-on-release

api-fuzz-on-release:
	tests/api-fuzz/run

# The browser tests against the release server on a fresh SQLite file (end2end/run).
e2e: setup release
	$(MAKE) --no-print-directory e2e-on-release

e2e-on-release:
	end2end/run
