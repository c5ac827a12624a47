//! Reports: a run snapshot or a comparison, built from query and analysis results into one
//! document type, rendered as markdown, HTML, JSON or CSV. Never writes files itself (the
//! caller decides where), never reads storage except through `query`.

mod build;
mod render;
mod types;

pub use build::{comparison, snapshot};
pub use render::{Render, render};
pub use types::*;
