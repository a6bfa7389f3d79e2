//! `batchlab`: train from the command line with the browser's trainer and its config words.
//!
//! ```text
//! batchlab run --dataset digits --bs 32 --lr 0.1 --epochs 20 --out runs/a --svg runs/a/loss.svg
//! batchlab sweep --bs 16,64,256 --lr 0.01,0.1,1 --seeds 1,2,3 --out runs/sweep --svg runs/sweep/heatmap.svg
//! batchlab lr-find --bs 32 --min-lr 1e-4 --max-lr 10 --steps 300
//! ```

mod lr_find;
mod run;
mod settings;
mod sweep;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "batchlab",
    version,
    about = "Train small networks and see how learning rate and batch size interact."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train one run; write metrics.csv and summary.json; print the summary as JSON.
    Run(run::RunArgs),
    /// Train a grid of batch sizes × learning rates × seeds; print the best η per batch size.
    Sweep(sweep::SweepArgs),
    /// LR range test: ramp η exponentially, print the loss curve as CSV and a suggested η.
    LrFind(lr_find::LrFindArgs),
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => run::run(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::LrFind(args) => lr_find::lr_find(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("batchlab: {e}");
            ExitCode::from(2)
        }
    }
}
