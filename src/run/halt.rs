//! A hook for the crash tests: with `FEEDWRIGHT_HALT_AT` set to a point's name, a run that
//! reaches that point says `halted at <point>` on stderr and stops dead there, so that a test
//! can `kill -9` it at exactly that moment and check what the next run finds. Only a build with
//! the `test-hooks` feature (the test suite's) has the hook; in any other, a point is nothing.

/// Where a run can be halted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Point {
    /// History holds the run's items; no feed is written yet.
    Committed,
    /// A section's feeds are written; others may not be, and no outcome is noted yet.
    Written,
}

#[cfg(feature = "test-hooks")]
impl Point {
    fn name(self) -> &'static str {
        match self {
            Point::Committed => "committed",
            Point::Written => "written",
        }
    }
}

/// Stops the calling thread for good if the environment asks to halt at `point`.
#[cfg(feature = "test-hooks")]
pub(super) fn at(point: Point) {
    if std::env::var_os("FEEDWRIGHT_HALT_AT").is_some_and(|v| v == point.name()) {
        eprintln!("halted at {}", point.name());
        loop {
            std::thread::park();
        }
    }
}

/// Without the `test-hooks` feature, no point halts.
#[cfg(not(feature = "test-hooks"))]
pub(super) fn at(_point: Point) {}
