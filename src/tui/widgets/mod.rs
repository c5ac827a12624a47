//! Small reusable drawing pieces shared by panes. Pure functions of their inputs.

pub mod sparkline;
