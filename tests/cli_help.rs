//! `contexta help <cmd>` is the reference a user reads: every command, subcommand, positional
//! argument and option has help text, and each command's long help is kept in a snapshot so a
//! change to it is reviewed, never silent.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

use clap::CommandFactory;
use contexta::cli::Cli;

/// Every command in the tree with its full name (`contexta log metric`), parents first.
fn commands() -> Vec<(String, clap::Command)> {
    let mut root = Cli::command();
    root.build();
    let mut out = Vec::new();
    let mut stack = vec![("contexta".to_string(), root)];
    while let Some((name, cmd)) = stack.pop() {
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            stack.push((format!("{name} {}", sub.get_name()), sub.clone()));
        }
        out.push((name, cmd));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn every_command_and_argument_has_help() {
    let mut missing = Vec::new();
    for (name, cmd) in commands() {
        if cmd.get_about().is_none() && cmd.get_long_about().is_none() {
            missing.push(format!("{name}: the command"));
        }
        for arg in cmd.get_arguments() {
            let builtin = matches!(arg.get_id().as_str(), "help" | "version");
            if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{name}: {}", arg.get_id()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "without help text:\n{}",
        missing.join("\n")
    );
}

/// What `contexta <path…> --help` prints, through clap's own `--help` handling (so the
/// snapshot is exactly what a user reads, in the layout clap picks for it).
fn long_help(name: &str) -> String {
    let argv: Vec<&str> = name.split(' ').chain(["--help"]).collect();
    let err = Cli::command()
        .try_get_matches_from(argv)
        .expect_err("--help ends parsing");
    assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp, "{name}");
    err.render().to_string()
}

#[test]
fn every_commands_long_help_is_snapshotted() {
    let all = commands();
    assert!(all.len() > 40, "the walk found only {} commands", all.len());
    for (name, _) in all {
        let help = long_help(&name);
        let snap = name.replace(' ', "_");
        insta::assert_snapshot!(format!("help_{snap}"), help, &name);
    }
}
