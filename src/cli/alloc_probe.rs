//! Bytes allocated, as the binary's allocator counts them (`main.rs` wraps mimalloc in a counter
//! and installs its switch and reading here; the library forbids `unsafe`, which an allocator
//! needs). Only benchmarks turn counting on, so ordinary runs pay one relaxed load a call.

use std::sync::OnceLock;

struct Probe {
    enable: fn(bool),
    allocated: fn() -> u64,
}

static PROBE: OnceLock<Probe> = OnceLock::new();

/// Installs the binary's counter (once; later calls are ignored).
pub fn install(enable: fn(bool), allocated: fn() -> u64) {
    let _ = PROBE.set(Probe { enable, allocated });
}

/// Runs `f` with counting on; returns its result and the bytes it allocated (`None` when no
/// counter is installed, e.g. in tests).
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, Option<u64>) {
    let Some(p) = PROBE.get() else {
        return (f(), None);
    };
    (p.enable)(true);
    let before = (p.allocated)();
    let r = f();
    let bytes = (p.allocated)() - before;
    (p.enable)(false);
    (r, Some(bytes))
}
