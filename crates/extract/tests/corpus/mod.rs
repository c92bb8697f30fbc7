//! The real-page corpus (`tests/fixtures/real/` of the repository: saved pages of Chinese news
//! sites, labelled by hand by reading them; see its README) and how extraction is scored on it,
//! the way the project's hidden set is scored. Shared by the extraction crate's accuracy tests
//! and the poller's test of learned selectors.
#![allow(dead_code)] // each test file uses its own part of these helpers

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use feedwright_extract::auto::{self, Kind};
use feedwright_extract::charset;
use feedwright_extract::link::canonical_link;
use feedwright_extract::raw::RawArticle;
use feedwright_extract::text::plain;
use feedwright_extract::time::{self, Precision, TimeContext};
use scraper::Html;
use serde::Deserialize;
use url::Url;

/// The corpus folder (`tests/fixtures/real` of the repository): development pages there,
/// held-out sets in its subfolders; `set` names one of those, or is empty.
pub fn corpus(set: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("tests/fixtures/real"))
        .find(|dir| dir.is_dir())
        .expect("the corpus is in the repository");
    root.join(set).to_string_lossy().into_owned()
}

#[derive(Debug, Deserialize)]
pub struct Label {
    pub file: String,
    pub kind: String,
    pub site: String,
    pub url: Option<String>,
    pub title: Option<String>,
    pub published: Option<String>,
    pub precision: Option<String>,
    pub body_start: Option<String>,
    pub body_end: Option<String>,
    pub body_chars: Option<usize>,
}

/// A page's story links, labelled by reading it (`links.json`, see
/// `../shared/notes/story-links.md`): every story link of the page, and the entries of its
/// main or related list.
#[derive(Debug, Deserialize)]
pub struct PageLinks {
    pub file: String,
    pub stories: Vec<Story>,
    pub main: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Story {
    pub link: String,
    pub title: String,
}

/// The story links of the pages in `folder`, by file.
pub fn story_links(folder: &str) -> HashMap<String, PageLinks> {
    let text = std::fs::read_to_string(format!("{folder}/links.json")).expect("links.json");
    let pages: Vec<PageLinks> = serde_json::from_str(&text).expect("links.json parses");
    pages.into_iter().map(|p| (p.file.clone(), p)).collect()
}

/// The labels of the pages in `folder` (the corpus, or its held-out part).
pub fn labels(folder: &str) -> Vec<Label> {
    let text = std::fs::read_to_string(format!("{folder}/labels.json")).expect("labels.json");
    serde_json::from_str(&text).expect("labels.json parses")
}

/// The page's text as the loopback server would serve it: bytes that are UTF-8 get a
/// `charset=utf-8` header, the others none.
pub fn page_text(folder: &str, file: &str) -> String {
    let bytes = std::fs::read(Path::new(folder).join(file)).expect("the page exists");
    let header = std::str::from_utf8(&bytes)
        .is_ok()
        .then_some("text/html; charset=utf-8");
    charset::decode(&bytes, header).text
}

pub fn page_url(label: &Label) -> Url {
    label
        .url
        .as_deref()
        .and_then(|u| Url::parse(u).ok())
        .unwrap_or_else(|| Url::parse(&format!("https://corpus.invalid/{}", label.file)).unwrap())
}

pub fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The labelled time as an instant (naive times are Beijing time) and its precision.
pub fn labelled_time(label: &Label) -> Option<(DateTime<FixedOffset>, Precision)> {
    let text = label.published.as_deref()?;
    let beijing = FixedOffset::east_opt(8 * 3600).unwrap();
    let precision = match label.precision.as_deref() {
        Some("day") => Precision::Day,
        Some("minute") => Precision::Minute,
        _ => Precision::Second,
    };
    let (naive, offset) = match text.get(19..) {
        Some(rest) if !rest.is_empty() => (&text[..19], rest.parse::<FixedOffset>().ok()?),
        _ => (text, beijing),
    };
    let naive = NaiveDateTime::parse_from_str(naive, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(naive, "%Y-%m-%d %H:%M"))
        .or_else(|_| {
            NaiveDate::parse_from_str(naive, "%Y-%m-%d").map(|d| d.and_hms_opt(0, 0, 0).unwrap())
        })
        .ok()?;
    Some((offset.from_local_datetime(&naive).single()?, precision))
}

/// `at` written at `precision` in Beijing time.
pub fn at_precision(at: DateTime<FixedOffset>, precision: Precision) -> String {
    let beijing = at.with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap());
    beijing
        .format(match precision {
            Precision::Day => "%Y-%m-%d",
            Precision::Minute => "%Y-%m-%d %H:%M",
            Precision::Second => "%Y-%m-%d %H:%M:%S",
        })
        .to_string()
}

#[derive(Default)]
pub struct Tally {
    pub right: usize,
    pub total: usize,
}

impl Tally {
    fn add(&mut self, right: bool) {
        self.total += 1;
        self.right += usize::from(right);
    }

