//! Styles by meaning: panes ask for `Role::RunFailed`, never for a colour. Defaults come from
//! `assets/theme.toml`; a user file patches roles. Only the 16 ANSI colours and the 256-colour
//! palette are accepted (no true colour, which many SSH terminals lack). With `NO_COLOR` or
//! `--no-color` every colour is dropped and modifiers (bold, reversed…) carry the meaning.
//!
//! Holds no state beyond the resolved styles; never reads the environment itself (the shell
//! passes `no_color`).

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;

pub const DEFAULT_THEME: &str = include_str!("../../assets/theme.toml");

macro_rules! roles {
    ($($variant:ident = $name:literal),* $(,)?) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
        pub enum Role { $($variant),* }
        impl Role {
            pub const ALL: &[Role] = &[$(Role::$variant),*];
            pub fn name(self) -> &'static str {
                match self { $(Role::$variant => $name),* }
            }
        }
    };
}

roles! {
    Text = "text", Dim = "dim", Title = "title", TitleFocused = "title_focused",
    Border = "border", BorderFocused = "border_focused", Selected = "selected",
    SelectedUnfocused = "selected_unfocused", TabActive = "tab_active", StatusBar = "status_bar",
    StatusKey = "status_key", Live = "live", Stale = "stale", FlashInfo = "flash_info",
    FlashWarn = "flash_warn", FlashError = "flash_error", Problem = "problem",
    Loading = "loading", Empty = "empty", RunOpen = "run_open", RunCompleted = "run_completed",
    RunFailed = "run_failed", RunCancelled = "run_cancelled", Degraded = "degraded",
    Changed = "changed", Mark = "mark", Fresh = "fresh", Project = "project", Stage = "stage",
    Count = "count", RecEvent = "rec_event", RecMetric = "rec_metric", RecSpan = "rec_span",
    RecDegraded = "rec_degraded", LevelDebug = "level_debug", LevelInfo = "level_info",
    LevelWarning = "level_warning", LevelError = "level_error", Key = "key", Value = "value",
    Label = "label", Bar = "bar", BarOpen = "bar_open", BarFailed = "bar_failed", Axis = "axis",
    Spark = "spark", Prompt = "prompt", HelpKey = "help_key", HelpSection = "help_section",
    Line0 = "line0", Line1 = "line1", Line2 = "line2", Line3 = "line3", Line4 = "line4",
    Line5 = "line5", Better = "better", Worse = "worse", Neutral = "neutral", Best = "best",
    SevInfo = "sev_info", SevWarning = "sev_warning", SevError = "sev_error",
    Anomaly = "anomaly", Missing = "missing", Run0 = "run0", Run1 = "run1", Run2 = "run2",
    Run3 = "run3", Run4 = "run4", Run5 = "run5", Match = "match", MatchCurrent = "match_current",
    Stderr = "stderr",
}

/// The run colours of `palette = "colorblind"`: Okabe and Ito's set (orange, sky blue, bluish
/// green, yellow, blue, vermillion) as 256-colour indexes; a 16-colour terminal gets the
/// nearest ANSI colours.
const COLORBLIND_RUNS: &str = r#"
run0 = { fg = 214, bold = true }
run1 = { fg = 117, bold = true }
run2 = { fg = 36, bold = true }
run3 = { fg = 227, bold = true }
run4 = { fg = 33, bold = true }
run5 = { fg = 202, bold = true }
"#;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStyle {
    fg: Option<toml::Value>,
    bg: Option<toml::Value>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reversed: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    /// `"colorblind"` swaps the run colours for a colour-blind-safe set; `"default"` keeps them.
    #[serde(default)]
    palette: Option<String>,
    #[serde(default)]
    roles: BTreeMap<String, RawStyle>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    styles: BTreeMap<Role, Style>,
    /// False under `NO_COLOR`: text that brings its own colours (a run's console) drops them.
    colours: bool,
}

fn colour(v: &toml::Value) -> Result<Color, String> {
    if let Some(n) = v.as_integer() {
        return u8::try_from(n)
            .map(Color::Indexed)
            .map_err(|_| format!("colour index {n} is not 0–255"));
    }
    let s = v.as_str().ok_or("a colour is a name or an index 0–255")?;
    Ok(match s.to_ascii_lowercase().as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        other => return Err(format!("unknown colour `{other}` (16 ANSI names or 0–255)")),
    })
}

