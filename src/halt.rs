//! A hook for the crash tests: with `FEEDWRIGHT_HALT_AT` set to a point's name, a run that
//! reaches that point says `halted at <point>` on stderr and stops dead there, so that a test
//! can `kill -9` it at exactly that moment and check what the next run finds; with
//! `FEEDWRIGHT_PANIC_AT`, it panics there. Only a build with the `test-hooks` feature (the test
//! suite's) has the hook; in any other, a point is nothing.

/// Where a run can be halted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Point {
    /// History holds the run's items; no feed is written yet.
    Committed,
    /// A section's feeds are written; others may not be, and no outcome is noted yet.
    Written,
    /// A file's new bytes are in its temporary file, not yet renamed over the old one.
    Renaming,
}

#[cfg(feature = "test-hooks")]
impl Point {
    fn name(self) -> &'static str {
        match self {
            Point::Committed => "committed",
            Point::Written => "written",
            Point::Renaming => "renaming",
        }
    }
}

/// Stops the calling thread for good, or panics, if the environment asks for it at `point`.
#[cfg(feature = "test-hooks")]
pub(crate) fn at(point: Point) {
    if std::env::var_os("FEEDWRIGHT_HALT_AT").is_some_and(|v| v == point.name()) {
        eprintln!("halted at {}", point.name());
        loop {
            std::thread::park();
        }
    }
    if std::env::var_os("FEEDWRIGHT_PANIC_AT").is_some_and(|v| v == point.name()) {
        panic!("panicked at {} (FEEDWRIGHT_PANIC_AT)", point.name());
    }
}

/// Without the `test-hooks` feature, no point halts.
#[cfg(not(feature = "test-hooks"))]
pub(crate) fn at(_point: Point) {}