    fn share(&self) -> f64 {
        self.right as f64 / self.total.max(1) as f64
    }

    fn cell(&self) -> String {
        format!(
            "{:5.1}% ({}/{})",
            100.0 * self.share(),
            self.right,
            self.total
        )
    }
}

#[derive(Default)]
pub struct Scores {
    pub title: Tally,
    pub time: Tally,
    pub day: Tally,
    pub body: Tally,
    pub kind: Tally,
    pub items: Items,
    pub misses: Vec<String>,
}

/// What a page's items (its list entries: an article's related news, a list page's stories)
/// score against its story links.
#[derive(Default)]
pub struct Items {
    /// Items extracted (each link once per page) …
    pub extracted: usize,
    /// … of which stories …
    pub stories: usize,
    /// … of which with the labelled title.
    pub titled: usize,
    /// Main entries labelled, and found.
    pub main: usize,
    pub main_found: usize,
    /// One row per page: file, kind, items, stories, main found / labelled, titles right.
    pub rows: Vec<String>,
}

impl Items {
    fn precision(&self) -> f64 {
        self.stories as f64 / self.extracted.max(1) as f64
    }

    fn recall(&self) -> f64 {
        self.main_found as f64 / self.main.max(1) as f64
    }

    fn titles(&self) -> f64 {
        self.titled as f64 / self.stories.max(1) as f64
    }
}

/// The kind extraction gives a page, as labels name it.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Article => "article",
        Kind::List => "list",
        Kind::None => "none",
    }
}

/// Scores one labelled page: its kind, its article's fields (on an article page) and its
/// items against its story links.
pub fn score_page(folder: &str, label: &Label, links: Option<&PageLinks>, scores: &mut Scores) {
    let text = page_text(folder, &label.file);
    let found = auto::extract(&Html::parse_document(&text), &page_url(label));
    let kind = kind_name(found.kind);
    scores.kind.add(kind == label.kind);
    if kind != label.kind {
        scores
            .misses
            .push(format!("{}: taken for {kind}", label.file));
    }
    if label.kind == "article" {
        let body = found
            .article
            .as_ref()
            .and_then(|a| a.body_text.clone())
            .unwrap_or_default();
        score_fields(label, found.article.as_ref(), &body, scores);
    }
    if let Some(links) = links {
        let url = page_url(label);
        let items = feedwright_extract::extract(&text, &url, &ctx())
            .map(|page| page.items)
            .unwrap_or_default();
        score_items(
            label,
            kind,
            &items,
            links,
            &mut scores.items,
            &mut scores.misses,
        );
    }
}

/// A link as items are compared: canonical, as the feed's ids are.
pub fn comparable_link(base: &Url, link: &str) -> String {
    canonical_link(base, link).map_or_else(|| link.to_owned(), String::from)
}

/// Scores a page's items against its story links.
pub fn score_items(
    label: &Label,
    kind: &str,
    items: &[feedwright_extract::Entry],
    links: &PageLinks,
    scores: &mut Items,
    misses: &mut Vec<String>,
) {
    let url = page_url(label);
    let stories: HashMap<String, &str> = links
        .stories
        .iter()
        .map(|s| (comparable_link(&url, &s.link), s.title.as_str()))
        .collect();
    let mut seen = std::collections::HashSet::new();
    let (mut extracted, mut right, mut titled) = (0, 0, 0);
    for item in items {
        let link = comparable_link(&url, item.link.as_str());
        if !seen.insert(link.clone()) {
            continue;
        }
        extracted += 1;
        match stories.get(&link) {
            Some(title) => {
                right += 1;
                if squeeze(&item.title) == squeeze(title) {
                    titled += 1;
                } else {
                    misses.push(format!(
                        "{}: item title {:?}, labelled {title:?}",
                        label.file, item.title
                    ));
                }
            }
            None => misses.push(format!(
                "{}: not a story: {:?} {link}",
                label.file, item.title
            )),
        }
    }
    let main_found = links
        .main
        .iter()
        .filter(|link| {
            let found = seen.contains(&comparable_link(&url, link));
            if !found {
                misses.push(format!("{}: main entry missed: {link}", label.file));
            }
            found
        })
        .count();
    scores.extracted += extracted;
    scores.stories += right;
    scores.titled += titled;
    scores.main += links.main.len();
    scores.main_found += main_found;
    scores.rows.push(format!(
        "| {} | {kind} | {extracted} | {right} | {main_found}/{} | {titled} |",
        label.file,
        links.main.len()
    ));
}

