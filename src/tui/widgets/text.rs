//! Text for cells: cutting and padding to a width, compact numbers and times, and `clean`,
//! which every workspace string goes through before it becomes a `Span`.
//!
//! Pure functions of their inputs.

use crate::model::Timestamp;
use crate::sanitize::sanitize;

/// Workspace text made safe for the terminal.
pub fn clean(s: &str) -> String {
    sanitize(s).into_owned()
}

/// At most `width` chars, with `…` when cut.
pub fn fit(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// At most `width` chars, keeping the end when cut (`…-13-18-58`): names that share a prefix
/// (`live-2026-11-20-13-18-58`, `live-2026-11-20-13-19-40`) differ at the end.
pub fn fit_end(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::from("…");
    out.extend(s.chars().skip(n - (width - 1)));
    out
}

/// At most `width` chars of text that ends in a path (`report written: /a/b/c/run.html`):
/// directories go from the middle first (`report written: …/c/run.html`), so the file name
/// stays whole as long as it can; past that the end is kept.
pub fn fit_path(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let Some(start) = s.find('/') else {
        return fit(s, width);
    };
    let (head, path) = s.split_at(start);
    let parts: Vec<&str> = path.split('/').collect();
    for keep in (1..parts.len()).rev() {
        let cut = format!("{head}…/{}", parts[parts.len() - keep..].join("/"));
        if cut.chars().count() <= width {
            return cut;
        }
    }
    fit_end(s, width)
}

/// Exactly `width` chars: cut keeping the end (`fit_end`) or padded with spaces.
pub fn pad_end(s: &str, width: usize) -> String {
    let f = fit_end(s, width);
    let n = f.chars().count();
    format!("{f}{}", " ".repeat(width.saturating_sub(n)))
}

/// Exactly `width` chars: cut with `…` or padded with spaces.
pub fn pad(s: &str, width: usize) -> String {
    let f = fit(s, width);
    let n = f.chars().count();
    format!("{f}{}", " ".repeat(width.saturating_sub(n)))
}

/// Exactly `width` chars, right-aligned.
pub fn pad_left(s: &str, width: usize) -> String {
    let f = fit(s, width);
    let n = f.chars().count();
    format!("{}{f}", " ".repeat(width.saturating_sub(n)))
}

/// `kind name` without the project (every neighbour shares it): `artifact baseline.model`.
pub fn short_ref(r: &str) -> String {
    let (kind, value) = r.split_once(':').unwrap_or(("", r));
    let rest = match kind {
        "project" => value,
        _ => value.split_once('.').map_or(value, |x| x.1),
    };
    clean(&format!("{kind} {rest}"))
}

/// A short clock time (UTC) for record rows.
pub fn clock(t: Timestamp) -> String {
    let s = t.to_string();
    s.get(11..19).unwrap_or(&s).to_string()
}

/// Date and time to the second (UTC).
pub fn date_time(t: Timestamp) -> String {
    let s = t.to_string();
    match (s.get(..10), s.get(11..19)) {
        (Some(d), Some(h)) => format!("{d} {h}"),
        _ => s,
    }
}

/// A compact number: 12, 3.4k, 1.2M.
pub fn count(n: u64) -> String {
    match n {
        0..=9_999 => n.to_string(),
        10_000..=999_999 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// A metric value in at most ~9 chars.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e6).contains(&a) {
        format!("{v:.2e}")
    } else if a >= 1000.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.4}")
    }
}

/// A machine reading with its unit, short: `183 %`, `812 MB`, `20.0 GB`, `3.2 MB/s`, `71 °C`.
/// Megabytes from a thousand on read as gigabytes.
pub fn reading(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let (v, unit, scaled) = match unit {
        "MB" if v.abs() >= 1000.0 => (v / 1024.0, "GB", true),
        "MB/s" if v.abs() >= 1000.0 => (v / 1024.0, "GB/s", true),
        u => (v, u, false),
    };
    let a = v.abs();
    let digits = if a >= 100.0 || (!scaled && v == v.trunc()) {
        0
    } else if a >= 1.0 {
        1
    } else {
        2
    };
    let n = format!("{v:.digits$}");
    if unit.is_empty() {
        n
    } else {
        format!("{n} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cut_to_fit_keep_their_distinguishing_end() {
        let a = "live-2026-11-20-13-18-58";
        let b = "live-2026-11-20-13-19-40";
        assert_eq!(fit_end(a, 10), "…-13-18-58");
        assert_eq!(reading(183.0, "%"), "183 %");
        assert_eq!(reading(812.4, "MB"), "812 MB");
        assert_eq!(reading(20_480.0, "MB"), "20.0 GB");
        assert_eq!(reading(3.24, "MB/s"), "3.2 MB/s");
        assert_eq!(reading(0.042, "MB/s"), "0.04 MB/s");
        assert_eq!(reading(3.0, ""), "3");
        assert_ne!(fit_end(a, 10), fit_end(b, 10));
        assert_eq!(fit_end(a, 30), a);
        assert_eq!(fit_end(a, 1), "…");
        assert_eq!(fit_end(a, 0), "");
        assert_eq!(pad_end("run", 5), "run  ");
        assert_eq!(pad_end("wide-résnet", 6).chars().count(), 6);
        let written = "report written: /tmp/a-long-workspace/.contexta/reports/run-snapshot.html";
        assert_eq!(fit_path(written, 80), written);
        assert_eq!(
            fit_path(written, 50),
            "report written: …/reports/run-snapshot.html"
        );
        assert_eq!(fit_path(written, 36), "report written: …/run-snapshot.html");
        assert_eq!(fit_path(written, 12), "…apshot.html");
        assert_eq!(fit_path("no path here at all", 8), "no path…");
        // The start-keeping cut, for text read left to right.
        assert_eq!(fit("a long message", 6), "a lon…");
    }
}
