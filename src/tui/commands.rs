//! The command registry: every verb of the action grammar with its argument words (the `:`
//! line completes from them), usage and description (`:help` lists them). `action.rs` parses
//! the same verbs; a test there checks each registered command parses and round-trips.
//!
//! Data only: no parsing, no state.

use super::panes::FOCUS_ARGS;

/// A command of the grammar, with its argument words (for completion) and what it does.
pub struct CommandSpec {
    pub verb: &'static str,
    pub args: &'static [&'static str],
    pub usage: &'static str,
    pub desc: &'static str,
}

const fn cmd(
    verb: &'static str,
    args: &'static [&'static str],
    usage: &'static str,
    desc: &'static str,
) -> CommandSpec {
    CommandSpec {
        verb,
        args,
        usage,
        desc,
    }
}

pub const COMMANDS: &[CommandSpec] = &[
    cmd("quit", &[], "quit", "Leave the explorer (also :q)"),
    cmd("refresh", &[], "refresh", "Reload everything visible"),
    cmd("help", &[], "help", "Show every key"),
    cmd(
        "find",
        &[],
        "find",
        "Fuzzy-find a run, metric, artifact or command",
    ),
    cmd("back", &[], "back", "Close, clear or leave (Esc)"),
    cmd("command", &[], "command", "Open the command line"),
    cmd("focus", FOCUS_ARGS, "focus next|prev|PANE", "Move focus"),
    cmd(
        "select",
        &["next", "prev", "first", "last", "page-down", "page-up"],
        "select next|prev|first|last|page-down|page-up",
        "Move the selection",
    ),
    cmd(
        "open",
        &[],
        "open",
        "Open the selection (expand, record JSON, chart)",
    ),
    cmd("expand", &[], "expand", "Expand the tree node"),
    cmd("collapse", &[], "collapse", "Collapse the tree node"),
    cmd(
        "mark",
        &[],
        "mark",
        "Mark or unmark the run (chart overlay, compare)",
    ),
    cmd("unmark-all", &[], "unmark-all", "Clear every mark"),
    cmd(
        "sort",
        &["start", "name", "toggle", "column"],
        "sort start|name|toggle|column",
        "Sort runs (column: the compare table)",
    ),
    cmd(
        "filter",
        &["type:", "stage:", "level:", "key:"],
        "filter [TEXT]",
        "Filter the focused pane (empty clears)",
    ),
    cmd(
        "run",
        &[],
        "run REF",
        "Select a run by ref or unique suffix",
    ),
    cmd(
        "follow",
        &[],
        "follow",
        "Follow the newest records or console lines (like less +F)",
    ),
    cmd(
        "chart",
        &[],
        "chart",
        "Add or remove the metric from the chart",
    ),
    cmd("smooth", &[], "smooth", "Cycle chart smoothing (EMA)"),
    cmd("log", &[], "log", "Toggle log scale"),
    cmd("xaxis", &[], "xaxis", "Toggle step / time on the x axis"),
    cmd(
        "rank",
        &[],
        "rank",
        "Split a merged run's chart by rank: all, rank 0, rank 1 …",
    ),
    cmd(
        "zoom",
        &["in", "out", "reset"],
        "zoom in|out|reset",
        "Narrow / widen the chart's x range around the cursor, or show all",
    ),
    cmd(
        "cursor",
        &["left", "right"],
        "cursor left|right",
        "Move the chart cursor (step, time and values under it)",
    ),
    cmd(
        "pan",
        &["left", "right"],
        "pan left|right",
        "Move the chart's x range a quarter of its width",
    ),
    cmd(
        "compare",
        &[],
        "compare [A B …]",
        "Compare the marked runs, or the runs given",
    ),
    cmd(
        "lineage",
        &[],
        "lineage [REF]",
        "Lineage around the selection (or REF)",
    ),
    cmd(
        "column",
        &["next", "prev"],
        "column next|prev",
        "Select the next/previous column",
    ),
    cmd("jump", &[], "jump", "Go to the selected entity's own view"),
    cmd(
        "report",
        &["html", "markdown", "json", "csv"],
        "report [html|md|json|csv] [PATH]",
        "Report on the run, or the marked pair",
    ),
    cmd(
        "export",
        &[],
        "export [PATH]",
        "Export the marked runs (or the run) as JSONL",
    ),
    cmd(
        "backup",
        &[],
        "backup [PATH]",
        "Back up the workspace into backups/",
    ),
    cmd(
        "maximize",
        &[],
        "maximize",
        "The focused pane fills the screen (again: back)",
    ),
    cmd(
        "toggle-tree",
        &[],
        "toggle-tree",
        "Hide the run tree, or show it again",
    ),
    cmd("wrap", &[], "wrap", "Wrap long text, or cut it again"),
    cmd(
        "scroll",
        &["left", "right"],
        "scroll left|right",
        "Scroll cut text sideways",
    ),
    cmd(
        "detail",
        &[],
        "detail",
        "Every field of the record, finding or node",
    ),
    cmd(
        "copy",
        &[],
        "copy",
        "Copy the ref or JSON to the clipboard (OSC 52)",
    ),
    cmd(
        "open-external",
        &[],
        "open-external",
        "Record text in $PAGER, else the report in a browser",
    ),
    cmd(
        "match",
        &["next", "prev"],
        "match next|prev",
        "Go to the next/previous search match",
    ),
    cmd(
        "console-at-failure",
        &[],
        "console-at-failure",
        "The run's console at its last lines before the failure",
    ),
    cmd("nop", &[], "nop", "Nothing (unbinds a key)"),
];
