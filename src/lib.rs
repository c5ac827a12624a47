//! Contexta: local-first observability for ML runs.
//!
//! Layers depend one way only (`tests/architecture.rs` enforces it):
//!
//! ```text
//! model  ←  store  ←  capture / query  ←  cli, tui
//!   ↑         ↑          ↑
//!   │         └─ recovery ← capture (line formats)
//!   └──── analysis ──────┘   (pure, fed by query)
//! ```
//!
//! - `model`: refs, entities, records and their validation. No I/O.
//! - `store`: the redb workspace (the only module that names redb).
//! - `capture`: the writing API, JSONL ingest, artifacts, provenance.
//! - `query`: read-side questions for the CLI, the explorer and reports; one recipe per
//!   question (diagnose, compare, anomaly), feeding what it reads to `analysis`.
//! - `recovery`: artifact verification, backup and restore, export, replay, import from the
//!   reference system.
//! - `watch`: "the workspace changed" signals (notify, with a polling fallback).
//! - `demo`: a realistic generated workspace and a live writer.
//! - `export`: the workspace into engines teams already run (OTLP collectors), read through
//!   `query`.
//! - `destination`: writing output to a named path without replacing pipes, devices or links.
//! - `cli`, `tui`: the faces.
#![forbid(unsafe_code)]

pub mod analysis;
pub mod capture;
pub mod cli;
pub mod demo;
pub mod destination;
pub mod export;
pub mod model;
pub mod query;
pub mod recovery;
pub mod report;
pub mod sanitize;
pub mod store;
pub mod tui;
pub mod watch;
