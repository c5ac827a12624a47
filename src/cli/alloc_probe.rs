//! Bytes allocated, as the binary's allocator counts them (`main.rs` wraps mimalloc in a counter
//! and installs its switch and reading here; the library forbids `unsafe`, which an allocator
//! needs). Only benchmarks turn counting on, so ordinary runs pay one relaxed load a call.
//! Also the one allocator setting a command changes: how soon freed memory goes back to the OS.

use std::sync::OnceLock;

struct Probe {
    enable: fn(bool),
    allocated: fn() -> u64,
    release_promptly: fn(),
}

static PROBE: OnceLock<Probe> = OnceLock::new();

/// Installs the binary's counter and its allocator's prompt-release switch (once; later calls
/// are ignored).
pub fn install(enable: fn(bool), allocated: fn() -> u64, release_promptly: fn()) {
    let _ = PROBE.set(Probe {
        enable,
        allocated,
        release_promptly,
    });
}

/// From now on, memory this process frees goes back to the OS at once instead of being kept
/// for reuse a while (mimalloc keeps it about 10 ms, its arenas 100 ms). `contexta run` wants
/// this: a million console lines pass through it, allocated on one thread and freed on the
/// committer's, and the kept pages were most of its peak RSS (75 MB against 50 with them
/// returned), at no CPU cost we could measure. Does nothing without an installed allocator.
pub fn release_freed_memory_promptly() {
    if let Some(p) = PROBE.get() {
        (p.release_promptly)();
    }
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
