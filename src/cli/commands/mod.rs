//! One file per group of commands.
pub mod bench;
pub mod ingest;
pub mod open;
pub mod query;
pub mod write;
