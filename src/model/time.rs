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
        if let Some(ts) = Self::parse_utc_fast(t) {
            return Ok(ts);
        }
        let dt = OffsetDateTime::parse(t, &Rfc3339)
            .map_err(|e| format!("`{t}` is not an ISO-8601 timestamp ({e})"))?;
        let nanos = dt.unix_timestamp_nanos();
        Ok(Timestamp((nanos.div_euclid(1_000)) as i64))
    }

    /// The form the reference and we write, `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, read without
    /// the general RFC 3339 parser (two of them in every ingested record). `None` for anything
    /// else, which the general parser then reads or refuses; where both read a text they agree
    /// (a property test holds them to it).
    fn parse_utc_fast(t: &str) -> Option<Self> {
        let b = t.as_bytes();
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
            return None;
        }
        if b[16] != b':' || *b.last()? != b'Z' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            b[r].iter().try_fold(0i64, |n, c| {
                c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
            })
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let month_days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        if year == 0 || day == 0 || day > month_days || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let frac = &b[19..b.len() - 1];
        let micros = match frac {
            [] => 0,
            [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
                let mut us = 0i64;
                for i in 0..6 {
                    let d = match digits.get(i) {
                        Some(c) if c.is_ascii_digit() => i64::from(c - b'0'),
                        Some(_) => return None,
                        None => 0,
                    };
                    us = us * 10 + d;
                }
                if !digits.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                us
            }
            _ => return None,
        };
        // Days from 1970-01-01 to the date (the proleptic Gregorian calendar, as `time` uses).
        let (y, m) = if month <= 2 {
            (year - 1, month + 9)
        } else {
            (year, month - 3)
        };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * m + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        let secs = days * 86_400 + hour * 3_600 + minute * 60 + second;
        Some(Timestamp(secs * 1_000_000 + micros))
    }

    /// Seconds and microsecond remainder; `None` if outside the representable calendar.
    fn to_datetime(self) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp_nanos(self.0 as i128 * 1_000).ok()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Years 0-9999 (every real one) without the calendar library: a run list prints ten
        // thousand of these.
        let secs = self.0.div_euclid(1_000_000);
        let us = self.0.rem_euclid(1_000_000);
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        if !(0..=9999).contains(&year) {
            return self.fmt_general(f);
        }
        let sod = secs.rem_euclid(86_400);
        let mut buf = [0u8; 27];
        let mut put = |at: usize, v: i64, digits: usize| {
            let mut v = v;
            for i in (0..digits).rev() {
                buf[at + i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, year, 4);
        put(5, month, 2);
        put(8, day, 2);
        put(11, sod / 3600, 2);
        put(14, sod / 60 % 60, 2);
        put(17, sod % 60, 2);
        put(20, us, 6);
        for (i, c) in [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'.'),
        ] {
            buf[i] = c;
        }
        let end = if us == 0 { 19 } else { 26 };
        buf[end] = b'Z';
        f.write_str(std::str::from_utf8(&buf[..=end]).map_err(|_| fmt::Error)?)
    }
}

/// (year, month, day) of a day number counted from 1970-01-01, proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl Timestamp {
    /// Display through the calendar library, for years outside 0-9999.
    fn fmt_general(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
            // Parsed from the borrowed text: no String per timestamp.
            struct Text;
            impl serde::de::Visitor<'_> for Text {
                type Value = Timestamp;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a string")
                }
                fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Timestamp, E> {
                    Timestamp::parse(s).map_err(E::custom)
                }
            }
            d.deserialize_str(Text)
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
    // Built by hand but for the one decimal: a run list formats ten thousand of these.
    let mut out = String::with_capacity(8);
    let (n, unit, m, unit2) = if secs < 1.0 {
        ((secs * 1000.0).round() as i64, "ms", None, "")
    } else if secs < 60.0 {
        return format!("{secs:.1}s");
    } else if secs < 3600.0 {
        let s = secs as i64;
        (s / 60, "m", Some(s % 60), "s")
    } else if secs < 86400.0 * 2.0 {
        let s = secs as i64;
        (s / 3600, "h", Some((s % 3600) / 60), "m")
    } else {
        ((secs / 86400.0) as i64, "d", None, "")
    };
    push_digits(&mut out, n, 1);
    out.push_str(unit);
    if let Some(m) = m {
        push_digits(&mut out, m, 2);
        out.push_str(unit2);
    }
    out
}

