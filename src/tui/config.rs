//! The user's configuration: `keymap.toml` and `theme.toml` in `$XDG_CONFIG_HOME/contexta/`
//! (else `~/.config/contexta/`). Missing files are fine; a bad entry becomes a message for the
//! status line naming file, line and key, and the defaults still apply.
//!
//! Reads files and the environment, so only the interactive shell calls it (headless mode and
//! tests use the built-in defaults for reproducible frames).

use super::keymap::Keymap;
use super::theme::Theme;
use std::path::PathBuf;

pub struct Config {
    pub keymap: Keymap,
    pub theme: Theme,
    pub errors: Vec<String>,
}

pub fn config_dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty());
    let base = match xdg {
        Some(x) => PathBuf::from(x),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".config"),
    };
    Some(base.join("contexta"))
}

/// How many colours the terminal shows, from `TERM` and `COLORTERM` (16 unless they say more).
pub fn colour_depth() -> super::palette::Depth {
    let var = |k: &str| std::env::var(k).ok();
    super::palette::depth(var("TERM").as_deref(), var("COLORTERM").as_deref())
}

/// Whether colour is off: the option, or `NO_COLOR` set to anything non-empty (no-color.org).
pub fn no_color(option: bool) -> bool {
    option || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

pub fn load(no_color: bool) -> Config {
    let dir = config_dir();
    let read = |name: &str| {
        let path = dir.as_ref()?.join(name);
        let text = std::fs::read_to_string(&path).ok()?;
        Some((path.display().to_string(), text))
    };
    let mut errors = Vec::new();
    let keymap = match read("keymap.toml") {
        Some((file, text)) => {
            let (km, errs) = Keymap::with_user(&file, &text);
            errors.extend(errs.iter().map(|e| e.to_string()));
            km
        }
        None => Keymap::defaults(),
    };
    let theme = match read("theme.toml") {
        Some((file, text)) => {
            let (t, errs) = Theme::with_user(&file, &text, no_color);
            errors.extend(errs);
            t
        }
        None => Theme::defaults(no_color),
    };
    Config {
        keymap,
        theme,
        errors,
    }
}

/// The workspace path as the status line shows it: `~` for the home directory.
pub fn label(root: &std::path::Path) -> String {
    let shown = root.display().to_string();
    match std::env::var("HOME") {
        Ok(home) if !home.is_empty() && shown.starts_with(&home) => {
            format!("~{}", &shown[home.len()..])
        }
        _ => shown,
    }
}
