//! Copying to the user's clipboard with OSC 52 (`ESC ] 52 ; c ; BASE64 BEL`): the terminal
//! sets its clipboard from the sequence, so a copy works over SSH and inside tmux (with
//! `set -g set-clipboard on`, tmux takes the plain sequence into its buffer and passes it on;
//! no passthrough wrapping is needed). What is copied is ours (a ref, or JSON we serialised),
//! but it is sanitized line by line anyway: text pasted from the clipboard into a terminal must
//! not carry escapes.
//!
//! Pure: builds the bytes; the runtime writes them through the terminal writer between frames.

use crate::sanitize::sanitize;
use base64::Engine;

/// The most we copy: terminals cap OSC 52 (xterm at ~100 KB of base64); beyond this the
/// detail text is better read with `o` (the pager).
pub const MAX_COPY_BYTES: usize = 74_000;

/// The text as copied: each line sanitized, line breaks kept.
pub fn clean_copy(text: &str) -> String {
    text.split('\n')
        .map(|l| sanitize(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The OSC 52 sequence that sets the clipboard (`c`) to `text` (sanitized first).
pub fn osc52(text: &str) -> Vec<u8> {
    let payload = base64::engine::general_purpose::STANDARD.encode(clean_copy(text));
    let mut out = Vec::with_capacity(payload.len() + 8);
    out.extend_from_slice(b"\x1b]52;c;");
    out.extend_from_slice(payload.as_bytes());
    out.push(0x07);
    out
}

/// A size for the flash: `42 B`, `3.1 KB`.
pub fn size_label(bytes: usize) -> String {
    if bytes < 1000 {
        format!("{bytes} B")
    } else {
        format!("{:.1} KB", bytes as f64 / 1e3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_is_the_exact_clipboard_sequence() {
        assert_eq!(
            osc52("run:mnist.baseline"),
            b"\x1b]52;c;cnVuOm1uaXN0LmJhc2VsaW5l\x07".to_vec()
        );
        // Line breaks survive; an escape in the text is made visible, never copied raw.
        assert_eq!(osc52("a\nb"), b"\x1b]52;c;YQpi\x07".to_vec());
        assert_eq!(clean_copy("x\x1b]0;pwned\x07"), "x\\x1b]0;pwned\\x07");
        assert_eq!(size_label(42), "42 B");
        assert_eq!(size_label(3100), "3.1 KB");
    }
}
