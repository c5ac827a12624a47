//! Stable refs (`kind:value`), as in the reference grammar (spec §1.1). One type for every kind;
//! the component-count rules of the core kinds are checked on parse, so a `Ref` that exists is
//! valid. Printing gives back exactly the parsed text.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ref {
    // Shared so that the many clones a capture session makes are refcount bumps.
    text: std::sync::Arc<str>,
    colon: usize,
}

/// Why a ref string was refused, naming the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid ref `{text}`: {rule}")]
pub struct RefError {
    pub text: String,
    pub rule: String,
}

const CORE_KINDS: &[(&str, &[usize])] = &[
    ("project", &[1]),
    ("run", &[2]),
    ("deployment", &[2]),
    ("stage", &[3]),
    ("batch", &[4]),
    ("sample", &[4, 5]),
    ("op", &[4, 5]),
    ("record", &[3]),
    ("artifact", &[3]),
];

fn is_component(c: &str) -> bool {
    !c.is_empty()
        && !c.starts_with('-')
        && !c.ends_with('-')
        && !c.contains("--")
        && c.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Turns free text into one ref component the way the reference runtime does:
/// lower-case, every run of other characters becomes `-`, trimmed of `-`.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for ch in text.chars().flat_map(|c| c.to_lowercase()) {
        if ch.is_ascii_lowercase() || ch.is_ascii_digit() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(ch);
        } else {
            dash = true;
        }
    }
    out.truncate(63);
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() { "x".into() } else { out }
}

/// The grammar of a ref checked in one pass over its bytes: the position of its `:` and its
/// number of components when `text` is a well-formed ref, else `None` (then `Ref::parse`
/// walks the rules one by one to name the broken one). Refs are read by the hundred thousand
/// in an ingest and by the ten thousand in a run list.
fn well_formed(text: &str) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    if b.len() > 255 {
        return None;
    }
    let colon = b.iter().position(|&c| c == b':')?;
    let (kind, value) = (&b[..colon], &b[colon + 1..]);
    if !kind.first()?.is_ascii_lowercase()
        || !kind
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
    {
        return None;
    }
    let (mut components, mut len, mut prev) = (1, 0usize, b'.');
    for &c in value {
        match c {
            b'.' if len > 0 && prev != b'-' => {
                components += 1;
                len = 0;
            }
            b'a'..=b'z' | b'0'..=b'9' => len += 1,
            b'-' if len > 0 && prev != b'-' => len += 1,
            _ => return None,
        }
        if len > 63 {
            return None;
        }
        prev = c;
    }
    (len > 0 && prev != b'-').then_some((colon, components))
}

/// The component counts a kind allows, or why a ref of it is refused.
fn count_rule(kind: &str, components: usize) -> Option<String> {
    if let Some((_, counts)) = CORE_KINDS.iter().find(|(k, _)| *k == kind)
        && !counts.contains(&components)
    {
        let want: Vec<String> = counts.iter().map(|n| n.to_string()).collect();
        return Some(format!(
            "a {kind} ref has {} components, found {}",
            want.join(" or "),
            components
        ));
    }
    if kind == "environment" && components != 3 {
        return Some("an environment ref is a run value plus one component".into());
    }
    None
}

impl Ref {
    pub fn parse(text: &str) -> Result<Ref, RefError> {
        if let Some((colon, components)) = well_formed(text)
            && count_rule(&text[..colon], components).is_none()
        {
            return Ok(Ref {
                text: std::sync::Arc::from(text),
                colon,
            });
        }
        Self::parse_naming_the_rule(text)
    }

    fn parse_naming_the_rule(text: &str) -> Result<Ref, RefError> {
        let err = |rule: &str| RefError {
            text: text.to_string(),
            rule: rule.to_string(),
        };
        if text.len() > 255 {
            return Err(err("longer than 255 characters"));
        }
        let mut parts = text.splitn(2, ':');
        let kind = parts.next().unwrap_or("");
        let Some(value) = parts.next() else {
            return Err(err("must be `kind:value` with exactly one `:`"));
        };
        if value.contains(':') {
            return Err(err("must contain exactly one `:`"));
        }
        let kind_ok = kind.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && kind
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !kind_ok {
            return Err(err("kind must match ^[a-z][a-z0-9_]*$"));
        }
        if value.is_empty() {
            return Err(err("value is empty"));
        }
        let mut components = 0;
        for c in value.split('.') {
            components += 1;
            if c.is_empty() {
                return Err(err("value has an empty component"));
            }
            if c.len() > 63 {
                return Err(err("a component is longer than 63 characters"));
            }
            if !is_component(c) {
                return Err(err(&format!(
                    "component `{c}` must be lower-kebab (^[a-z0-9]+(-[a-z0-9]+)*$)"
                )));
            }
        }
        if let Some(rule) = count_rule(kind, components) {
            return Err(err(&rule));
        }
        Ok(Ref {
            text: std::sync::Arc::from(text),
            colon: kind.len(),
        })
    }

    /// Builds `kind:` + components joined by `.`; each component must already be valid.
    pub fn build(kind: &str, components: &[&str]) -> Result<Ref, RefError> {
        Ref::parse(&format!("{kind}:{}", components.join(".")))
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn kind(&self) -> &str {
        &self.text[..self.colon]
    }

    pub fn value(&self) -> &str {
        &self.text[self.colon + 1..]
    }

    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.value().split('.')
    }

    pub fn last(&self) -> &str {
        self.value().rsplit('.').next().unwrap_or("")
    }

    pub fn first(&self) -> &str {
        self.value().split('.').next().unwrap_or("")
    }

