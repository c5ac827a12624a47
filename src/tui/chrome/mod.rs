//! What is drawn around and over the panes: the status line and the overlays (help, a record's
//! JSON). Reads the app's state only.

pub mod help;
pub mod statusline;
