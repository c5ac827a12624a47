//! Renderings of a report document: markdown (renders on a code host), JSON, CSV
//! (`section_title,body`, as the reference), and one self-contained HTML file (inline CSS and
//! SVG charts; no script, no network). Data in markdown, CSV and HTML is sanitized like the
//! CLI's text output (and HTML-escaped in markdown and HTML); JSON keeps it exact (JSON
//! escapes control characters itself, and it is read by programs).

use super::types::*;
use crate::sanitize::sanitize;
use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Render {
    Markdown,
    Json,
    Html,
    Csv,
}

impl Render {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "markdown" | "md" => Render::Markdown,
            "json" => Render::Json,
            "html" => Render::Html,
            "csv" => Render::Csv,
            _ => return None,
        })
    }
    pub fn extension(self) -> &'static str {
        match self {
            Render::Markdown => "md",
            Render::Json => "json",
            Render::Html => "html",
            Render::Csv => "csv",
        }
    }
}

pub fn render(doc: &ReportDocument, how: Render) -> String {
    match how {
        Render::Markdown => markdown(doc),
        Render::Json => serde_json::to_string_pretty(doc).unwrap_or_default(),
        Render::Html => html(doc),
        Render::Csv => csv_text(doc),
    }
}

/// Data as markdown text: control, bidirectional and zero-width characters made visible (as
/// in the CLI's text output), HTML escaped (a code host renders inline HTML, so `<script>` in
/// a run name must stay text), `|` escaped so it cannot split a table cell, and the
/// punctuation that makes links, images, emphasis and headings backslash-escaped, so a run
/// named `[login](https://evil)` is text, not a link. GitHub also turns a bare `https://…` or
/// `www.…` into a link: the `:` before `//` and the dot after `www` are escaped (rendered, they
/// read the same).
fn md_cell(s: &str) -> String {
    let clean = sanitize(s);
    let mut out = String::with_capacity(clean.len());
    let mut chars = clean.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            ':' if chars.peek() == Some(&'/') => out.push_str("\\:"),
            '|' | '\\' | '[' | ']' | '(' | ')' | '*' | '_' | '#' | '~' | '`' => {
                out.push('\\');
                out.push(c);
            }
            // `www.` autolinks without a scheme: escaping its dot keeps it text.
            '.' if out.ends_with("www") || out.ends_with("WWW") => out.push_str("\\."),
            c => out.push(c),
        }
    }
    out
}

/// The longest run of backticks in `s`.
fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// Data as an inline code span: literal (no HTML inside a code span), delimited by more
/// backticks than the text holds so it cannot close the span early.
fn md_code(s: &str) -> String {
    let clean = sanitize(s);
    let ticks = "`".repeat(longest_backtick_run(&clean) + 1);
    // A space on each side keeps a leading or trailing backtick from joining the delimiter.
    format!("{ticks} {clean} {ticks}")
}

pub fn markdown(doc: &ReportDocument) -> String {
    let mut out = format!("# {}\n", md_cell(&doc.title));
    for s in &doc.sections {
        let _ = write!(out, "\n## {}\n\n", md_cell(&s.title));
        for l in &s.body {
            let _ = writeln!(out, "- {}", md_cell(l));
        }
        if let Some(tl) = &s.timeline {
            let end = tl.bars.iter().map(|b| b.2).fold(0.0f64, f64::max).max(1e-9);
            // The fence is longer than any backtick run in the labels, so none can close it
            // and turn what follows into markup; inside it text is literal (sanitized only).
            let bars: Vec<(String, f64, f64, String)> = tl
                .bars
                .iter()
                .map(|(l, a, b, st)| (sanitize(l).into_owned(), *a, *b, sanitize(st).into_owned()))
                .collect();
            let longest = bars
                .iter()
                .map(|(l, _, _, st)| longest_backtick_run(l).max(longest_backtick_run(st)))
                .max()
                .unwrap_or(0);
            let fence = "`".repeat(longest.max(2) + 1);
            let _ = write!(out, "\n{fence}text\n");
            for (label, a, b, status) in &bars {
                let (x0, x1) = (
                    (a / end * 40.0) as usize,
                    ((b / end * 40.0) as usize).max((a / end * 40.0) as usize + 1),
                );
                let _ = writeln!(
                    out,
                    "{label:>12} |{}{}{}| {status}",
                    " ".repeat(x0),
                    "#".repeat(x1 - x0),
                    " ".repeat(40usize.saturating_sub(x1))
                );
            }
            let _ = writeln!(out, "{fence}");
        }
        if let Some(t) = &s.table {
            let _ = writeln!(
                out,
                "\n| {} |",
                t.header
                    .iter()
                    .map(|h| md_cell(h))
                    .collect::<Vec<_>>()
                    .join(" | ")
            );
            let _ = writeln!(out, "|{}", "---|".repeat(t.header.len()));
            for r in &t.rows {
                let _ = writeln!(
                    out,
                    "| {} |",
                    r.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | ")
                );
            }
        }
        for c in &s.charts {
            // Markdown has no charts: a sparkline of each series keeps the shape visible.
            for (name, pts) in &c.series {
                let _ = writeln!(
                    out,
                    "\n{} {} {}",
                    md_code(&c.title),
                    md_cell(name),
                    sparkline(pts)
                );
            }
        }
        if !s.evidence_links.is_empty() {
            out.push_str("\nEvidence:\n");
            for l in &s.evidence_links {
                let _ = writeln!(
                    out,
                    "- {} ({}: {})",
                    md_cell(&l.label),
                    md_cell(&l.kind),
                    md_cell(&l.target)
                );
            }
        }
    }
    out
}