/// `n` (not negative) in decimal, zero-padded to at least `width` digits.
fn push_digits(out: &mut String, n: i64, width: usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 && buf.len() - i >= width {
            break;
        }
    }
    out.extend(buf[i..].iter().map(|&b| b as char));
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

    /// The fast reader of our own form agrees with the general RFC 3339 parser wherever it
    /// answers, and answers for everything we write.
    #[test]
    fn the_fast_reader_agrees_with_the_general_one() {
        use proptest::prelude::*;
        let general = |t: &str| -> Option<i64> {
            let dt = OffsetDateTime::parse(t, &Rfc3339).ok()?;
            Some(dt.unix_timestamp_nanos().div_euclid(1_000) as i64)
        };
        let mut runner = proptest::test_runner::TestRunner::default();
        runner
            .run(
                &(
                    -62_135_596_800_000_000i64..253_402_300_799_999_999,
                    0u32..10,
                ),
                |(us, extra)| {
                    let written = Timestamp(us).to_string();
                    prop_assert_eq!(Timestamp::parse_utc_fast(&written), Some(Timestamp(us)));
                    // Longer fractions are floored to microseconds like the general parser.
                    if written.contains('.') && extra > 0 {
                        let longer = written.replace('Z', &format!("{extra}Z"));
                        prop_assert_eq!(
                            Timestamp::parse_utc_fast(&longer).map(|t| t.0),
                            general(&longer)
                        );
                    }
                    Ok(())
                },
            )
            .unwrap();
        runner
            .run(
                &"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,10})?[Zz+]?",
                |t| {
                    if let Some(fast) = Timestamp::parse_utc_fast(&t) {
                        prop_assert_eq!(Some(fast.0), general(&t), "{}", t);
                    }
                    Ok(())
                },
            )
            .unwrap();
        for t in [
            "2024-02-29T23:59:59.999999Z",
            "2023-02-29T00:00:00Z",
            "1969-12-31T23:59:59.5Z",
            "0001-01-01T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00:60Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00+00:00",
        ] {
            let fast = Timestamp::parse_utc_fast(t).map(|t| t.0);
            assert!(fast.is_none() || fast == general(t), "{t}");
            assert_eq!(Timestamp::parse(t).ok().map(|t| t.0), general(t), "{t}");
        }
    }

    #[test]
    fn prints_like_the_calendar_library() {
        use proptest::prelude::*;
        struct General(Timestamp);
        impl fmt::Display for General {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt_general(f)
            }
        }
        let mut runner = proptest::test_runner::TestRunner::default();
        runner
            .run(
                &prop_oneof![
                    -62_167_219_200_000_000i64..253_402_300_800_000_000,
                    (-5_000_000i64..5_000_000).prop_map(|d| d * 86_400_000_000),
                ],
                |us| {
                    prop_assert_eq!(
                        Timestamp(us).to_string(),
                        General(Timestamp(us)).to_string()
                    );
                    Ok(())
                },
            )
            .unwrap();
        for us in [
            0,
            -1,
            951_782_400_000_000,
            253_402_300_799_999_999,
            i64::MAX,
            i64::MIN,
        ] {
            assert_eq!(
                Timestamp(us).to_string(),
                General(Timestamp(us)).to_string()
            );
        }
    }

    #[test]
    fn durations_read_as_before() {
        let old = |secs: f64| -> String {
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
        };
        for secs in [
            0.0, 0.0004, 0.0006, 0.5, 0.9996, 1.0, 59.94, 59.96, 60.0, 61.0, 3599.0, 3600.0,
            3660.0, 172_799.0, 172_800.0, 1e9,
        ] {
            assert_eq!(format_duration(secs), old(secs), "{secs}");
        }
        assert_eq!(format_duration(-1.0), "-");
        assert_eq!(format_duration(f64::NAN), "-");
    }

    #[test]
    fn rejects_garbage() {
        assert!(Timestamp::parse("yesterday").is_err());
        assert!(Timestamp::parse("").is_err());
    }
}
