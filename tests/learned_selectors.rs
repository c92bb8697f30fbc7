//! Selectors learned by `feedwright add` from one page of a site, used on the site's other
//! saved pages (the real-page corpus of `tests/fixtures/real/`), beside zero-config
//! extraction's accuracy on the same pages.

#[path = "../crates/extract/tests/corpus/mod.rs"]
mod corpus;

use std::path::Path;

use corpus::{Label, Scores, corpus, labels, page_text, page_url, score_fields, score_page};
use feedwright::config::{Config, edit};
use feedwright::learn::{Sample, learn};
use feedwright_extract::auto;
use feedwright_extract::document::parse_document;
use feedwright_extract::site::{Wanted, extract_for_site};
use feedwright_extract::text::plain_text;
use scraper::Html;

/// Selectors learned from one page of a site (the first of its saved articles), used on the
/// site's other saved articles, with zero-config extraction where they match nothing: the
/// accuracy of `feedwright add` on pages it did not learn from, beside zero-config's on the
/// same pages.
#[test]
fn learned_selectors_on_the_other_pages_of_each_site() {
    let mut sites: std::collections::BTreeMap<String, Vec<(String, Label)>> = Default::default();
    for folder in [corpus(""), corpus("holdout"), corpus("unseen")] {
        for label in labels(&folder) {
            if label.kind == "article" {
                sites
                    .entry(label.site.clone())
                    .or_default()
                    .push((folder.clone(), label));
            }
        }
    }
    let mut learned_scores = Scores::default();
    let mut auto_scores = Scores::default();
    let mut rows = Vec::new();
    for (site, mut pages) in sites.into_iter().filter(|(_, pages)| pages.len() >= 2) {
        pages.sort_by(|a, b| a.1.file.cmp(&b.1.file));
        let (teacher_folder, teacher) = &pages[0];
        let document = parse_document(&page_text(teacher_folder, &teacher.file));
        let found = auto::extract(&document, &page_url(teacher));
        let learned = learn(&[Sample {
            document: &document,
            found: &found,
        }]);
        let yaml = edit::add_site(
            "output_dir: feeds\nstate: s.db\n",
            &edit::NewSite {
                id: "site".into(),
                title: site.clone(),
                article: learned.article_rules(),
                related: Vec::new(),
                follow: false,
                section: edit::NewSection {
                    id: "news".into(),
                    title: None,
                    urls: vec!["https://corpus.invalid/".into()],
                },
            },
        );
        let config = Config::from_yaml(&yaml, Path::new(".")).expect("learned selectors load");
        let before = (
            learned_scores.title.right,
            learned_scores.time.right,
            learned_scores.body.right,
        );
        let mut pages_scored = 0;
        for (folder, label) in &pages[1..] {
            let html = page_text(folder, &label.file);
            let extraction = extract_for_site(
                &html,
                &page_url(label),
                &config.sites[0].rules,
                Wanted::Article,
            );
            let article = extraction.extracted.article;
            let text = article
                .as_ref()
                .and_then(|a| a.body.as_deref())
                .map(|body| plain_text(Html::parse_fragment(body).root_element()))
                .unwrap_or_default();
            score_fields(label, article.as_ref(), &text, &mut learned_scores);
            score_page(folder, label, None, &mut auto_scores);
            pages_scored += 1;
        }
        let selectors: Vec<String> = learned
            .article_rules()
            .iter()
            .map(|(field, s)| format!("{field}: {}", s.join(" | ")))
            .collect();
        rows.push(format!(
            "| {site} | {pages_scored} | {}/{}/{} | {} |",
            learned_scores.title.right - before.0,
            learned_scores.time.right - before.1,
            learned_scores.body.right - before.2,
            selectors.join("; ")
        ));
    }
    println!("selectors learned from one page, on the site's other pages");
    println!("| site | pages | title/time/body right | learned |");
    println!("|---|---|---|---|");
    for row in &rows {
        println!("{row}");
    }
    let fields = |s: &Scores| {
        let right = s.title.right + s.time.right + s.body.right;
        let total = s.title.total + s.time.total + s.body.total;
        right as f64 / total.max(1) as f64
    };
    println!(
        "fields right: learned {:.1}% ({} pages), zero-config {:.1}%",
        100.0 * fields(&learned_scores),
        learned_scores.title.total,
        100.0 * fields(&auto_scores)
    );
    for miss in &learned_scores.misses {
        println!("learned miss: {miss}");
    }
    for miss in &auto_scores.misses {
        println!("zero-config miss: {miss}");
    }
    assert!(learned_scores.title.total >= 10);
    assert!(fields(&learned_scores) >= 0.9 && fields(&learned_scores) >= fields(&auto_scores));
}
