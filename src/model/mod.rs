//! Pure data: refs, timestamps, entities and records as the reference defines them, with their
//! validation rules. No I/O here, and nothing here knows how or where data is stored.

pub mod console;
pub mod entities;
pub mod error;
pub mod facts;
pub mod json;
pub mod metric_key;
pub mod records;
pub mod refs;
pub mod time;

pub use console::{CONSOLE_LINE_CAP, ConsoleBatch, ConsoleLine, ConsoleStream, console_plain};
pub use entities::*;
pub use error::ValidationError;
pub use facts::{ArtifactState, EdgeFact, RunFacts, SeriesFacts, SeriesPoint};
pub use json::{Extension, JsonMap};
pub use metric_key::{DISPLAY_KEY_TAG, MappedKey, MetricKeyMap, canonical_metric_key};
pub use records::*;
pub use refs::{Ref, RefError, slug};
pub use time::{Timestamp, format_duration, format_value, took};
