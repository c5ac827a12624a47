// glibc malloc dominated the profiles of capture and of long listings (many small,
// short-lived allocations); mimalloc halves that cost.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(contexta::cli::main());
}