    /// A child of this ref: `kind:` + this value + `.` + name.
    pub fn child(&self, kind: &str, name: &str) -> Result<Ref, RefError> {
        Ref::parse(&format!("{kind}:{}.{name}", self.value()))
    }

    /// Whether `self`'s value starts with all of `owner`'s components.
    pub fn is_under(&self, owner: &Ref) -> bool {
        let v = self.value();
        let o = owner.value();
        v.len() > o.len() && v.starts_with(o) && v.as_bytes()[o.len()] == b'.'
    }

    /// The run ref that owns this ref (for stage, batch, sample, op, record, artifact,
    /// environment kinds), or the ref itself when it is a run.
    pub fn run_ref(&self) -> Option<Ref> {
        match self.kind() {
            "run" => Some(self.clone()),
            "stage" | "batch" | "sample" | "op" | "record" | "artifact" | "environment" => {
                let mut c = self.components();
                let p = c.next()?;
                let r = c.next()?;
                Ref::parse(&format!("run:{p}.{r}")).ok()
            }
            _ => None,
        }
    }

    /// The project that owns this ref, when the kind has one.
    pub fn project_ref(&self) -> Option<Ref> {
        match self.kind() {
            "relation" | "provenance" => None,
            _ => Ref::parse(&format!("project:{}", self.first())).ok(),
        }
    }

    /// The stage ref that owns a batch, sample, op ref (first three components).
    pub fn stage_ref(&self) -> Option<Ref> {
        match self.kind() {
            "stage" => Some(self.clone()),
            "batch" | "sample" | "op" => {
                let c: Vec<&str> = self.components().take(3).collect();
                Ref::parse(&format!("stage:{}", c.join("."))).ok()
            }
            _ => None,
        }
    }

    /// Checks the kind, naming the field for the error.
    pub fn expect_kind(&self, field: &str, kinds: &[&str]) -> Result<(), String> {
        if kinds.contains(&self.kind()) {
            Ok(())
        } else {
            Err(format!(
                "{field}: `{}` must be a {} ref",
                self.text,
                kinds.join(" or ")
            ))
        }
    }
}

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ref({})", self.text)
    }
}

impl std::str::FromStr for Ref {
    type Err = RefError;
    fn from_str(s: &str) -> Result<Ref, RefError> {
        Ref::parse(s)
    }
}

impl Serialize for Ref {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Ref {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Parsed from the borrowed text: no String per ref.
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = Ref;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Ref, E> {
                Ref::parse(s).map_err(E::custom)
            }
        }
        d.deserialize_str(Text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_kinds_round_trip() {
        for t in [
            "project:wine-quality-clf",
            "run:wine-quality-clf.svm-baseline",
            "stage:proj.run-01.train",
            "batch:proj.run-01.train.epoch-0",
            "sample:proj.run-01.train.epoch-0.s-1",
            "sample:proj.run-01.train.s-1",
            "record:proj.run-01.r00001",
            "artifact:proj.run-01.model",
            "relation:edge-01",
            "environment:proj.run-01.env",
        ] {
            assert_eq!(Ref::parse(t).unwrap().to_string(), t);
        }
    }

    #[test]
    fn names_the_broken_rule() {
        let e = Ref::parse("run:proj").unwrap_err();
        assert!(e.rule.contains("2 components"), "{e}");
        let e = Ref::parse("run:Proj.x").unwrap_err();
        assert!(e.rule.contains("lower-kebab"), "{e}");
        let e = Ref::parse("run:a..b").unwrap_err();
        assert!(e.rule.contains("empty component"), "{e}");
        let e = Ref::parse("runproj").unwrap_err();
        assert!(e.rule.contains("exactly one"), "{e}");
        let e = Ref::parse("Run:a.b").unwrap_err();
        assert!(e.rule.contains("kind"), "{e}");
        assert!(Ref::parse("run:a-.b").is_err());
        assert!(Ref::parse("run:a_b.c").is_err());
    }

    /// The one-pass check accepts exactly what the rule-by-rule walk accepts.
    #[test]
    fn the_one_pass_check_agrees_with_the_rules() {
        use proptest::prelude::*;
        let mut runner = proptest::test_runner::TestRunner::default();
        runner
            .run(
                &"[a-z_:0-9.-]{0,12}|[a-zA-Z0-9:._-]{0,70}|run:[a-z0-9-]{60,66}\\.x",
                |t| {
                    let quick = well_formed(&t)
                        .filter(|(colon, n)| count_rule(&t[..*colon], *n).is_none())
                        .is_some();
                    prop_assert_eq!(quick, Ref::parse_naming_the_rule(&t).is_ok(), "{}", t);
                    Ok(())
                },
            )
            .unwrap();
        for t in [
            "run:a-.b",
            "run:a--b.c",
            "run:-a.b",
            "run:a..b",
            "run:a.b.",
            "x:y:z",
        ] {
            assert!(well_formed(t).is_none(), "{t}");
        }
    }

    #[test]
    fn owners() {
        let s = Ref::parse("sample:p.r.train.epoch-0.s-1").unwrap();
        assert_eq!(s.run_ref().unwrap().as_str(), "run:p.r");
        assert_eq!(s.stage_ref().unwrap().as_str(), "stage:p.r.train");
        assert_eq!(s.project_ref().unwrap().as_str(), "project:p");
        let st = Ref::parse("stage:p.r.train").unwrap();
        assert!(Ref::parse("batch:p.r.train.e1").unwrap().is_under(&st));
        assert!(!Ref::parse("batch:p.r.trainx.e1").unwrap().is_under(&st));
    }

    #[test]
    fn slug_like_reference() {
        assert_eq!(slug("Baseline Run"), "baseline-run");
        assert_eq!(slug("  lr=0.01 / bs_32 "), "lr-0-01-bs-32");
    }
}
