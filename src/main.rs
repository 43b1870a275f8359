//! The `achievement-graph` binary: parse the command line, set up logs, run the command.

use std::process::ExitCode;

use achievement_graph::app::shutdown_signal;
use achievement_graph::config::{Cli, Command, LogFormat};
use achievement_graph::model::dataset::Dataset;
use achievement_graph::store::Store;
use achievement_graph::{graphql, App, Error};
use clap::Parser;

/// mimalloc keeps freed memory for reuse across threads. With the system allocator, each
/// index commit (whose worker thread tantivy starts afresh) faulted in and zeroed about
/// 15 MB of arena pages again: a third of a small write's CPU time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's options `arena_eager_commit` and `purge_delay`, numbered as in the
/// `mi_option_e` of the mimalloc 3.3 that libmimalloc-sys =0.1.49 builds (its Rust
/// bindings stop before them).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Commits arena memory as it is used and hands back what stays unused for a second.
/// With mimalloc's defaults (arenas committed eagerly), the bundled graph's server kept
/// 89 MiB resident after its first index build, against 30 MiB with the system
/// allocator; with these, 42 MiB. Purging at once instead (delay 0) gave 30 MiB but
/// brought back the faults of every commit: 23 ms of CPU per small write instead of 11.
/// Arena options only count before the first allocation, so this runs as an ELF
/// constructor, before Rust's runtime allocates anything.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static RELEASE_UNUSED_MEMORY: extern "C" fn() = release_unused_memory;

extern "C" fn release_unused_memory() {
    // SAFETY: mi_option_set only stores an option value; both options are read when
    // memory is next reserved or purged.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 1000);
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tantivy=warn,sqlx=warn".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Json => logs.json().with_current_span(true).init(),
        LogFormat::Text => logs.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).init(),
    }
    match run(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", error.chain());
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(config) => {
            App::build(&config).await?.run(shutdown_signal()).await?;
        }
        Command::Check { file } => {
            let text = read(&file)?;
            return Ok(match Dataset::parse(&text) {
                Ok(dataset) => {
                    println!(
                        "{}: ok ({} documents, {} lists, {} achievements, {} cities, {} organizations, {} events, {} statistics)",
                        file.display(),
                        dataset.documents.len(),
                        dataset.lists.len(),
                        dataset.achievements.len(),
                        dataset.cities.len(),
                        dataset.organizations.len(),
                        dataset.events.len(),
                        dataset.statistics.len()
                    );
                    ExitCode::SUCCESS
                }
                Err(problems) => {
                    for problem in &problems {
                        println!("{}: {problem}", file.display());
                    }
                    eprintln!("{} problem(s) found", problems.len());
                    ExitCode::FAILURE
                }
            });
        }
        Command::Import { file, storage } => {
            let text = read(&file)?;
            let dataset = Dataset::parse(&text).map_err(|problems| {
                let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                Error::InvalidInput(format!(
                    "{} is not valid, nothing was imported:\n{}",
                    file.display(),
                    list.join("\n")
                ))
            })?;
            let store = Store::connect(&storage.database_url).await?;
            match store.import(&dataset, "cli").await? {
                Some(committed) => println!(
                    "imported {}: {} entities changed (generation {}); servers index it from the outbox",
                    file.display(),
                    committed.changes.len(),
                    committed.generation
                ),
                None => println!("imported {}: the store already holds exactly this graph", file.display()),
            }
        }
        Command::Generate { entities, seed, out } => {
            let dataset = achievement_graph::model::generate::generate(entities, seed);
            let json = serde_json::to_string(&dataset).map_err(|error| Error::Internal(error.into()))?;
            match out {
                Some(path) => std::fs::write(&path, json)
                    .map_err(|error| Error::InvalidInput(format!("cannot write {}: {error}", path.display())))?,
                None => println!("{json}"),
            }
        }
        Command::Export { storage } => {
            let store = Store::connect(&storage.database_url).await?;
            let dataset = store.export().await?;
            let json = serde_json::to_string_pretty(&dataset).map_err(|error| Error::Internal(error.into()))?;
            println!("{json}");
        }
        Command::Schema => print!("{}", graphql::sdl()),
    }
    Ok(ExitCode::SUCCESS)
}

fn read(file: &std::path::Path) -> Result<String, Error> {
    std::fs::read_to_string(file)
        .map_err(|error| Error::InvalidInput(format!("cannot read {}: {error}", file.display())))
}
