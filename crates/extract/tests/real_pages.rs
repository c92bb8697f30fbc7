//! Zero-config extraction measured on real pages written by other people, scored the way the
//! project's hidden set is scored ([`corpus`]). Each test prints the accuracy tables, the items
//! page by page and every miss, and fails when a score falls below the floor it has reached.
//!
//! `cargo test -p feedwright-extract --release --test real_pages -- --nocapture --test-threads 1`
//! shows them all.

mod corpus;

use corpus::{Floors, assert_floors, corpus, score_folder};

/// Scores the pages of `folder`, checks that it holds at least `least` (article pages, labelled
/// main entries), and that no score falls below `floors`.
fn measure(folder: &str, what: &str, least: (usize, usize), floors: &Floors) {
    let scores = score_folder(folder, what);
    assert!(scores.title.total >= least.0 && scores.items.main >= least.1);
    assert_floors(&scores, floors);
}

/// Every labelled page of the development corpus, extracted with no selectors and scored
/// against its labels. The floors are what the extractor reaches today: a change that loses
/// accuracy on real pages fails here.
#[test]
fn zero_config_extraction_on_real_pages() {
    measure(
        &corpus(""),
        "real pages (development corpus)",
        (40, 300),
        &Floors {
            fields: [1.0, 1.0, 1.0, 1.0],
            kind: 1.0,
            items: [0.95, 0.94, 0.99],
        },
    );
}

/// The first held-out pages (`holdout/`), gathered after the extractor was written. Their
/// first, untouched measurement is in BENCHMARKS.md; their misses have since guided general
/// fixes, so they now guard those fixes like the development corpus.
#[test]
fn zero_config_extraction_on_held_out_pages() {
    measure(
        &corpus("holdout"),
        "first held-out real pages (measured untouched once, then tuned on)",
        (25, 100),
        &Floors {
            fields: [1.0, 0.94, 0.94, 1.0],
            kind: 1.0,
            items: [0.97, 0.98, 0.99],
        },
    );
}

/// The second held-out set (`unseen/`), gathered and labelled after the extractor's first
/// wave. Its first, untouched measurement is in BENCHMARKS.md; its misses have since guided
/// general fixes of stories and bodies, so it too guards those fixes now.
#[test]
fn zero_config_extraction_on_unseen_pages() {
    measure(
        &corpus("unseen"),
        "second held-out real pages (measured untouched once, then tuned on)",
        (25, 100),
        &Floors {
            fields: [1.0, 0.92, 0.92, 0.96],
            kind: 1.0,
            items: [0.92, 0.9, 0.97],
        },
    );
}

/// The third held-out set (`fresh/`): sources none of the other sets used, gathered and
/// labelled by reading while the extractor was worked on. Its first, untouched measurement is
/// in BENCHMARKS.md; its misses have since guided general fixes (story links of accounts,
/// forums, archives and cards; briefs and mastheads), so it guards them like the other sets.
#[test]
fn zero_config_extraction_on_fresh_pages() {
    measure(
        &corpus("fresh"),
        "third held-out real pages (measured untouched once, then tuned on)",
        (25, 100),
        &Floors {
            fields: [0.97, 0.91, 0.94, 0.89],
            kind: 1.0,
            items: [0.97, 0.94, 0.98],
        },
    );
}

/// The fourth held-out set (`blind/`): Hong Kong and Taiwan news sites and other sources none
/// of the other sets used, gathered and labelled by reading after the last change to
/// extraction, and measured once, untouched: the honest estimate (BENCHMARKS.md). Its floors
/// are that measurement; its misses are left unread, so that it stays an estimate (a page used
/// for development moves to the corpus).
#[test]
fn zero_config_extraction_on_blind_pages() {
    measure(
        &corpus("blind"),
        "blind real pages (never tuned on)",
        (25, 100),
        &Floors {
            fields: [0.85, 0.64, 0.75, 0.82],
            kind: 0.91,
            items: [0.959, 0.954, 0.986],
        },
    );
}
