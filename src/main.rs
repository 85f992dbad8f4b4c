//! The `loadproof` binary: parse the command line, run, map the result to an exit code.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;
use clap::error::ErrorKind;

fn main() -> ExitCode {
    let cli = match loadproof::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are successes; every other clap error is a usage error (1).
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => ExitCode::SUCCESS,
                _ => ExitCode::from(1),
            };
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "error: cannot start the async runtime: {e}"
            );
            return ExitCode::from(3);
        }
    };
    match runtime.block_on(loadproof::run(cli)) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            // Located scenario diagnostics render their own `error:` lines; everything else is
            // one line that gets the prefix here.
            if matches!(
                e,
                loadproof::Error::Scenario(loadproof::scenario::LoadError::Invalid(_))
            ) {
                let _ = writeln!(std::io::stderr(), "{e}");
            } else {
                let _ = writeln!(std::io::stderr(), "error: {e}");
            }
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
