use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Rollcall: turns calendar invitations into tracked events with RSVP pages.
#[derive(Debug, Parser)]
#[command(name = "rollcall", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read .eml/.ics files and print one JSON line per calendar event found.
    Parse {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Parse { files } => {
            let stdout = std::io::stdout();
            match rollcall_local::commands::parse::run(&files, &mut stdout.lock()) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(err) => {
                    eprintln!("rollcall parse: {err}");
                    ExitCode::from(2)
                }
            }
        }
    }
}
