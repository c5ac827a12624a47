//! One file per group of commands.
pub mod bench;
pub mod compare;
pub mod diagnose;
pub mod ingest;
pub mod lineage;
pub mod open;
pub mod query;
pub mod report;
pub mod trends;
pub mod write;
