//! The store contract (keycard-testing) against a new database per test, on the server
//! `tests/postgres/with-server` starts (`make postgres`); `make unit`, which has none,
//! skips `on_postgres::`.

mod on_postgres {
    keycard_testing::store_contract_tests!(keycard_testing::postgres_store());
}
