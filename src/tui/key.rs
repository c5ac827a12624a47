//! Keys as the explorer names them, independent of any terminal library, and their one text
//! grammar, shared by `assets/keymap.toml`, the help overlay and headless key scripts:
//!
//! - a single character is that key: `j`, `G`, `?`, `:` (case matters; `<` is `<lt>`);
//! - named keys in angle brackets: `<Enter> <Esc> <Tab> <S-Tab> <Backspace> <Delete> <Up>
//!   <Down> <Left> <Right> <Home> <End> <PageUp> <PageDown> <Space> <F1>…<F12> <lt>`;
//! - modifiers prefix a key inside brackets: `<C-d>` (Ctrl), `<A-x>` (Alt), `<C-A-x>`;
//! - a key sequence (a chord such as `g g`) is keys separated by spaces.
//!
//! Never depends on crossterm: `event.rs` converts terminal events into these.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyCode {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    F(u8),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub const fn new(code: KeyCode) -> Key {
        Key {
            code,
            ctrl: false,
            alt: false,
        }
    }

    pub const fn char(c: char) -> Key {
        Key::new(KeyCode::Char(c))
    }

    /// A plain printable character (what a text prompt inserts).
    pub fn text_char(&self) -> Option<char> {
        match self.code {
            KeyCode::Char(c) if !self.ctrl && !self.alt => Some(c),
            _ => None,
        }
    }

    /// Parses one key (no spaces).
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut chars = text.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return Ok(Key::char(c));
        }
        let inner = text
            .strip_prefix('<')
            .and_then(|t| t.strip_suffix('>'))
            .ok_or_else(|| format!("`{text}` is not a key (use one character or <Name>)"))?;
        let mut key = Key::new(KeyCode::Enter);
        let mut rest = inner;
        loop {
            if let Some(r) = rest.strip_prefix("C-") {
                key.ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("A-") {
                key.alt = true;
                rest = r;
            } else {
                break;
            }
        }
        if let Some(r) = rest.strip_prefix("S-")
            && r.eq_ignore_ascii_case("tab")
        {
            key.code = KeyCode::BackTab;
            return Ok(key);
        }
        let mut rc = rest.chars();
        if let (Some(c), None) = (rc.next(), rc.next()) {
            key.code = KeyCode::Char(c);
            return Ok(key);
        }
        key.code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "cr" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" | "bs" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" | "pgup" => KeyCode::PageUp,
            "pagedown" | "pgdn" => KeyCode::PageDown,
            "space" => KeyCode::Char(' '),
            "lt" => KeyCode::Char('<'),
            f if f.starts_with('f') => match f[1..].parse::<u8>() {
                Ok(n @ 1..=12) => KeyCode::F(n),
                _ => return Err(format!("unknown key `{text}`")),
            },
            _ => return Err(format!("unknown key `{text}`")),
        };
        Ok(key)
    }

    /// Parses a space-separated key sequence (`g g`, `<C-w> l`).
    pub fn parse_seq(text: &str) -> Result<Vec<Key>, String> {
        let keys: Vec<Key> = text
            .split_whitespace()
            .map(Key::parse)
            .collect::<Result<_, _>>()?;
        if keys.is_empty() {
            return Err("empty key".into());
        }
        Ok(keys)
    }
}

fn name(code: KeyCode) -> Option<&'static str> {
    Some(match code {
        KeyCode::Enter => "Enter",
        KeyCode::Esc => "Esc",
        KeyCode::Tab => "Tab",
        KeyCode::BackTab => "S-Tab",
        KeyCode::Backspace => "Backspace",
        KeyCode::Delete => "Delete",
        KeyCode::Up => "Up",
        KeyCode::Down => "Down",
        KeyCode::Left => "Left",
        KeyCode::Right => "Right",
        KeyCode::Home => "Home",
        KeyCode::End => "End",
        KeyCode::PageUp => "PageUp",
        KeyCode::PageDown => "PageDown",
        KeyCode::Char(' ') => "Space",
        KeyCode::Char('<') => "lt",
        _ => return None,
    })
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mods = format!(
            "{}{}",
            if self.ctrl { "C-" } else { "" },
            if self.alt { "A-" } else { "" }
        );
        let base = match (self.code, name(self.code)) {
            (_, Some(n)) => n.to_string(),
            (KeyCode::F(n), None) => format!("F{n}"),
            (KeyCode::Char(c), None) => c.to_string(),
            _ => "?".to_string(),
        };
        let named = name(self.code).is_some() || matches!(self.code, KeyCode::F(_));
        if mods.is_empty() && !named {
            write!(f, "{base}")
        } else {
            write!(f, "<{mods}{base}>")
        }
    }
}

/// Formats a key sequence the way it is parsed.
pub fn seq_to_string(keys: &[Key]) -> String {
    keys.iter()
        .map(|k| k.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for t in [
            "j", "G", "<Enter>", "<C-d>", "<S-Tab>", "<Space>", "<F5>", "<lt>", "<A-x>",
        ] {
            let k = Key::parse(t).unwrap();
            assert_eq!(k.to_string(), t);
        }
        assert_eq!(seq_to_string(&Key::parse_seq("g  g").unwrap()), "g g");
        assert!(Key::parse("<Nope>").is_err());
        assert!(Key::parse("ab").is_err());
    }
}
