//! The explorer (being built on the `tui` branch). Until it lands, `contexta` shows the runs.

use std::path::Path;

/// False until the explorer lands; the CLI then shows the run list instead.
pub const AVAILABLE: bool = false;

#[derive(Default)]
pub struct TuiOptions {
    pub no_color: bool,
    pub mouse: bool,
}

pub fn run(root: &Path, _opts: &TuiOptions) -> anyhow::Result<()> {
    anyhow::bail!(
        "the explorer is not in this build yet; `contexta --workspace {} runs` lists the runs",
        root.display()
    )
}

pub fn headless(root: &Path, _w: u16, _h: u16, _keys: &str) -> anyhow::Result<String> {
    run(root, &TuiOptions::default()).map(|_| String::new())
}
