//! The `feedwright` command: parses the command line and hands it to the library's commands.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use feedwright::commands::{
    self, Global, Runtime, add::AddArgs, block_on, check::CheckArgs, demo::DemoArgs,
    extract::ExtractArgs, migrate::MigrateArgs, preview::PreviewArgs, run::RunArgs,
    serve::ServeArgs, watch::WatchArgs,
};

/// mimalloc instead of the system allocator: parsing HTML makes many small, short-lived
/// allocations, and a poll costs 6-11% less CPU with it (BENCHMARKS.md). Without transparent
/// huge pages, its peak memory stays within a few MiB of glibc's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Real RSS 2.0 and Atom feeds for news sites that have none.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Run(RunArgs),
    Check(CheckArgs),
    Preview(PreviewArgs),
    Extract(ExtractArgs),
    Add(AddArgs),
    /// Print the JSON Schema of the configuration (for editors).
    Schema,
    Serve(ServeArgs),
    Watch(WatchArgs),
    Migrate(MigrateArgs),
    Demo(DemoArgs),
}

fn main() -> ExitCode {
    let Cli { global, command } = Cli::parse();
    commands::init_logging(&global);
    let runtime = match command {
        Command::Extract(_)
        | Command::Add(_)
        | Command::Check(_)
        | Command::Preview(_)
        | Command::Migrate(_)
        | Command::Schema => Runtime::OneThread,
        Command::Run(_) | Command::Serve(_) | Command::Watch(_) | Command::Demo(_) => {
            Runtime::Workers
        }
    };
    commands::exit(block_on(runtime, async move {
        match command {
            Command::Run(args) => commands::run::execute(args, &global).await,
            Command::Check(args) => commands::check::execute(args),
            Command::Preview(args) => commands::preview::execute(args).await,
            Command::Extract(args) => commands::extract::execute(args).await,
            Command::Add(args) => commands::add::execute(args).await,
            Command::Schema => commands::schema::execute(),
            Command::Serve(args) => commands::serve::execute(args).await,
            Command::Watch(args) => commands::watch::execute(args).await,
            Command::Migrate(args) => commands::migrate::execute(args).await,
            Command::Demo(args) => commands::demo::execute(args).await,
        }
    }))
}
