//! `loadproof merge DIR... --out DIR`: read the segment reports, merge them, write every output
//! of a normal run into `--out`, print the summary, and exit with the merged run's code.

use std::io::Write as _;

use super::{Input, merge};
pub use crate::cli::MergeArgs;

/// Exit 1 (usage) for a folder that cannot be read or reports that cannot be merged; 3 for a
/// report that cannot be written; else the merged run's own code.
pub fn run(args: &MergeArgs) -> Result<i32, crate::Error> {
    let usage = |m: String| crate::Error::Usage(m);
    let mut inputs = Vec::with_capacity(args.dirs.len());
    for dir in &args.dirs {
        let loaded = crate::compare::load(dir).map_err(usage)?;
        inputs.push(Input {
            origin: dir.clone(),
            report: loaded.report,
        });
    }
    let report = merge(&inputs, args.fail_on_warn).map_err(|r| {
        usage(format!(
            "cannot merge these reports:\n{}\n  hint: name exactly one folder per segment 0..N-1 of one split run (the same scenario and --segment I/N with the same N)",
            indent(&r.0)
        ))
    })?;
    if args.out.join("report.json").exists() {
        return Err(usage(format!(
            "--out {}: it already holds a report.json\n  hint: merge into a new folder",
            args.out.display()
        )));
    }
    std::fs::create_dir_all(&args.out).map_err(|e| {
        crate::RuntimeError::Writer(format!("cannot create {}: {e}", args.out.display()))
    })?;
    crate::report::write_all(&report, &args.out, args.fail_on_warn, None)
        .map_err(crate::RuntimeError::from)?;
    let mut out = std::io::stdout().lock();
    if !args.quiet {
        let _ = write!(out, "{}", crate::report::text::render(&report));
        if let Some(m) = &report.merge {
            let _ = writeln!(
                out,
                "Merged     {} segments · start skew {:.1} ms",
                m.segments, m.start_skew_ms
            );
        }
    }
    let _ = writeln!(out, "Reports    {}", args.out.display());
    Ok(report.exit_code())
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
