fn main() {
    std::process::exit(contexta::cli::main());
}
