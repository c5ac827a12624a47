//! Instants as the reference writes them: ISO-8601 UTC with a `Z`, microsecond precision,
//! fraction printed only when non-zero (Python `isoformat()`). Compared as instants, never text.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Microseconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn now() -> Self {
        let now = OffsetDateTime::now_utc();
        Timestamp((now.unix_timestamp_nanos() / 1_000) as i64)
    }

    pub fn from_micros(us: i64) -> Self {
        Timestamp(us)
    }

    pub fn micros(self) -> i64 {
        self.0
    }

    pub fn from_secs_f64(s: f64) -> Self {
        Timestamp((s * 1e6).round() as i64)
    }

    /// Seconds from `earlier` to `self`.
    pub fn secs_since(self, earlier: Timestamp) -> f64 {
        (self.0 - earlier.0) as f64 / 1e6
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("timestamp is blank".into());
        }
        let dt = OffsetDateTime::parse(t, &Rfc3339)
            .map_err(|e| format!("`{t}` is not an ISO-8601 timestamp ({e})"))?;
        let nanos = dt.unix_timestamp_nanos();
        Ok(Timestamp((nanos.div_euclid(1_000)) as i64))
    }

    /// Seconds and microsecond remainder; `None` if outside the representable calendar.
    fn to_datetime(self) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp_nanos(self.0 as i128 * 1_000).ok()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(dt) = self.to_datetime() else {
            return write!(f, "@{}us", self.0);
        };
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        )?;
        let us = dt.microsecond();
        if us != 0 {
            write!(f, ".{us:06}")?;
        }
        f.write_str("Z")
    }
}

impl std::str::FromStr for Timestamp {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Timestamp::parse(s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(self)
        } else {
            s.serialize_i64(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let s = String::deserialize(d)?;
            Timestamp::parse(&s).map_err(serde::de::Error::custom)
        } else {
            Ok(Timestamp(i64::deserialize(d)?))
        }
    }
}

/// How long a run or stage took, in seconds, as the CLI and the explorer both show it ("took",
/// "duration"): to its end time; while it is open, to `last_seen` (µs: the newest record of its
/// run), so a live run's time grows with its records and a run that stopped writing stops there
/// rather than growing with the clock. Never negative.
pub fn took(started: Timestamp, ended: Option<Timestamp>, last_seen: i64) -> f64 {
    let end = ended.map_or(last_seen, |e| e.0).max(started.0);
    (end - started.0) as f64 / 1e6
}

/// A short human duration: `850ms`, `12.4s`, `3m05s`, `2h14m`.
pub fn format_duration(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "-".into();
    }
    if secs < 1.0 {
        format!("{}ms", (secs * 1000.0).round() as i64)
    } else if secs < 60.0 {
        format!("{secs:.1}s")
    } else if secs < 3600.0 {
        let s = secs as i64;
        format!("{}m{:02}s", s / 60, s % 60)
    } else if secs < 86400.0 * 2.0 {
        let s = secs as i64;
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}d", (secs / 86400.0) as i64)
    }
}

/// A metric value for people: integers as integers, 4 decimals, scientific when tiny or huge.
pub fn format_value(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e12 {
        format!("{v:.0}")
    } else if v.abs() >= 1000.0 || v.abs() < 0.001 {
        format!("{v:.4e}")
    } else {
        format!("{v:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_python_isoformat() {
        let t = Timestamp::parse("2026-04-11T08:35:46Z").unwrap();
        assert_eq!(t.to_string(), "2026-04-11T08:35:46Z");
        let t = Timestamp::parse("2026-04-11T08:35:46.446280Z").unwrap();
        assert_eq!(t.to_string(), "2026-04-11T08:35:46.446280Z");
    }

    #[test]
    fn compares_as_instants_not_text() {
        let a = Timestamp::parse("2026-04-11T08:35:46Z").unwrap();
        let b = Timestamp::parse("2026-04-11T08:35:46.1Z").unwrap();
        assert!(a < b, "text order would put .1Z first");
        let c = Timestamp::parse("2026-04-11T10:35:46+02:00").unwrap();
        assert_eq!(a, c);
    }

    #[test]
    fn rejects_garbage() {
        assert!(Timestamp::parse("yesterday").is_err());
        assert!(Timestamp::parse("").is_err());
    }
}
