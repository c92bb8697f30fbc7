//! Criterion benchmarks of the pipeline's stages on the seed page:
//! `cargo bench --bench stages`.

use std::path::Path;

use chrono::{DateTime, FixedOffset, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use feedwright::config::Config;
use feedwright::item::Scraped;
use feedwright::item::Sighting;
use feedwright::normalize;
use feedwright::render::{self, FeedInfo};
use feedwright::store::{Prune, Store};
use feedwright_extract::selectors::extract;
use feedwright_extract::time;
use url::Url;

const SEED: &str = include_str!("../tests/fixtures/site/socialgd/10000169/20240506/46470275.html");

fn config() -> Config {
    let yaml = feedwright::demo::DEMO_CONFIG.replace("{base}", "https://news.china.com");
    Config::from_yaml(&yaml, Path::new(".")).expect("the demo config is valid")
}

fn stages(c: &mut Criterion) {
    let config = config();
    let site = &config.sites[0];
    let url =
        Url::parse("https://news.china.com/socialgd/10000169/20240506/46470275.html").unwrap();
    let ctx = time::TimeContext {
        tz: site.timezone.clone(),
        now: "2024-06-28T09:30:00Z".parse().unwrap(),
        format: None,
    };
    c.bench_function("extract: seed page, article and 34-entry list", |b| {
        b.iter(|| extract(SEED, Some(&site.rules.article), site.rules.related.as_ref()));
    });
    let extracted = extract(SEED, Some(&site.rules.article), site.rules.related.as_ref());
    c.bench_function(
        "normalize: seed article (time, links, sanitized body)",
        |b| b.iter(|| normalize::article(extracted.article.as_ref().unwrap(), &url, &ctx)),
    );
    c.bench_function("normalize: 34 list entries", |b| {
        b.iter(|| {
            extracted
                .entries
                .iter()
                .filter_map(|e| normalize::entry(e, &url, &ctx))
                .count()
        });
    });
    let forms = [
        "2024-05-06 09:05:20",
        "关键词：2024-05-06 09:05:20 观察者网",
        "2019年06月15日08:18",
        "3小时前",
        "昨天 22:17",
        "5月6日 09:05",
    ];
    c.bench_function("time: six forms", |b| {
        b.iter(|| {
            forms
                .iter()
                .filter(|t| time::parse(t, &ctx).is_ok())
                .count()
        });
    });
}

/// A new history in a temporary folder (deleted with the returned guard).
fn empty_history() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_file(&dir.path().join("bench.db")).unwrap();
    (dir, store)
}

fn history(c: &mut Criterion) {
    let config = config();
    let site = &config.sites[0];
    let section = &site.sections[0];
    let (_dir, mut store) = empty_history();
    let start: DateTime<FixedOffset> = "2020-01-01T00:00:00+08:00".parse().unwrap();
    let keep = Prune {
        keep_days: 100_000,
        keep: 100,
    };
    for batch in 0..100 {
        let sightings: Vec<Sighting> = (0..1000)
            .map(|i| {
                let n = batch * 1000 + i;
                Sighting {
                    story: Scraped {
                        link: Url::parse(&format!("https://news.china.com/a/{n}.html")).unwrap(),
                        title: format!("新闻 {n}"),
                        published: Some(start + chrono::Duration::minutes(n)),
                        source: Some("新华社".into()),
                        content: Some(format!("<p>正文 {n}</p>")),
                        from_article: true,
                    },
                    list_title: None,
                }
            })
            .collect();
        store
            .record(
                &section.id,
                &sightings,
                &[],
                Utc::now().fixed_offset(),
                keep,
            )
            .unwrap();
    }
    let info = FeedInfo {
        site,
        section,
        base_url: None,
        empty_since: start,
    };
    c.bench_function(
        "feed from a history of 100,000 items: query 100 + RSS + Atom",
        |b| {
            b.iter(|| {
                let items = store.items(&section.id, 100).unwrap();
                render::rss(&info, &items).len() + render::atom(&info, &items).len()
            });
        },
    );
}

/// A cold list-only section, as the end-to-end benchmark's: 40 list entries recorded in a new
/// section (one transaction), read back, and rendered as RSS and Atom.
fn cold_section(c: &mut Criterion) {
    let config = config();
    let site = &config.sites[0];
    let section = &site.sections[0];
    let (_dir, mut store) = empty_history();
    let start: DateTime<FixedOffset> = "2024-06-28T00:00:00+08:00".parse().unwrap();
    let keep = Prune {
        keep_days: 30,
        keep: 100,
    };
    let sightings = |s: usize| -> Vec<Sighting> {
        (0..40)
            .map(|e| {
                let title = format!("第{s}频道新闻{e}：北约暂未考虑在日设办事处");
                Sighting {
                    story: Scraped {
                        link: Url::parse(&format!("http://localhost:8080/s{s}/a{e}.html")).unwrap(),
                        title: title.clone(),
                        published: Some(start + chrono::Duration::minutes((s * 7 + e * 13) as i64)),
                        source: None,
                        content: None,
                        from_article: false,
                    },
                    list_title: Some(title),
                }
            })
            .collect()
    };
    let mut next = 0;
    c.bench_function(
        "history: record 40 new list entries (one transaction)",
        |b| {
            b.iter_batched(
                || {
                    next += 1;
                    (format!("s{next}"), sightings(next))
                },
                |(id, seen)| {
                    store
                        .record(&id, &seen, &[], Utc::now().fixed_offset(), keep)
                        .unwrap()
                },
                criterion::BatchSize::SmallInput,
            );
        },
    );
    let info = FeedInfo {
        site,
        section,
        base_url: None,
        empty_since: start,
    };
    c.bench_function("history: read back a section of 40", |b| {
        b.iter(|| store.items("s1", 100).unwrap().len());
    });
    let items = store.items("s1", 100).unwrap();
    c.bench_function("render: RSS of 40 list entries", |b| {
        b.iter(|| render::rss(&info, &items).len());
    });
    c.bench_function("render: Atom of 40 list entries", |b| {
        b.iter(|| render::atom(&info, &items).len());
    });
}

criterion_group!(benches, stages, history, cold_section);
criterion_main!(benches);
