//! Durations (`10m`, `1h30m`, `2.5h`, `500ms`, a bare number of seconds) and times
//! (`2026-11-30`, `2026-11-30T12:00:00Z`, `today`, `yesterday`, `now`, `2h ago`).

use crate::model::Timestamp;
use std::fmt;

const DAY_MICROS: i64 = 86_400_000_000;

/// Seconds in `text`, or `None` when it is not a duration.
pub fn duration_secs(text: &str) -> Option<f64> {
    if let Ok(n) = text.parse::<f64>() {
        return (n.is_finite() && n >= 0.0 && !text.contains(['i', 'I', 'n', 'N'])).then_some(n);
    }
    if text.is_empty() {
        return None;
    }
    let mut rest = text;
    let mut total = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" | "sec" | "secs" => 1.0,
            "m" | "min" | "mins" => 60.0,
            "h" | "hr" | "hrs" => 3_600.0,
            "d" | "day" | "days" => 86_400.0,
            "w" | "week" | "weeks" => 604_800.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += n * scale;
    }
    total.is_finite().then_some(total)
}

/// A time as written: an instant, or a whole (UTC) day.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum When {
    At(Timestamp),
    /// The UTC day starting at this instant.
    Day(Timestamp),
    Today,
    Yesterday,
    Now,
    /// This many seconds before now.
    Ago(f64),
}

impl When {
    /// A word that is a time by itself (not `2h ago`, which takes two words).
    pub fn parse_word(word: &str) -> Option<When> {
        match word.to_ascii_lowercase().as_str() {
            "now" => return Some(When::Now),
            "today" => return Some(When::Today),
            "yesterday" => return Some(When::Yesterday),
            _ => {}
        }
        let b = word.as_bytes();
        if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
            return Timestamp::parse(&format!("{word}T00:00:00Z"))
                .ok()
                .map(When::Day);
        }
        // Digits first: `Timestamp::parse` would read other text in a message-sized way.
        if b.first().is_some_and(u8::is_ascii_digit) {
            return Timestamp::parse(word).ok().map(When::At);
        }
        None
    }

    /// The instants it covers: `[from, to)`.
    pub fn span(self, now: Timestamp) -> (i64, i64) {
        let midnight = now.0.div_euclid(DAY_MICROS) * DAY_MICROS;
        match self {
            When::At(t) => (t.0, t.0.saturating_add(1)),
            When::Day(t) => (t.0, t.0.saturating_add(DAY_MICROS)),
            When::Today => (midnight, midnight + DAY_MICROS),
            When::Yesterday => (midnight - DAY_MICROS, midnight),
            When::Now => (now.0, now.0 + 1),
            When::Ago(secs) => {
                let t = now.0.saturating_sub((secs * 1e6) as i64);
                (t, t.saturating_add(1))
            }
        }
    }
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            When::At(t) => write!(f, "{t}"),
            When::Day(t) => write!(f, "{}", &t.to_string()[..10]),
            When::Today => f.write_str("today"),
            When::Yesterday => f.write_str("yesterday"),
            When::Now => f.write_str("now"),
            When::Ago(s) => write!(f, "{s}s ago"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_units_and_compounds() {
        assert_eq!(duration_secs("10m"), Some(600.0));
        assert_eq!(duration_secs("1h30m"), Some(5_400.0));
        assert_eq!(duration_secs("2.5h"), Some(9_000.0));
        assert_eq!(duration_secs("500ms"), Some(0.5));
        assert_eq!(duration_secs("90"), Some(90.0));
        assert_eq!(duration_secs("1d"), Some(86_400.0));
        for bad in ["", "m", "10x", "-5m", "inf", "NaN", "1..2s"] {
            assert_eq!(duration_secs(bad), None, "{bad}");
        }
    }

    #[test]
    fn days_cover_the_whole_utc_day() {
        let now = Timestamp::parse("2026-12-01T18:30:00Z").unwrap();
        let midnight = Timestamp::parse("2026-12-01T00:00:00Z").unwrap().0;
        assert_eq!(When::Today.span(now), (midnight, midnight + DAY_MICROS));
        assert_eq!(When::Yesterday.span(now), (midnight - DAY_MICROS, midnight));
        assert_eq!(
            When::parse_word("2026-12-01").unwrap().span(now),
            (midnight, midnight + DAY_MICROS)
        );
        let two_h = When::Ago(7_200.0).span(now).0;
        assert_eq!(two_h, Timestamp::parse("2026-12-01T16:30:00Z").unwrap().0);
        assert_eq!(When::parse_word("2026-13-01"), None);
        assert_eq!(When::parse_word("banana"), None);
    }
}
