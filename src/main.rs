use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

// glibc malloc dominated the profiles of capture and of long listings (many small,
// short-lived allocations); mimalloc halves that cost. It is wrapped in a counter of bytes
// allocated that only benchmarks switch on (`contexta bench charts`); off, it costs a relaxed
// load per call.
#[global_allocator]
static GLOBAL: Counting = Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATED: AtomicU64 = AtomicU64::new(0);

struct Counting;

impl Counting {
    fn count(size: usize) {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATED.fetch_add(size as u64, Ordering::Relaxed);
        }
    }
}

// SAFETY: every call is passed unchanged to mimalloc, which upholds GlobalAlloc's contract;
// the counter only reads the layout.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Counting::count(layout.size());
        // SAFETY: the caller's layout contract is forwarded as is.
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Counting::count(layout.size());
        // SAFETY: as above.
        unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator with this layout.
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A grown block counts its growth: the bytes newly asked for.
        Counting::count(new_size.saturating_sub(layout.size()));
        // SAFETY: `ptr` came from this allocator with `layout`; `new_size` is the caller's.
        unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
    }
}

/// Option numbers of mimalloc 3 (`mi_option_e` in its `mimalloc.h`); libmimalloc-sys names
/// only some of them, and these two moved between major versions.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
const MI_OPTION_ARENA_PURGE_MULT: libmimalloc_sys::mi_option_t = 24;

/// Freed memory is returned to the OS at once (purge delay 0 for pages and for arenas).
fn release_promptly() {
    // SAFETY: mi_version and mi_option_set read and write mimalloc's option table, integers only;
    // the option numbers are checked against the major version they belong to.
    unsafe {
        if libmimalloc_sys::mi_version() / 10_000 == 3 {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
            libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_PURGE_MULT, 0);
        }
    }
}

fn main() {
    contexta::cli::alloc_probe::install(
        |on| COUNTING.store(on, Ordering::Relaxed),
        || ALLOCATED.load(Ordering::Relaxed),
        release_promptly,
    );
    std::process::exit(contexta::cli::main());
}
