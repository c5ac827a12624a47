//! Reading the reference ledger (DuckDB) through DuckDB itself.
