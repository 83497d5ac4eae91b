//! kmod 30's own testsuite (the `testsuite/` of Debian 12's kmod source
//! package) run against modhost: `scripts/kmod-testsuite.sh run` with this
//! build's binary.
//!
//! Every tool test of `test-modinfo`, `test-modprobe` and `test-depmod` runs
//! with the suite's tools (`$builddir/tools/<name>`) as kmod builds them and
//! then replaced by links to modhost; a test that passes with kmod's tools must
//! pass with modhost. A stricter pass then runs each test with a recording
//! stand-in for the tools and demands that modhost's tool runs (arguments,
//! stdout, stderr, exit code) and the rootfs they leave are byte-identical to
//! kmod's: the suite's own output check accepts any prefix of the expected
//! output.
//!
//! **The one help given to modhost**: the suite's trap library `path.so`,
//! which shows a tool the test's rootfs as `/` by rewriting the paths given to
//! `open()`, `stat()`, `opendir()`..., has no `statx()` wrapper. kmod's tools
//! never call `statx()`; Rust's standard library asks `metadata()` and
//! `exists()` through it. The script adds a `statx()` wrapper that rewrites
//! the path exactly as the suite's `stat()` wrapper does
//! (`scripts/kmod-testsuite/path-statx.c`) — a gap in the trap, not a
//! behaviour: without it 16 tests fail because modhost would look at the
//! build machine's `/` instead of the rootfs. Nothing else in the suite is
//! changed.
//!
//! The suite's build (`scripts/kmod-testsuite.sh prepare`, run by
//! `scripts/test.sh`) missing: skipped with a note, unless
//! `MODHOST_REQUIRE_FIXTURES=1`.

use std::path::PathBuf;
use std::process::Command;

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/kmod-testsuite.sh")
}

#[test]
fn kmod_testsuite_tool_tests() {
    // Prepared? (`built` neither installs nor builds; exit 3 when not built.)
    let built = Command::new("bash").arg(script()).arg("built").output().expect("bash");
    if !built.status.success() {
        let _: Option<()> = testkit::skip(format_args!(
            "kmod's testsuite is not built (bash scripts/kmod-testsuite.sh prepare): {}",
            String::from_utf8_lossy(&built.stderr).trim()
        ));
        return;
    }
    let logs = std::env::temp_dir().join(format!("kmod-testsuite-{}", std::process::id()));
    let out = Command::new("bash")
        .arg(script())
        .arg("run")
        .arg(env!("CARGO_BIN_EXE_modhost"))
        .env("KMOD_TESTSUITE_NO_BUILD", "1")
        .env("KMOD_TESTSUITE_LOGS", &logs)
        .output()
        .expect("bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(out.status.success(), "scripts/kmod-testsuite.sh run failed (logs: {}):\n{stdout}\n{stderr}", logs.display());

    // The table: one row per test, program / test / kmod / modhost / same run / /bin/false.
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .filter(|l| l.starts_with("test-"))
        .map(|l| l.split_whitespace().collect())
        .collect();
    for prog in ["test-modinfo", "test-modprobe", "test-depmod"] {
        assert!(rows.iter().any(|r| r[0] == prog), "no {prog} test in the table:\n{stdout}");
    }
    // kmod 30's suite has 37 tool tests; a suite that lists fewer ran less than it should.
    assert!(rows.len() >= 37, "{} tool tests, expected kmod 30's 37:\n{stdout}", rows.len());
    for r in &rows {
        assert_eq!(&r[2..5], ["pass", "pass", "same"], "{}: {r:?}\n{stdout}\n{stderr}", r[1]);
    }
    let summary = format!("kmod: {n} of {n} pass; modhost: {n} of {n} pass; identical tool runs and rootfs: {n} of {n}", n = rows.len());
    assert!(stdout.contains(&summary), "summary missing: {summary}\n{stdout}");
    let _ = std::fs::remove_dir_all(&logs);
}
