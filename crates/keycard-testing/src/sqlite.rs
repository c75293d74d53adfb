//! A look at a SQLite file behind the app's back, as the core's and the web suite's
//! tests take it.

use std::path::Path;

/// Runs `sql` on the database file at `path` through a connection of its own; the first
/// column of each row it returns, as text.
pub fn first_column(path: &Path, sql: &str) -> Vec<String> {
    let connection = rusqlite::Connection::open(path).expect("the file opens");
    let mut statement = connection.prepare(sql).expect("the statement prepares");
    if statement.column_count() == 0 {
        statement.execute([]).expect("the statement runs");
        return Vec::new();
    }
    statement
        .query_map([], |row| {
            Ok(match row.get::<_, rusqlite::types::Value>(0)? {
                rusqlite::types::Value::Text(text) => text,
                rusqlite::types::Value::Integer(number) => number.to_string(),
                other => format!("{other:?}"),
            })
        })
        .and_then(Iterator::collect)
        .expect("the rows read")
}
