//! The report document: titled sections of text lines, tables, charts and evidence links,
//! built once and rendered to markdown, HTML, JSON or CSV (trippy's report DTOs).

use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A line chart: one or more named series of (x, y) points, already downsampled.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub series: Vec<(String, Vec<(f64, f64)>)>,
}

/// A horizontal bar per item on one time axis (stage timeline).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Timeline {
    /// (label, start seconds, end seconds, status)
    pub bars: Vec<(String, f64, f64, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Link {
    pub kind: String,
    #[serde(rename = "ref")]
    pub target: String,
    pub label: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Section {
    pub title: String,
    pub body: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<Table>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Timeline>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub charts: Vec<Chart>,
    pub evidence_links: Vec<Link>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ReportDocument {
    pub title: String,
    pub sections: Vec<Section>,
}

impl Section {
    pub fn new(title: &str) -> Self {
        Section {
            title: title.into(),
            ..Default::default()
        }
    }
    pub fn line(mut self, l: impl Into<String>) -> Self {
        self.body.push(l.into());
        self
    }
    pub fn empty_or(mut self, when_empty: &str) -> Self {
        if self.body.is_empty() && self.table.as_ref().is_none_or(|t| t.rows.is_empty()) {
            self.body.push(when_empty.into());
            self.table = None;
        }
        self
    }
    pub fn link(mut self, kind: &str, target: &str, label: &str) -> Self {
        self.evidence_links.push(Link {
            kind: kind.into(),
            target: target.into(),
            label: label.into(),
        });
        self
    }
}
