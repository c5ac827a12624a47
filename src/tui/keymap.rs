//! Key bindings: the defaults in `assets/keymap.toml`, patched by the user's file. Each entry is
//! `{ on = "g g", run = "select first", desc = "First" }` in a layer (`global`, a pane's name, or
//! `overlay`). A bad user entry is reported with file, line and key and skipped; the defaults and
//! the user's other entries still apply. Lookups try layers in the order the app gives.
//!
//! Knows nothing about state or terminals: it maps key sequences to `Action`s and lists them.

use super::action::{Action, PaneId};
use super::key::{Key, seq_to_string};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    Overlay,
    Pane(PaneId),
    Global,
}

impl Layer {
    fn parse(name: &str) -> Option<Layer> {
        match name {
            "global" => Some(Layer::Global),
            "overlay" => Some(Layer::Overlay),
            other => PaneId::parse(other).map(Layer::Pane),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Layer::Overlay => "overlay",
            Layer::Global => "global",
            Layer::Pane(p) => p.name(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    pub keys: Vec<Key>,
    pub action: Action,
    pub desc: String,
}

impl Binding {
    pub fn keys_text(&self) -> String {
        seq_to_string(&self.keys)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeymapError {
    pub file: String,
    pub line: usize,
    pub key: String,
    pub reason: String,
}

impl fmt::Display for KeymapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}:{}: {}", self.file, self.line, self.reason)
        } else {
            write!(
                f,
                "{}:{}: key `{}`: {}",
                self.file, self.line, self.key, self.reason
            )
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    on: String,
    run: String,
    #[serde(default)]
    desc: Option<String>,
}

type RawFile = BTreeMap<toml::Spanned<String>, toml::Spanned<Vec<toml::Spanned<toml::Value>>>>;

#[derive(Clone, Debug, PartialEq)]
pub enum Lookup {
    Found(Action),
    /// The keys so far start a longer binding: wait for more.
    Prefix,
    None,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Keymap {
    layers: BTreeMap<Layer, Vec<Binding>>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parses one keymap file into (layer, binding) pairs plus errors for entries that failed.
fn parse_file(file: &str, text: &str) -> (Vec<(Layer, Binding)>, Vec<KeymapError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let err = |line, key: &str, reason: String| KeymapError {
        file: file.to_string(),
        line,
        key: key.to_string(),
        reason,
    };
    let raw: RawFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            let reason = e.message().to_string();
            errors.push(err(line, "", reason));
            return (out, errors);
        }
    };
    for (name, entries) in raw {
        let Some(layer) = Layer::parse(name.get_ref()) else {
            let names: Vec<&str> = PaneId::ALL.iter().map(|p| p.name()).collect();
            errors.push(err(
                line_of(text, name.span().start),
                "",
                format!(
                    "unknown layer `{}` (global, overlay, {})",
                    name.get_ref(),
                    names.join(", ")
                ),
            ));
            continue;
        };
        for entry in entries.into_inner() {
            let line = line_of(text, entry.span().start);
            let raw: RawEntry = match entry.into_inner().try_into() {
                Ok(r) => r,
                Err(e) => {
                    errors.push(err(line, "", format!("bad entry: {}", e.message())));
                    continue;
                }
            };
            let keys = match Key::parse_seq(&raw.on) {
                Ok(k) => k,
                Err(e) => {
                    errors.push(err(line, &raw.on, e));
                    continue;
                }
            };
            let action = match Action::parse(&raw.run) {
                Ok(a) => a,
                Err(e) => {
                    errors.push(err(line, &raw.on, e));
                    continue;
                }
            };
            let desc = raw.desc.unwrap_or_else(|| action.to_string());
            out.push((layer, Binding { keys, action, desc }));
        }
    }
    (out, errors)
}

impl Keymap {
    /// The built-in bindings.
    pub fn defaults() -> Keymap {
        let (bindings, _) = parse_file("assets/keymap.toml", DEFAULT_KEYMAP);
        let mut km = Keymap::default();
        for (layer, b) in bindings {
            km.layers.entry(layer).or_default().push(b);
        }
        km
    }

    /// The defaults patched with a user file (`file` names it in errors).
    pub fn with_user(file: &str, text: &str) -> (Keymap, Vec<KeymapError>) {
        let mut km = Keymap::defaults();
        let (bindings, errors) = parse_file(file, text);
        let mut user: BTreeMap<Layer, Vec<Binding>> = BTreeMap::new();
        for (layer, b) in bindings {
            user.entry(layer).or_default().push(b);
        }
        for (layer, ub) in user {
            let list = km.layers.entry(layer).or_default();
            list.retain(|d| !ub.iter().any(|u| u.keys == d.keys));
            let mut merged = ub;
            merged.append(list);
            *list = merged;
        }
        (km, errors)
    }

    pub fn bindings(&self, layer: Layer) -> &[Binding] {
        self.layers.get(&layer).map_or(&[], |v| v.as_slice())
    }

    /// The action for `keys` in the first layer that binds them. A layer that binds a longer
    /// sequence starting with `keys` makes the lookup wait, unless an earlier layer decided.
    pub fn lookup(&self, layers: &[Layer], keys: &[Key]) -> Lookup {
        let mut prefix = false;
        for layer in layers {
            for b in self.bindings(*layer) {
                if b.keys == keys {
                    return if prefix {
                        Lookup::Prefix
                    } else {
                        Lookup::Found(b.action.clone())
                    };
                }
                if b.keys.len() > keys.len() && b.keys.starts_with(keys) {
                    prefix = true;
                }
            }
        }
        if prefix { Lookup::Prefix } else { Lookup::None }
    }

    /// The first key bound to `action` in these layers, for hints.
    pub fn key_for(&self, layers: &[Layer], action: &Action) -> Option<String> {
        layers.iter().find_map(|l| {
            self.bindings(*l)
                .iter()
                .find(|b| &b.action == action)
                .map(Binding::keys_text)
        })
    }

    /// Help rows per layer: (keys joined with ", ", description), one row per action.
    pub fn help_rows(&self, layer: Layer) -> Vec<(String, String)> {
        let mut rows: Vec<(Action, Vec<String>, String)> = Vec::new();
        for b in self.bindings(layer) {
            if b.action == Action::Nop {
                continue;
            }
            match rows.iter_mut().find(|r| r.0 == b.action) {
                Some(r) => r.1.push(b.keys_text()),
                None => rows.push((b.action.clone(), vec![b.keys_text()], b.desc.clone())),
            }
        }
        rows.into_iter()
            .map(|(_, k, d)| (k.join(", "), d))
            .collect()
    }
}

/// The key table for the README, generated like the help overlay (a snapshot test pins it).
pub fn markdown_table(km: &Keymap) -> String {
    let mut out = String::from("| where | keys | does |\n|---|---|---|\n");
    let mut layers = vec![Layer::Global];
    layers.extend(
        PaneId::ALL
            .iter()
            .filter(|p| !p.is_investigation())
            .map(|p| Layer::Pane(*p)),
    );
    layers.push(Layer::Overlay);
    for layer in layers {
        for (keys, desc) in km.help_rows(layer) {
            let keys = keys
                .split(", ")
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(" ");
            out.push_str(&format!("| {} | {keys} | {desc} |\n", layer.name()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_without_errors() {
        let (b, e) = parse_file("assets/keymap.toml", DEFAULT_KEYMAP);
        assert!(e.is_empty(), "{e:?}");
        assert!(b.len() > 30);
    }
}