impl RawStyle {
    fn style(&self, no_color: bool) -> Result<Style, String> {
        let mut st = Style::default();
        if !no_color {
            if let Some(fg) = &self.fg {
                st = st.fg(colour(fg)?);
            }
            if let Some(bg) = &self.bg {
                st = st.bg(colour(bg)?);
            }
        } else if self.bg.is_some() {
            // A background highlight must stay visible without colour.
            st = st.add_modifier(Modifier::REVERSED);
        }
        for (on, m) in [
            (self.bold, Modifier::BOLD),
            (self.dim, Modifier::DIM),
            (self.italic, Modifier::ITALIC),
            (self.underline, Modifier::UNDERLINED),
            (self.reversed, Modifier::REVERSED),
        ] {
            if on {
                st = st.add_modifier(m);
            }
        }
        Ok(st)
    }
}

impl Theme {
    fn patch(&mut self, file: &str, text: &str, no_color: bool) -> Vec<String> {
        let raw: RawTheme = match toml::from_str(text) {
            Ok(r) => r,
            Err(e) => return vec![format!("{file}: {}", e.message())],
        };
        let mut errors = Vec::new();
        match raw.palette.as_deref() {
            None | Some("default") => {}
            Some("colorblind") => {
                let text = format!("[roles]{COLORBLIND_RUNS}");
                errors.extend(self.patch("the colorblind palette", &text, no_color));
            }
            Some(other) => errors.push(format!(
                "{file}: unknown palette `{other}` (default, colorblind)"
            )),
        }
        for (name, rs) in raw.roles {
            let Some(role) = Role::ALL.iter().find(|r| r.name() == name) else {
                errors.push(format!("{file}: unknown role `{name}`"));
                continue;
            };
            match rs.style(no_color) {
                Ok(st) => {
                    self.styles.insert(*role, st);
                }
                Err(e) => errors.push(format!("{file}: role `{name}`: {e}")),
            }
        }
        errors
    }

    /// The built-in theme.
    pub fn defaults(no_color: bool) -> Theme {
        let mut t = Theme {
            styles: BTreeMap::new(),
            colours: !no_color,
        };
        let _ = t.patch("assets/theme.toml", DEFAULT_THEME, no_color);
        t
    }

    /// The defaults patched by a user file; returns the errors of bad entries.
    pub fn with_user(file: &str, text: &str, no_color: bool) -> (Theme, Vec<String>) {
        let mut t = Theme::defaults(no_color);
        let errors = t.patch(file, text, no_color);
        (t, errors)
    }

    /// Whether colours are shown at all (false under `NO_COLOR` or `--no-color`).
    pub fn colours(&self) -> bool {
        self.colours
    }

    pub fn get(&self, role: Role) -> Style {
        self.styles.get(&role).copied().unwrap_or_default()
    }

    /// The selected row's style, dimmer when its pane does not have focus.
    pub fn selection(&self, focused: bool) -> Style {
        self.get(if focused {
            Role::Selected
        } else {
            Role::SelectedUnfocused
        })
    }

    /// The colour of the run in slot `slot` (`Shared::run_colour`): the same run, the same
    /// colour, in the tree, charts, compare and legends.
    pub fn run(&self, slot: usize) -> Style {
        const RUNS: [Role; 6] = [
            Role::Run0,
            Role::Run1,
            Role::Run2,
            Role::Run3,
            Role::Run4,
            Role::Run5,
        ];
        self.get(RUNS[slot % RUNS.len()])
    }

    /// The style of the `i`-th chart line.
    pub fn line(&self, i: usize) -> Style {
        const LINES: [Role; 6] = [
            Role::Line0,
            Role::Line1,
            Role::Line2,
            Role::Line3,
            Role::Line4,
            Role::Line5,
        ];
        self.get(LINES[i % LINES.len()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_cover_every_role_and_no_color_drops_colours() {
        let mut t = Theme {
            styles: BTreeMap::new(),
            colours: true,
        };
        assert!(t.patch("d", DEFAULT_THEME, false).is_empty());
        for r in Role::ALL {
            assert!(t.styles.contains_key(r), "{} missing", r.name());
        }
        let plain = Theme::defaults(true);
        assert!(
            plain
                .styles
                .values()
                .all(|s| s.fg.is_none() && s.bg.is_none())
        );
        let (_, errs) = Theme::with_user("u", "[roles]\ntext = { fg = \"#ff0000\" }\n", false);
        assert_eq!(errs.len(), 1);
        // The colour-blind palette replaces the run colours, and only those.
        let (cb, errs) = Theme::with_user("u", "palette = \"colorblind\"\n", false);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(cb.run(0).fg, Some(Color::Indexed(214)));
        assert_ne!(cb.run(0), Theme::defaults(false).run(0));
        assert_eq!(cb.get(Role::Text), Theme::defaults(false).get(Role::Text));
        let (_, errs) = Theme::with_user("u", "palette = \"sepia\"\n", false);
        assert!(errs[0].contains("unknown palette `sepia`"), "{errs:?}");
    }
}
