//! Extraction on hostile pages: shapes an attacker or a broken CMS could serve (a 200,000-character
//! `<title>` over 2,000 headings, 100,000 link rows, a script of 5,000 comparisons before the
//! article, nesting, one huge text, hundreds of thousands of elements). Each page is extracted
//! by a whole `feedwright extract --jsonl FILE` process; the table gives its CPU time (user +
//! system, as `wait4` reports it), the CPU per MB of page, its peak memory and what it found.
//! Extraction's cost should grow about linearly with the page, whatever its shape.
//!
//!     cargo bench --bench hostile -- [--repeat 3]
//!
//! It runs `target/release/feedwright` (build it first with `cargo build --release`), or the
//! binary `FEEDWRIGHT_BENCH_BIN` names. The pages are written by a child of this program
//! (`--write DIR`), so that the processes measured are forked from one that never held them.

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const PARAGRAPH: &str =
    "国务院新闻办公室今天举行发布会，介绍上半年经济运行情况，有关负责人回答了记者提问。";

/// An article a reader would want: headline, byline with time and source, eight paragraphs.
fn article() -> String {
    let mut html = String::from(
        r#"<div class="article"><h1>上半年经济运行总体平稳</h1><div class="info">2024-05-06 09:05:20 来源：新华社</div>"#,
    );
    for _ in 0..8 {
        write!(html, "<p>{}</p>", PARAGRAPH.repeat(3)).expect("writing to a String");
    }
    html.push_str("</div>");
    html
}

fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>{body}</body></html>"#
    )
}

/// `count` pieces made by `piece`, joined.
fn many(count: usize, piece: impl Fn(usize) -> String) -> String {
    (0..count).map(piece).collect()
}

/// The hostile pages, by name.
fn pages() -> Vec<(&'static str, String)> {
    let article = article();
    vec![
        (
            "title of 200,000 characters, 2,000 headings",
            page(
                &"新闻标题很长".repeat(33_334),
                &(many(2000, |i| {
                    format!("<h2>小标题第{i}个</h2><p>一段文字{i}。</p>")
                }) + &article),
            ),
        ),
        (
            "title made of its 2,000 headings",
            page(
                &many(2000, |i| format!("小标题第{i}个")),
                &(many(2000, |i| {
                    format!("<h2>小标题第{i}个</h2><p>一段文字{i}。</p>")
                }) + &article),
            ),
        ),
        (
            "100,000 link rows",
            page(
                "新闻列表",
                &format!(
                    "<ul>{}</ul>",
                    many(100_000, |i| format!(
                        r#"<li><a href="/n/{i}.html">第{i}条新闻标题</a></li>"#
                    ))
                ),
            ),
        ),
        (
            "100,000 table rows with dates",
            page(
                "新闻列表",
                &format!(
                    "<table>{}</table>",
                    many(100_000, |i| format!(
                        r#"<tr><td><a href="/n/{i}.html">新闻{i}标题文字</a></td><td>2024-05-06</td></tr>"#
                    ))
                ),
            ),
        ),
        (
            "100,000 links between <br>",
            page(
                "新闻列表",
                &format!(
                    "<div>{}</div>",
                    many(100_000, |i| format!(
                        r#"<a href="/n/{i}.html">第{i}条新闻的标题文字</a> 2024-05-06<br>"#
                    ))
                ),
            ),
        ),
        (
            "5,000 lists of 20 links",
            page(
                "新闻列表",
                &many(5000, |j| {
                    format!(
                        r#"<ul class="l{j}">{}</ul>"#,
                        many(20, |i| format!(
                            r#"<li><a href="/n/{j}/{i}.html">第{j}组第{i}条新闻标题</a></li>"#
                        ))
                    )
                }),
            ),
        ),
        (
            "script of 5,000 comparisons, then the article",
            format!(
                r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>上半年经济运行总体平稳_新闻</title><script>{}</script></head><body>{article}</body></html>"#,
                many(5000, |i| format!("if (i<n{i}) {{ i++; }}\n"))
            ),
        ),
        (
            "article under 4,000 nested elements",
            page(
                "上半年经济运行总体平稳",
                &format!("{}{article}{}", "<div>".repeat(4000), "</div>".repeat(4000)),
            ),
        ),
        (
            "100,000 nested elements",
            page(
                "上半年经济运行总体平稳",
                &format!("{article}{}", "<div><span>".repeat(100_000)),
            ),
        ),
        (
            "100 runs of 4,000 nested elements",
            page(
                "深",
                &format!(
                    "{}{article}",
                    format!("{}<p>x</p>{}", "<div>".repeat(4000), "</div>".repeat(4000))
                        .repeat(100)
                ),
            ),
        ),
        (
            "100,000 paragraphs under 4,000 open elements",
            page(
                "深",
                &format!(
                    "{}{}{article}",
                    "<div>".repeat(4000),
                    "<p>x</p><span>y</span>".repeat(100_000)
                ),
            ),
        ),
        (
            "one text of 8 MB",
            page(
                "一段",
                &format!("<p>{}</p>", "很长的文字没有标点".repeat(300_000)),
            ),
        ),
        (
            "200,000 paragraphs",
            page("短段落", &many(200_000, |i| format!("<p>第{i}段。</p>"))),
        ),
        (
            "300,000 elements side by side",
            page(
                "宽",
                &format!(
                    "<div>{}</div>",
                    many(300_000, |i| format!("<span>字{i}</span>"))
                ),
            ),
        ),
        (
            "5,000 headlines with bylines",
            page(
                "上半年经济运行总体平稳_新闻",
                &many(5000, |_| {
                    format!(
                        "<h1>上半年经济运行总体平稳</h1><div>2024-05-06 09:05:20 来源：新华社</div><p>{PARAGRAPH}</p>"
                    )
                }),
            ),
        ),
    ]
}

