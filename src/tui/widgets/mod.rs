//! Small reusable drawing pieces shared by panes. Pure functions of their inputs.

pub mod overlay_chart;
pub mod sparkline;
