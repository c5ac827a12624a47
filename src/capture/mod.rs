//! Writing into a workspace: the Rust capture API (buffered, committed in the background),
//! JSONL ingest from any language, artifacts and provenance.

mod committer;
pub mod console;
pub mod gpu;
pub mod ingest;
pub mod key_mapping;
pub mod lines;
mod plain_lines;
pub mod provenance;
mod session;
pub mod system;
pub mod wrap;

pub use crate::store::objects::{ArtifactError, IngestMode, StoredObject, hash_file, put_object};
pub use committer::CommitPolicy;
pub use session::{CaptureError, RunHandle, Session, SpanGuard, StageHandle};

/// 12 hex digits of SHA-256: short, stable ids for generated ref components.
pub fn short_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(text.as_bytes())[..6])
}
