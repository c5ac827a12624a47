//! One file per group of commands.
pub mod artifacts;
pub mod backup;
pub mod bench;
mod bench_charts;
pub mod bench_recovery;
pub mod compare;
pub mod diagnose;
pub mod doctor;
pub mod export;
pub mod import;
pub mod ingest;
pub mod lineage;
pub mod open;
pub mod query;
pub mod report;
pub mod trends;
pub mod wrap;
pub mod write;
