//! OTLP trace and span ids from our own ids. A span's `span_id`/`trace_id` are free text here
//! (the reference writes `span-…` names); OTLP wants 8 and 16 bytes. Ids that already are W3C
//! hex (a run instrumented with OpenTelemetry) are kept as they are, so the exported spans join
//! the traces they came from; anything else is hashed with the run ref, so ids are unique across
//! runs and the same on every export (a backend that keys on ids sees a re-export as the same
//! spans). The same function maps a span's id and its child's `parent_span_id`, which keeps
//! parent links.

use crate::model::Ref;
use sha2::{Digest, Sha256};

/// Decodes `text` as exactly `N` bytes of hex, refusing the all-zero id OTLP calls invalid.
fn verbatim<const N: usize>(text: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out).ok()?;
    out.iter().any(|b| *b != 0).then_some(out)
}

fn hashed<const N: usize>(domain: &str, run: &Ref, id: &str) -> [u8; N] {
    let mut h = Sha256::new();
    for part in [domain, run.as_str(), id] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    let digest = h.finalize();
    let mut out = [0u8; N];
    out.copy_from_slice(&digest[..N]);
    if out.iter().all(|b| *b == 0) {
        out[N - 1] = 1; // never the invalid all-zero id
    }
    out
}

/// The 16-byte OTLP trace id of trace `id` in `run`.
pub fn trace_id(run: &Ref, id: &str) -> [u8; 16] {
    verbatim(id).unwrap_or_else(|| hashed("contexta.trace", run, id))
}

/// The 8-byte OTLP span id of span `id` in `run`.
pub fn span_id(run: &Ref, id: &str) -> [u8; 8] {
    verbatim(id).unwrap_or_else(|| hashed("contexta.span", run, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> Ref {
        Ref::parse(s).unwrap()
    }

    #[test]
    fn hex_ids_are_kept_and_others_hashed_per_run() {
        let a = run("run:mnist.a");
        let b = run("run:mnist.b");
        assert_eq!(
            span_id(&a, "00f067aa0ba902b7"),
            [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7]
        );
        assert_eq!(
            hex::encode(trace_id(&a, "4bf92f3577b34da6a3ce929d0e0e4736")),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        // Text ids: stable, different per run, never all zero.
        assert_eq!(span_id(&a, "span-1"), span_id(&a, "span-1"));
        assert_ne!(span_id(&a, "span-1"), span_id(&b, "span-1"));
        assert_ne!(span_id(&a, "span-1"), span_id(&a, "span-2"));
        assert_ne!(span_id(&a, "0000000000000000"), [0u8; 8]);
    }
}