/// Scores an article's title, time and body text against the label.
pub fn score_fields(
    label: &Label,
    article: Option<&RawArticle>,
    body_text: &str,
    scores: &mut Scores,
) {
    let url = page_url(label);
    let name = &label.file;
    let title = article.map(|a| plain(&a.title)).unwrap_or_default();
    let title_ok = squeeze(&title) == squeeze(label.title.as_deref().unwrap_or_default());
    scores.title.add(title_ok);
    if !title_ok {
        scores.misses.push(format!(
            "{name}: title {title:?}, labelled {:?}",
            label.title
        ));
    }
    let found = article.and_then(|a| {
        let texts: Vec<&str> = a.published.iter().map(String::as_str).collect();
        time::first_with_precision(&texts, &ctx(), &url)
    });
    match (labelled_time(label), found) {
        (Some((expected, precision)), Some((at, shown))) => {
            let exact = shown >= precision
                && at_precision(at, precision) == at_precision(expected, precision);
            let day = at_precision(at, Precision::Day) == at_precision(expected, Precision::Day);
            scores.time.add(exact);
            scores.day.add(day);
            if !exact {
                scores.misses.push(format!(
                    "{name}: time {} ({}), labelled {} ({})",
                    at_precision(at, Precision::Second),
                    shown.name(),
                    at_precision(expected, precision),
                    precision.name()
                ));
            }
        }
        (Some((expected, _)), None) => {
            scores.time.add(false);
            scores.day.add(false);
            scores.misses.push(format!(
                "{name}: no time, labelled {}",
                at_precision(expected, Precision::Second)
            ));
        }
        (None, found) => {
            scores.time.add(found.is_none());
            scores.day.add(found.is_none());
        }
    }
    let text = squeeze(body_text);
    let start = squeeze(label.body_start.as_deref().unwrap_or_default());
    let end = squeeze(label.body_end.as_deref().unwrap_or_default());
    let chars: Vec<char> = text.chars().collect();
    let head: String = chars.iter().take(400).collect();
    let tail: String = chars[chars.len().saturating_sub(400)..].iter().collect();
    let ratio = chars.len() as f64 / label.body_chars.unwrap_or(1).max(1) as f64;
    let body_ok = head.contains(&start) && tail.contains(&end) && (0.6..=1.6).contains(&ratio);
    scores.body.add(body_ok);
    if !body_ok {
        scores.misses.push(format!(
            "{name}: body start {} end {} ratio {ratio:.2} ({} chars): {:?} … {:?}",
            head.contains(&start),
            tail.contains(&end),
            chars.len(),
            head.chars().take(40).collect::<String>(),
            tail.chars()
                .rev()
                .take(40)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<String>(),
        ));
    }
}

pub fn ctx() -> TimeContext<'static> {
    TimeContext {
        tz: feedwright_extract::Zone::shanghai(),
        now: chrono::Utc::now(),
        format: None,
    }
}

/// Scores every labelled page of `folder` and prints the tables: the article fields, the
/// items, and the items page by page.
pub fn score_folder(folder: &str, name: &str) -> Scores {
    let mut scores = Scores::default();
    let labels = labels(folder);
    let links = story_links(folder);
    for label in &labels {
        score_page(folder, label, links.get(&label.file), &mut scores);
    }
    let items = &scores.items;
    println!("zero-config extraction on {} {name}", labels.len());
    println!("| field | accuracy |");
    println!("|---|---|");
    println!("| title | {} |", scores.title.cell());
    println!("| time at the page's precision | {} |", scores.time.cell());
    println!("| same day | {} |", scores.day.cell());
    println!("| body | {} |", scores.body.cell());
    println!("| page kind | {} |", scores.kind.cell());
    println!(
        "| item precision (items that are stories) | {:5.1}% ({}/{}) |",
        100.0 * items.precision(),
        items.stories,
        items.extracted
    );
    println!(
        "| main/related recall | {:5.1}% ({}/{}) |",
        100.0 * items.recall(),
        items.main_found,
        items.main
    );
    println!(
        "| item titles exact | {:5.1}% ({}/{}) |",
        100.0 * items.titles(),
        items.titled,
        items.stories
    );
    println!();
    println!("| page | taken for | items | stories | main found/labelled | titles right |");
    println!("|---|---|---|---|---|---|");
    for row in &items.rows {
        println!("{row}");
    }
    for miss in &scores.misses {
        println!("miss: {miss}");
    }
    println!();
    scores
}

/// The least each score may be: article title, time, same day, body; page kind; item
/// precision, main recall, item titles.
pub struct Floors {
    pub fields: [f64; 4],
    pub kind: f64,
    pub items: [f64; 3],
}

pub fn assert_floors(scores: &Scores, floors: &Floors) {
    let [title, time, day, body] = floors.fields;
    let items = &scores.items;
    for (what, share, floor) in [
        ("title", scores.title.share(), title),
        ("time", scores.time.share(), time),
        ("day", scores.day.share(), day),
        ("body", scores.body.share(), body),
        ("page kind", scores.kind.share(), floors.kind),
        ("item precision", items.precision(), floors.items[0]),
        ("main recall", items.recall(), floors.items[1]),
        ("item titles", items.titles(), floors.items[2]),
    ] {
        assert!(share >= floor, "{what}: {share:.3} below the floor {floor}");
    }
}
