//! The demo workspace: several projects and a dozen runs that look like real ML work —
//! prepare/train/evaluate stages, epochs as batches, per-sample metrics, noisy learning curves,
//! params, provenance, artifacts with real files, lineage dataset → run → checkpoint →
//! deployment, a failed run, a degraded run and one still open. Generated from a seed and a base
//! time, so the same call gives the same workspace (the explorer's snapshot tests rely on it).

mod live;
mod runs;

pub use live::{LiveOptions, run_live};
pub use runs::{DemoSummary, generate};