fn sparkline(pts: &[(f64, f64)]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let (lo, hi) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.1), b.max(p.1))
        });
    let n = pts.len().min(60);
    (0..n)
        .map(|i| {
            let v = pts[i * pts.len() / n].1;
            let k = if hi > lo {
                ((v - lo) / (hi - lo) * 7.0).round() as usize
            } else {
                3
            };
            BARS[k.min(7)]
        })
        .collect()
}

/// Data as HTML text: control characters (invalid in HTML) and bidirectional or zero-width
/// characters made visible as in the CLI's text output, then HTML escaped.
fn esc(s: &str) -> String {
    sanitize(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const CSS: &str = "body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1d2430}\
h1{font-size:1.5em}h2{font-size:1.15em;border-bottom:1px solid #dde;padding-bottom:.2em;margin-top:1.6em}\
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #dde;padding:.2em .6em;text-align:left}\
th{background:#f3f5f9}ul{padding-left:1.2em}li{margin:.1em 0}.ev{color:#667;font-size:.9em}\
.charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}figcaption{font-size:.85em;color:#445}\
.better{color:#16803c}.worse{color:#b42318}";

const COLORS: [&str; 4] = ["#2f6fdf", "#e2711d", "#16803c", "#9b3dd6"];

fn svg_chart(c: &Chart) -> String {
    let (w, h, pad) = (320.0, 170.0, 34.0);
    let all: Vec<(f64, f64)> = c
        .series
        .iter()
        .flat_map(|s| s.1.iter().copied())
        .filter(|p| p.1.is_finite())
        .collect();
    if all.is_empty() {
        return String::new();
    }
    let (x0, x1) = all
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.0), b.max(p.0))
        });
    let (y0, y1) = all
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.1), b.max(p.1))
        });
    let sx = |x: f64| pad + if x1 > x0 { (x - x0) / (x1 - x0) } else { 0.5 } * (w - pad - 8.0);
    let sy = |y: f64| h - 22.0 - if y1 > y0 { (y - y0) / (y1 - y0) } else { 0.5 } * (h - 34.0);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\"><rect width=\"100%\" height=\"100%\" fill=\"#fbfcfe\" stroke=\"#dde\"/>"
    );
    let _ = write!(
        svg,
        "<text x=\"4\" y=\"14\" font-size=\"10\" fill=\"#445\">{}</text><text x=\"4\" y=\"{}\" font-size=\"10\" fill=\"#445\">{}</text>",
        esc(&fmt(y1)),
        h - 22.0,
        esc(&fmt(y0))
    );
    let _ = write!(
        svg,
        "<text x=\"{pad}\" y=\"{}\" font-size=\"10\" fill=\"#445\">{} {}</text><text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#445\" text-anchor=\"end\">{}</text>",
        h - 6.0,
        esc(&c.x_label),
        esc(&fmt(x0)),
        w - 8.0,
        h - 6.0,
        esc(&fmt(x1))
    );
    for (i, (name, pts)) in c.series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let path: Vec<String> = pts
            .iter()
            .filter(|p| p.1.is_finite())
            .map(|p| format!("{:.1},{:.1}", sx(p.0), sy(p.1)))
            .collect();
        let _ = write!(
            svg,
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\" points=\"{}\"><title>{}</title></polyline>",
            path.join(" "),
            esc(name)
        );
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"{color}\" text-anchor=\"end\">{}</text>",
            w - 8.0,
            14.0 + 12.0 * i as f64,
            esc(name)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn fmt(v: f64) -> String {
    if v.abs() >= 1000.0 || (v != 0.0 && v.abs() < 0.001) {
        format!("{v:.3e}")
    } else {
        format!("{v:.4}")
    }
}

