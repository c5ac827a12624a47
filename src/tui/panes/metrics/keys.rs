//! Which metric keys the pane shows and in what order: grouped by prefix (`train/`, `val/`,
//! `system.`), and matched by the `/` filter, which takes a glob (`val/*`), a regex (`re:…` or
//! `/…/`) or plain text (a case-insensitive substring). Stored keys are canonical (`val/loss`
//! is kept as `val.loss`), so a `/` in a glob or in plain text matches the `.` it became.
//!
//! Pure: keys in, keys out.

use crate::query::MetricInfo;
use regex::{Regex, RegexBuilder};

/// A key's group: its text up to and including the first `/`, else the first `.`; "" for a
/// key with neither (listed first).
pub fn group(key: &str) -> &str {
    match key.find('/').or_else(|| key.find('.')) {
        Some(i) => &key[..=i],
        None => "",
    }
}

/// Keys in display order: by group, then by name.
pub fn sort_grouped(keys: &mut [MetricInfo]) {
    keys.sort_by(|a, b| (group(&a.key), &a.key).cmp(&(group(&b.key), &b.key)));
}

/// A compiled `/` filter.
#[derive(Clone, Debug, Default)]
pub enum KeyFilter {
    #[default]
    All,
    Substring(String),
    Pattern(Regex),
    /// The text did not compile: nothing matches, and the pane says why.
    Invalid(String),
}

impl KeyFilter {
    pub fn parse(text: &str) -> KeyFilter {
        let text = text.trim();
        if text.is_empty() {
            return KeyFilter::All;
        }
        let regex = text.strip_prefix("re:").or_else(|| {
            (text.len() >= 2 && text.starts_with('/') && text.ends_with('/'))
                .then(|| &text[1..text.len() - 1])
        });
        let source = match regex {
            Some(r) => r.to_string(),
            None if text.contains(['*', '?']) => glob_to_regex(text),
            None => return KeyFilter::Substring(text.to_lowercase().replace('/', ".")),
        };
        match RegexBuilder::new(&source)
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
        {
            Ok(r) => KeyFilter::Pattern(r),
            Err(e) => KeyFilter::Invalid(format!("bad pattern `{text}`: {}", first_line(&e))),
        }
    }

    pub fn matches(&self, key: &str) -> bool {
        match self {
            KeyFilter::All => true,
            KeyFilter::Substring(s) => key.to_lowercase().contains(s),
            KeyFilter::Pattern(r) => r.is_match(key),
            KeyFilter::Invalid(_) => false,
        }
    }

    pub fn error(&self) -> Option<&str> {
        match self {
            KeyFilter::Invalid(e) => Some(e),
            _ => None,
        }
    }
}

fn first_line(e: &regex::Error) -> String {
    // The regex crate's messages draw a caret under the pattern over several lines; the pane
    // has one line for it.
    let text = e.to_string();
    text.lines()
        .filter(|l| l.trim_start().starts_with("error:"))
        .map(|l| l.trim().trim_start_matches("error:").trim().to_string())
        .next()
        .unwrap_or_else(|| text.lines().last().unwrap_or("").trim().to_string())
}

/// A glob (`*` any text, `?` one character) as an anchored regex.
fn glob_to_regex(glob: &str) -> String {
    let mut out = String::from("^");
    for c in glob.chars() {
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '/' => out.push_str(r"\."),
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out.push('$');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_regexes_and_text() {
        let keys = ["train.loss", "val.loss", "val.acc", "system.gpu", "lr"];
        let hits = |f: &str| -> Vec<&str> {
            let f = KeyFilter::parse(f);
            keys.iter().copied().filter(|k| f.matches(k)).collect()
        };
        // `val/loss` is stored as `val.loss`: a `/` written in a glob or text matches it.
        assert_eq!(hits("val/*"), ["val.loss", "val.acc"]);
        assert_eq!(hits("val.*"), ["val.loss", "val.acc"]);
        assert_eq!(hits("*loss"), ["train.loss", "val.loss"]);
        assert_eq!(hits("re:^(val|system)"), ["val.loss", "val.acc", "system.gpu"]);
        assert_eq!(hits("/ACC$/"), ["val.acc"]);
        assert_eq!(hits("LOSS"), ["train.loss", "val.loss"]);
        assert_eq!(hits("train/l"), ["train.loss"]);
        assert_eq!(hits("system.?pu"), ["system.gpu"]);
        assert_eq!(hits(""), keys);
        let bad = KeyFilter::parse("re:(");
        assert!(!bad.matches("val.loss"));
        assert!(bad.error().unwrap().starts_with("bad pattern `re:(`"), "{bad:?}");
    }

    #[test]
    fn groups_by_prefix() {
        assert_eq!(group("train/loss"), "train/");
        assert_eq!(group("system.gpu.util"), "system.");
        assert_eq!(group("val/x.y"), "val/");
        assert_eq!(group("lr"), "");
    }
}
