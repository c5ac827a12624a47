//! Small reusable drawing pieces shared by views. Pure functions of their inputs; they know
//! nothing of panes or of the app's state (tests/architecture.rs checks it).

pub mod console_text;
pub mod glyphs;
pub mod line_plot;
pub mod longtext;
pub mod overlay_chart;
pub mod sparkline;
pub mod text;