/// The file that names the pages, one per line, in order.
const INDEX: &str = "pages.txt";

/// The file name of the page at `index`.
fn file_name(index: usize) -> String {
    format!("page-{index:02}.html")
}

/// What one process cost and found.
struct Cost {
    cpu: Duration,
    peak_kib: i64,
    found: String,
}

/// Runs `feedwright extract --jsonl page`, and reads its CPU time and peak memory from `wait4`.
#[expect(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, which also reports its rusage"
)]
fn extract(feedwright: &Path, page: &Path) -> Cost {
    let mut child = Command::new(feedwright)
        .args(["extract", "--jsonl"])
        .arg(page)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("feedwright starts");
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("a piped stdout")
        .read_to_string(&mut out)
        .expect("its output");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `usage` is a plain C struct that wait4 fills in; `pid` is our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; the pointers are valid for the duration of the call.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4 failed");
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    let json: serde_json::Value = serde_json::from_str(out.trim()).unwrap_or_default();
    let found = match (json.get("kind").and_then(|k| k.as_str()), json.get("error")) {
        (Some("article"), _) => "article".to_owned(),
        (Some(kind), _) => {
            let items = json
                .get("items")
                .and_then(|r| r.as_array())
                .map_or(0, Vec::len);
            format!("{kind} of {items}")
        }
        (None, Some(error)) => {
            let error = error.as_str().unwrap_or_default();
            // The page's temporary path says nothing: the cause is after it.
            let cause = error.split_once(": ").map_or(error, |(_, cause)| cause);
            format!("nothing: {cause}")
        }
        (None, None) => format!("exit {}", libc::WEXITSTATUS(status)),
    };
    Cost {
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        peak_kib: usage.ru_maxrss,
        found,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, dir] = &args[..]
        && flag == "--write"
    {
        let mut names = String::new();
        for (index, (name, html)) in pages().into_iter().enumerate() {
            std::fs::write(Path::new(dir).join(file_name(index)), html).expect("a page written");
            names.push_str(name);
            names.push('\n');
        }
        std::fs::write(Path::new(dir).join(INDEX), names).expect("the names written");
        return;
    }
    let repeat = match args.iter().position(|a| a == "--repeat") {
        Some(at) => args
            .get(at + 1)
            .and_then(|n| n.parse::<usize>().ok())
            .expect("--repeat N")
            .max(1),
        None => 3,
    };
    let feedwright = std::env::var_os("FEEDWRIGHT_BENCH_BIN").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/target/release/feedwright"
            ))
        },
        PathBuf::from,
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let written = Command::new(std::env::current_exe().expect("this program"))
        .arg("--write")
        .arg(dir.path())
        .status()
        .expect("the pages are written");
    assert!(written.success(), "the pages could not be written");
    let index = std::fs::read_to_string(dir.path().join(INDEX)).expect("the pages' names");
    println!("feedwright: {}", feedwright.display());
    println!("| page | MB | CPU s | CPU s per MB | peak MiB | found |");
    println!("|---|---:|---:|---:|---:|---|");
    for (index, name) in index.lines().enumerate() {
        let path = dir.path().join(file_name(index));
        let megabytes = std::fs::metadata(&path).expect("a page").len() as f64 / 1e6;
        // The best of `repeat`: the machine is shared, the work is not.
        let cost = (0..repeat)
            .map(|_| extract(&feedwright, &path))
            .min_by_key(|cost| cost.cpu)
            .expect("at least one run");
        let cpu = cost.cpu.as_secs_f64();
        println!(
            "| {name} | {megabytes:.2} | {cpu:.3} | {:.3} | {:.0} | {} |",
            cpu / megabytes,
            cost.peak_kib as f64 / 1024.0,
            cost.found
        );
    }
}
