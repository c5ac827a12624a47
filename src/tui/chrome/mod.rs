//! What is drawn around and over the panes: the status line and the overlays (help, a record's
//! JSON, the fuzzy finder). Reads the app's state only.

pub mod finder;
pub mod help;
pub mod statusline;
