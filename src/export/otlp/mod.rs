//! `export otlp`: training telemetry into an OpenTelemetry collector over OTLP/HTTP with
//! protobuf bodies, using the official `opentelemetry-proto` message types.
//!
//! - `map`: our model → OTLP messages (run → resource, span → span, metric → gauge point,
//!   event/degraded → log record); `ids`: stable trace/span ids; `attrs`: attribute values.
//! - `request`: one page of records → one encoded request per signal; `steps`: each point's
//!   step by our step rule.
//! - `transport`: the POST, retries with bounded backoff, what counts as acknowledged.
//! - `cursor`: per endpoint + workspace + run, what was acknowledged, outside the workspace.
//! - `exporter`: the loop tying them together, once or following a live run.

mod attrs;
pub mod cursor;
mod error;
mod exporter;
mod ids;
mod map;
mod request;
mod steps;
mod transport;

pub use error::OtlpError;
pub use exporter::{DEFAULT_BATCH, Ending, Options, Progress, Totals, export};
pub use request::Signal;
pub use transport::{RetryNotice, RetryPolicy};
