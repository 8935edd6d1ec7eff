use clap::{Parser, Subcommand};
use rollcall_local::config::ServeConfig;
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
    /// Run the SMTP inbox, the web site and the workers.
    Serve(Box<ServeConfig>),
    /// Read .eml/.ics/.mbox files and print one JSON line per calendar event found.
    Parse {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List recent inbound messages and what Rollcall did with each.
    Inbox {
        #[arg(long, env = "ROLLCALL_DATA_DIR", default_value = "./rollcall-data")]
        data_dir: PathBuf,
        /// How many messages to show.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// List outbound mail (state, attempts, next try, last error) and say whether the outbox
    /// is paused; `rollcall outbox retry` re-queues failed messages.
    Outbox {
        #[command(subcommand)]
        action: Option<OutboxAction>,
        #[arg(
            long,
            env = "ROLLCALL_DATA_DIR",
            default_value = "./rollcall-data",
            global = true
        )]
        data_dir: PathBuf,
        /// Only messages in this state.
        #[arg(long, value_enum)]
        state: Option<rollcall_local::commands::outbox::StateFilter>,
        /// How many messages to show, newest first.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// One JSON object (`paused`, `messages`) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// List the addresses mailed no more for any event (hard bounces, complaints,
    /// "unsubscribe from everything"); `rollcall suppressions lift ADDRESS` removes one.
    Suppressions {
        #[command(subcommand)]
        action: Option<SuppressionAction>,
        #[arg(
            long,
            env = "ROLLCALL_DATA_DIR",
            default_value = "./rollcall-data",
            global = true
        )]
        data_dir: PathBuf,
        /// How many addresses to show, in address order.
        #[arg(long, default_value_t = 200)]
        limit: usize,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Manage API tokens for integrations.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
}

#[derive(Debug, Subcommand)]
enum OutboxAction {
    /// Put a failed message (or, with --failed, every failed message) back in the queue with a
    /// fresh lifetime; the server sends it once.
    Retry {
        /// The message's id, as `rollcall outbox` lists it.
        #[arg(required_unless_present = "failed", conflicts_with = "failed")]
        id: Option<String>,
        /// Every failed message.
        #[arg(long)]
        failed: bool,
    },
}

#[derive(Debug, Subcommand)]
enum SuppressionAction {
    /// Mail this address again (after its owner fixed the mailbox, or asked to).
    Lift { address: String },
}

#[derive(Debug, Subcommand)]
enum TokenAction {
    /// Create an API token for an organizer and print it (it is shown only this once).
    Create {
        #[arg(long, env = "ROLLCALL_DATA_DIR", default_value = "./rollcall-data")]
        data_dir: PathBuf,
        /// The organizer's email address: the token sees what they see.
        #[arg(long)]
        organizer: String,
        /// What the token is for.
        #[arg(long, default_value = "created with rollcall token create")]
        label: String,
    },
}

/// mimalloc instead of the system allocator: reading a message allocates thousands of small
/// strings (attendees, parameters), and glibc's malloc and free were a sixth of `rollcall
/// parse`'s time on realistic invitations (docs/performance.md has the figures).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(config) => {
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_env("ROLLCALL_LOG")
                        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
                )
                .init();
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(runtime) => runtime,
                Err(error) => return fail(&format!("cannot start the runtime: {error}")),
            };
            match runtime.block_on(rollcall_local::app::serve(*config)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => fail(&format!("{error:#}")),
            }
        }
        Command::Parse { files } => {
            // Buffered: stdout is line-buffered, and one write per JSON line was a tenth of
            // the time of reading a folder of invitations (`run` flushes at the end).
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            match rollcall_local::commands::parse::run(&files, &mut out) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(error) => fail(&format!("parse: {error}")),
            }
        }
        Command::Inbox {
            data_dir,
            limit,
            json,
        } => {
            let stdout = std::io::stdout();
            match rollcall_local::commands::inbox::run(&data_dir, limit, json, &mut stdout.lock()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => fail(&format!("inbox: {error:#}")),
            }
        }
        Command::Outbox {
            action: None,
            data_dir,
            state,
            limit,
            json,
        } => {
            let stdout = std::io::stdout();
            let listed = rollcall_local::commands::outbox::list(
                &data_dir,
                state,
                limit,
                json,
                &mut stdout.lock(),
            );
            match listed {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => fail(&format!("outbox: {error:#}")),
            }
        }
        Command::Outbox {
            action: Some(OutboxAction::Retry { id, .. }),
            data_dir,
            ..
        } => {
            let stdout = std::io::stdout();
            let retried = rollcall_local::commands::outbox::retry(
                &data_dir,
                id.as_deref(),
                &mut stdout.lock(),
            );
            match retried {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => fail(&format!("outbox retry: {error:#}")),
            }
        }
        Command::Suppressions {
            action,
            data_dir,
            limit,
            json,
        } => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            let done = match action {
                None => {
                    rollcall_local::commands::suppressions::list(&data_dir, limit, json, &mut out)
                }
                Some(SuppressionAction::Lift { address }) => {
                    rollcall_local::commands::suppressions::lift(&data_dir, &address, &mut out)
                }
            };
            match done {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => fail(&format!("suppressions: {error:#}")),
            }
        }
        Command::Token {
            action:
                TokenAction::Create {
                    data_dir,
                    organizer,
                    label,
                },
        } => {
            let stdout = std::io::stdout();
            match rollcall_local::commands::token::create(
                &data_dir,
                &organizer,
                &label,
                &mut stdout.lock(),
            ) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => fail(&format!("token: {error:#}")),
            }
        }
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("rollcall: {message}");
    ExitCode::from(2)
}
