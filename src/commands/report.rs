//! What a run tells a person or a script: one line per section, the same as JSON, one line per
//! `watch` poll, and a progress bar on a terminal.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::ExitStatus;
use crate::error_chain;
use crate::publish::Written;
use crate::run::{Progress, RunReport, SectionError, SectionSummary};

/// The run's exit status: success only when every section was written.
pub(super) fn status(report: &RunReport) -> ExitStatus {
    if report.all_ok() {
        ExitStatus::Success
    } else {
        ExitStatus::Failed
    }
}

/// Prints one line per section (failures on stderr) and returns the run's exit status.
pub(super) fn print_lines(report: &RunReport) -> ExitStatus {
    for section in &report.sections {
        match section {
            Ok(summary) => say!("{}", summary_line(summary)),
            Err(error) => eprintln!("error: {}", error_chain(error)),
        }
    }
    for section in &report.skipped {
        say!("{}", skipped_line(section));
    }
    status(report)
}

fn skipped_line(section: &str) -> String {
    format!("{section}: skipped, another poller holds it")
}

/// Prints every section's failure on stderr.
pub(super) fn print_errors(report: &RunReport) {
    for error in report.sections.iter().filter_map(|s| s.as_ref().err()) {
        eprintln!("error: {}", error_chain(error));
    }
}

fn written(w: Written) -> &'static str {
    match w {
        Written::Created => "created",
        Written::Replaced => "updated",
        Written::Unchanged => "unchanged",
    }
}

fn summary_line(s: &SectionSummary) -> String {
    let files: Vec<String> = s
        .written
        .iter()
        .map(|(format, w)| format!("{} {}", format.extension(), written(*w)))
        .collect();
    let fallbacks = if s.fallbacks > 0 {
        format!("; {} fields by zero-config extraction", s.fallbacks)
    } else {
        String::new()
    };
    format!(
        "{}: {} items ({} new, {} updated), {} pages downloaded, {} unchanged, {} failed; {}{fallbacks}; {:.2}s",
        s.section,
        s.items,
        s.new,
        s.updated,
        s.downloaded,
        s.not_modified,
        s.failed_urls.len(),
        files.join(", "),
        s.elapsed.as_secs_f64()
    )
}

/// Prints the run's summary as JSON, `{"ok": bool, "sections": [...], "skipped": [...]}`, as
/// it is serialized: a run of 10,000 sections builds no tree of values first.
pub(super) fn print_json(report: &RunReport) {
    super::to_stdout(|out| {
        serde_json::to_writer_pretty(&mut *out, &JsonReport(report))?;
        out.write_all(b"\n")
    });
}

struct JsonReport<'a>(&'a RunReport);

impl Serialize for JsonReport<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let report = self.0;
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("ok", &report.all_ok())?;
        map.serialize_entry("sections", &JsonSections(&report.sections))?;
        map.serialize_entry("skipped", &report.skipped)?;
        map.end()
    }
}

struct JsonSections<'a>(&'a [Result<SectionSummary, SectionError>]);

impl Serialize for JsonSections<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(JsonSection))
    }
}

struct JsonSection<'a>(&'a Result<SectionSummary, SectionError>);

impl Serialize for JsonSection<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        match self.0 {
            Ok(s) => {
                map.serialize_entry("section", &s.section)?;
                map.serialize_entry("ok", &true)?;
                map.serialize_entry("items", &s.items)?;
                map.serialize_entry("new", &s.new)?;
                map.serialize_entry("updated", &s.updated)?;
                map.serialize_entry("downloaded", &s.downloaded)?;
                map.serialize_entry("not_modified", &s.not_modified)?;
                map.serialize_entry("failed_urls", &s.failed_urls)?;
                map.serialize_entry("fallbacks", &s.fallbacks)?;
                map.serialize_entry("seconds", &s.elapsed.as_secs_f64())?;
                for (format, w) in &s.written {
                    map.serialize_entry(format.extension(), written(*w))?;
                }
            }
            Err(e) => {
                map.serialize_entry("section", e.section())?;
                map.serialize_entry("ok", &false)?;
                map.serialize_entry("error", &error_chain(e))?;
            }
        }
        map.end()
    }
}

/// One `watch` poll in a line.
pub(super) fn poll_line(
    poll: u64,
    report: &RunReport,
    elapsed: Duration,
    next: Duration,
) -> String {
    let ok: Vec<&SectionSummary> = report
        .sections
        .iter()
        .filter_map(|s| s.as_ref().ok())
        .collect();
    format!(
        "poll {poll}: {} sections written, {} failed; {} new, {} updated items; {} pages downloaded; {:.2}s; next check in {}s",
        ok.len(),
        report.sections.len() - ok.len(),
        ok.iter().map(|s| s.new).sum::<usize>(),
        ok.iter().map(|s| s.updated).sum::<usize>(),
        ok.iter().map(|s| s.downloaded).sum::<usize>(),
        elapsed.as_secs_f64(),
        next.as_secs()
    )
}

/// A progress bar over the pages of a run, with the sections done as its message.
pub(super) struct Bar {
    pub(super) bar: indicatif::ProgressBar,
    sections: AtomicUsize,
}

impl Bar {
    pub(super) fn new() -> Arc<Bar> {
        let bar = indicatif::ProgressBar::new(0);
        let style = indicatif::ProgressStyle::with_template(
            "{spinner} {elapsed:>3} [{bar:30}] {pos}/{len} pages  {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(120));
        Arc::new(Bar {
            bar,
            sections: AtomicUsize::new(0),
        })
    }
}

impl Progress for Bar {
    fn pages_planned(&self, n: usize) {
        self.bar.inc_length(n as u64);
    }

    fn page_done(&self) {
        self.bar.inc(1);
    }

    fn section_done(&self, section: &str) {
        let done = self.sections.fetch_add(1, Ordering::Relaxed) + 1;
        self.bar
            .set_message(format!("{done} sections done, last: {section}"));
    }
}