fn svg_timeline(t: &Timeline) -> String {
    let end = t.bars.iter().map(|b| b.2).fold(0.0f64, f64::max).max(1e-9);
    let (w, row) = (640.0, 22.0);
    let h = row * t.bars.len() as f64 + 8.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\">"
    );
    for (i, (label, a, b, status)) in t.bars.iter().enumerate() {
        let y = 4.0 + row * i as f64;
        let color = match status.as_str() {
            "failed" => "#b42318",
            "open" => "#2f6fdf",
            "cancelled" => "#a0a4ad",
            _ => "#16803c",
        };
        let x = 110.0 + a / end * (w - 120.0);
        let bw = ((b - a) / end * (w - 120.0)).max(2.0);
        let _ = write!(
            svg,
            "<text x=\"104\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{}</text><rect x=\"{x:.1}\" y=\"{y}\" width=\"{bw:.1}\" height=\"{}\" fill=\"{color}\"><title>{} {}</title></rect>",
            y + 13.0,
            esc(label),
            row - 6.0,
            esc(label),
            esc(status)
        );
    }
    svg.push_str("</svg>");
    svg
}

pub fn html(doc: &ReportDocument) -> String {
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{CSS}</style></head><body><article><h1>{}</h1>",
        esc(&doc.title),
        esc(&doc.title)
    );
    for s in &doc.sections {
        let _ = write!(out, "<section><h2>{}</h2>", esc(&s.title));
        if !s.body.is_empty() {
            out.push_str("<ul>");
            for l in &s.body {
                let _ = write!(out, "<li>{}</li>", esc(l));
            }
            out.push_str("</ul>");
        }
        if let Some(t) = &s.timeline {
            out.push_str(&svg_timeline(t));
        }
        if let Some(t) = &s.table {
            out.push_str("<table><thead><tr>");
            for h in &t.header {
                let _ = write!(out, "<th>{}</th>", esc(h));
            }
            out.push_str("</tr></thead><tbody>");
            for r in &t.rows {
                out.push_str("<tr>");
                for c in r {
                    let class = match c.as_str() {
                        "better" => " class=\"better\"",
                        "worse" => " class=\"worse\"",
                        _ => "",
                    };
                    let _ = write!(out, "<td{class}>{}</td>", esc(c));
                }
                out.push_str("</tr>");
            }
            out.push_str("</tbody></table>");
        }
        if !s.charts.is_empty() {
            out.push_str("<div class=\"charts\">");
            for c in &s.charts {
                let _ = write!(
                    out,
                    "<figure>{}<figcaption>{}</figcaption></figure>",
                    svg_chart(c),
                    esc(&c.title)
                );
            }
            out.push_str("</div>");
        }
        if !s.evidence_links.is_empty() {
            out.push_str("<ul class=\"ev\">");
            for l in &s.evidence_links {
                let _ = write!(
                    out,
                    "<li>{} ({}: {})</li>",
                    esc(&l.label),
                    esc(&l.kind),
                    esc(&l.target)
                );
            }
            out.push_str("</ul>");
        }
        out.push_str("</section>");
    }
    out.push_str("</article></body></html>\n");
    out
}

pub fn csv_text(doc: &ReportDocument) -> String {
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(vec![]);
    let _ = w.write_record(["section_title", "body"]);
    // Each piece of data is sanitized like the CLI's text output; the newlines between body
    // lines are the report's own.
    let clean = |t: &str| sanitize(t).into_owned();
    for s in &doc.sections {
        let mut body = s
            .body
            .iter()
            .map(|l| clean(l))
            .collect::<Vec<_>>()
            .join("\n");
        if let Some(t) = &s.table {
            for r in std::iter::once(&t.header).chain(&t.rows) {
                if !body.is_empty() {
                    body.push('\n');
                }
                body.push_str(&r.iter().map(|c| clean(c)).collect::<Vec<_>>().join(", "));
            }
        }
        let _ = w.write_record([clean(&s.title).as_str(), body.as_str()]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::md_cell;

    #[test]
    fn markdown_cells_cannot_make_links_images_or_emphasis() {
        assert_eq!(
            md_cell("[login](https://evil.example)"),
            "\\[login\\]\\(https\\://evil.example\\)"
        );
        assert_eq!(md_cell("![x](y)"), "!\\[x\\]\\(y\\)");
        assert_eq!(md_cell("*bold* _it_"), "\\*bold\\* \\_it\\_");
        assert_eq!(md_cell("see www.evil.example"), "see www\\.evil.example");
        assert_eq!(md_cell("a|b <i>"), "a\\|b &lt;i&gt;");
        // Plain names and numbers stay as they are.
        assert_eq!(md_cell("run:lr-3e-4 0.25 12:30"), "run:lr-3e-4 0.25 12:30");
    }
}
