//! Investigation, as pure functions over model values the query layer gathered: compare,
//! diagnostics, lineage, provenance, trends. Never reads storage, never prints.

pub mod compare;
pub mod diagnostics;
pub mod direction;
pub mod lineage;
pub mod provenance;
pub mod resources;
pub mod trend;
