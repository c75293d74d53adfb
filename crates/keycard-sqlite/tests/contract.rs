//! The store contract (keycard-testing) against a new SQLite file per test.

keycard_testing::store_contract_tests!(keycard_testing::sqlite_store());
