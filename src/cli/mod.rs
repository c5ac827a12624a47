//! Command-line interface (filled in below).
pub fn main() -> i32 {
    0
}
