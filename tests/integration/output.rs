//! Output failures: the report folder cannot be created, or the disk fills while the reports
//! are written. Either is exit 3 naming the path, and no half-written file is left under a
//! report's name.

use std::time::Duration;

use loadproof::reference::ReferenceConfig;

use crate::common::*;

const LIMIT: Duration = Duration::from_secs(120);

#[test]
fn unwritable_output_exits_3_naming_the_path() {
    let (rt, server) = reference(ReferenceConfig::default());
    let dir = scratch("unwritable");
    // A regular file where the output folder should be: no directory can be created under it.
    let blocker = write(&dir, "not-a-dir", "x");
    let out = blocker.join("reports");
    let o = run(
        bin()
            .args([
                "run",
                "--url",
                &format!("{}/health", server.base_url()),
                "--requests",
                "5",
                "--out",
            ])
            .arg(&out),
        LIMIT,
    );
    assert_eq!(code(&o), 3, "{:?}", text(&o));
    let (_, err) = text(&o);
    assert!(
        err.contains("not-a-dir"),
        "the error must name the path: {err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one clear line: {err}");
    assert_eq!(
        server.stats().requests,
        0,
        "nothing may be sent when the reports cannot be written"
    );
    rt.block_on(server.shutdown());
}

/// A full disk, simulated with the file-size limit (`ulimit -f`, SIGXFSZ ignored so a write
/// past it fails with EFBIG the way a full disk fails with ENOSPC): `report.json` is cut off
/// mid-write. The run must exit 3 naming the file, and neither a truncated `report.json` nor
/// its temporary file may be left behind.
#[test]
fn disk_full_while_writing_exits_3_and_leaves_no_truncated_report() {
    let (rt, server) = reference(ReferenceConfig::default());
    let out = scratch("disk-full").join("out");
    let o = run(
        std::process::Command::new("sh")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "-c",
                // 2 blocks is at most 2 KiB (dash counts 512-byte blocks, bash 1 KiB); a report
                // is several KiB, so its first write lands and a later one fails.
                "trap '' XFSZ; ulimit -f 2 && exec \"$0\" \"$@\"",
                env!("CARGO_BIN_EXE_loadproof"),
                "run",
                "--url",
                &format!("{}/health", server.base_url()),
                "--requests",
                "20",
                "--out",
            ])
            .arg(&out),
        LIMIT,
    );
    assert_eq!(code(&o), 3, "{:?}", text(&o));
    let (_, err) = text(&o);
    assert!(
        err.contains("report.json"),
        "the error must name the file: {err}"
    );
    assert!(err.contains("too large"), "and say why: {err}");
    // No partial report or temporary file may remain; the folder, created by the run and so
    // left empty, is removed with them.
    let left: Vec<_> = std::fs::read_dir(&out)
        .into_iter()
        .flatten()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        left.is_empty(),
        "no partial report or temporary file may remain: {left:?}"
    );
    assert!(!out.exists(), "the empty folder the run created is removed");
    assert_eq!(server.stats().requests, 20, "the load itself ran");
    rt.block_on(server.shutdown());
}
