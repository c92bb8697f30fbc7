use chrono::FixedOffset;

use super::*;
use crate::item::{Scraped, Sighting};

fn at(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap()
}

fn story(path: &str, title: &str, published: Option<&str>) -> Sighting {
    Sighting {
        story: Scraped {
            link: Url::parse(&format!("https://news.china.com{path}")).unwrap(),
            title: title.into(),
            published: published.map(at),
            source: None,
            content: None,
            from_article: false,
        },
        list_title: Some(title.into()),
    }
}

const KEEP: Prune = Prune {
    keep_days: 90,
    keep: 100,
};

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_file(&dir.path().join("state/history.db")).unwrap();
    (dir, store)
}

#[test]
fn items_are_kept_once_newest_first_with_fixed_dates() {
    let (_dir, mut store) = open();
    let first = at("2024-06-28T17:30:00+08:00");
    let poll = [
        story("/a", "A", Some("2024-06-28T09:00:00+08:00")),
        story("/b", "B", None),
        story("/c", "C", Some("2024-06-28T10:00:00+08:00")),
    ];
    let recorded = store.record("news", &poll, &[], first, KEEP).unwrap();
    assert_eq!(recorded, Changes { new: 3, updated: 0 });

    let later = at("2024-06-28T18:30:00+08:00");
    let again = store.record("news", &poll[..1], &[], later, KEEP).unwrap();
    assert_eq!(again, Changes::default());

    let items = store.items("news", 10).unwrap();
    let titles: Vec<&str> = items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(
        titles,
        ["B", "C", "A"],
        "items that left the page stay, newest first"
    );
    assert_eq!(
        items[0].published.at, first,
        "an undated item is dated when first seen"
    );
    assert_eq!(items[0].published.origin, Origin::FirstSeen);
    assert_eq!(items[1].published.origin, Origin::Page);
    assert_eq!(store.items("news", 2).unwrap().len(), 2);
    assert!(
        store.items("other", 10).unwrap().is_empty(),
        "sections are separate"
    );
}

#[test]
fn a_corrected_title_updates_in_place() {
    let (_dir, mut store) = open();
    let t1 = at("2024-06-28T17:30:00+08:00");
    store
        .record(
            "news",
            &[story("/a", "Old", Some("2024-06-28T09:00:00+08:00"))],
            &[],
            t1,
            KEEP,
        )
        .unwrap();
    let t2 = at("2024-06-28T18:00:00+08:00");
    let recorded = store
        .record(
            "news",
            &[story("/a", "New", Some("2024-06-28T12:00:00+08:00"))],
            &[],
            t2,
            KEEP,
        )
        .unwrap();
    assert_eq!(recorded, Changes { new: 0, updated: 1 });
    let items = store.items("news", 10).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].title, "New");
    assert_eq!(
        items[0].published.at,
        at("2024-06-28T09:00:00+08:00"),
        "the date never moves"
    );
    assert_eq!(items[0].updated, t2);
}

#[test]
fn list_data_does_not_overwrite_the_article() {
    let (_dir, mut store) = open();
    let mut article = story("/a", "文章标题", Some("2024-06-28T09:00:00+08:00"));
    article.story.from_article = true;
    article.story.content = Some("<p>正文</p>".into());
    article.list_title = Some("短标题".into());
    let now = at("2024-06-28T17:30:00+08:00");
    store.record("news", &[article], &[], now, KEEP).unwrap();
    let listed = story("/a", "短标题", Some("2024-06-28T09:00:00+08:00"));
    let recorded = store.record("news", &[listed], &[], now, KEEP).unwrap();
    assert_eq!(recorded, Changes::default());
    let item = &store.items("news", 10).unwrap()[0];
    assert_eq!(item.title, "文章标题");
    assert_eq!(item.content.as_deref(), Some("<p>正文</p>"));
    let link = Url::parse("https://news.china.com/a").unwrap();
    let known = store.known("news", std::slice::from_ref(&link)).unwrap();
    assert_eq!(
        known.get(link.as_str()),
        Some(&Known {
            from_article: true,
            list_title: Some("短标题".into())
        })
    );
}

#[test]
fn pruning_keeps_what_the_feed_shows() {
    let (_dir, mut store) = open();
    let long_ago = at("2024-01-01T00:00:00+08:00");
    let old: Vec<Sighting> = (0..5)
        .map(|i| {
            story(
                &format!("/old{i}"),
                "old",
                Some(&format!("2024-01-0{}T00:00:00+08:00", i + 1)),
            )
        })
        .collect();
    store.record("news", &old, &[], long_ago, KEEP).unwrap();
    let now = at("2024-06-28T00:00:00+08:00");
    let prune = Prune {
        keep_days: 90,
        keep: 2,
    };
    store
        .record(
            "news",
            &[story("/new", "new", Some("2024-06-27T00:00:00+08:00"))],
            &[],
            now,
            prune,
        )
        .unwrap();
    let links: Vec<String> = store
        .items("news", 100)
        .unwrap()
        .iter()
        .map(|i| i.link.path().to_owned())
        .collect();
    assert_eq!(
        links,
        ["/new", "/old4"],
        "old items go, but never below the feed's size"
    );
}

#[test]
fn validators_are_saved_with_the_poll() {
    let (_dir, mut store) = open();
    let url = Url::parse("https://news.china.com/domestic/").unwrap();
    assert_eq!(store.validators("domestic", &url).unwrap(), None);
    let validators = Validators {
        etag: Some("\"abc\"".into()),
        last_modified: Some("Fri, 28 Jun 2024 09:00:00 GMT".into()),
    };
    let now = at("2024-06-28T17:30:00+08:00");
    store
        .record(
            "domestic",
            &[],
            &[(url.clone(), validators.clone())],
            now,
            KEEP,
        )
        .unwrap();
    assert_eq!(
        store.validators("domestic", &url).unwrap(),
        Some(validators)
    );
    assert_eq!(
        store.validators("other", &url).unwrap(),
        None,
        "validators are per section"
    );
}

#[test]
fn a_recorded_change_forgets_the_rendered_fingerprint() {
    let (_dir, mut store) = open();
    let now = at("2024-06-28T17:30:00+08:00");
    let poll = |store: &mut Store, path: &str| {
        store
            .record("news", &[story(path, "A", None)], &[], now, KEEP)
            .unwrap();
        store
            .statuses_of(&["news"])
            .unwrap()
            .remove("news")
            .unwrap_or_default()
    };
    poll(&mut store, "/a");
    let rendered = Rendered {
        fingerprint: "settings".into(),
        items: 1,
        updated: Some(now),
    };
    let note = Note {
        section: "news",
        outcome: Outcome::Written { fallbacks: 0 },
        rendered: Some(&rendered),
        failures: 0,
        next_poll: now,
    };
    store.note(now.to_utc(), &[note]).unwrap();
    let status = poll(&mut store, "/a");
    assert_eq!(
        status.rendered.as_deref(),
        Some("settings"),
        "nothing changed"
    );
    assert_eq!((status.items, status.feed_updated), (1, Some(now)));
    assert_eq!(
        poll(&mut store, "/b").rendered,
        None,
        "a new item must be rendered"
    );
}

#[test]
fn reopening_keeps_history_and_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    {
        let mut store = Store::open_file(&path).unwrap();
        let now = at("2024-06-28T17:30:00+08:00");
        store
            .record("news", &[story("/a", "A", None)], &[], now, KEEP)
            .unwrap();
    }
    assert_eq!(
        Store::open_file(&path)
            .unwrap()
            .items("news", 10)
            .unwrap()
            .len(),
        1
    );
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    assert!(matches!(
        Store::open_file(&path),
        Err(StoreError::TooNew { found: 99, .. })
    ));
}

#[test]
fn one_section_that_cannot_be_recorded_leaves_the_others_committed() {
    let (dir, mut store) = open();
    Connection::open(dir.path().join("state/history.db"))
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON items WHEN NEW.section = 'broken'
             BEGIN SELECT RAISE(ABORT, 'refused'); END;",
        )
        .unwrap();
    let now = at("2024-06-28T17:30:00+08:00");
    let url = Url::parse("https://news.china.com/broken/").unwrap();
    let pages = [(
        url.clone(),
        Validators {
            etag: Some("\"1\"".into()),
            last_modified: None,
        },
    )];
    let news = [story("/a", "A", None), story("/b", "B", None)];
    let broken = [story("/x", "X", None)];
    let poll = |section, sightings| Poll {
        section,
        sightings,
        pages: &pages,
        now,
        prune: KEEP,
    };
    let mut batch = store.begin().unwrap();
    let results: Vec<_> = [
        poll("news", &news),
        poll("broken", &broken),
        poll("other", &news),
    ]
    .iter()
    .map(|poll| batch.record(poll))
    .collect();
    batch.commit().unwrap();
    assert_eq!(
        results[0].as_ref().unwrap(),
        &Changes { new: 2, updated: 0 }
    );
    assert!(crate::error_chain(results[1].as_ref().unwrap_err()).contains("refused"));
    assert_eq!(
        results[2].as_ref().unwrap(),
        &Changes { new: 2, updated: 0 }
    );
    assert_eq!(store.items("news", 10).unwrap().len(), 2);
    assert_eq!(store.items("other", 10).unwrap().len(), 2);
    assert_eq!(store.items("broken", 10).unwrap().len(), 0);
    assert_eq!(
        store.validators("broken", &url).unwrap(),
        None,
        "the failed section's validators are rolled back with its items"
    );
    assert!(store.validators("news", &url).unwrap().is_some());
}

/// A followed page that says exactly what the list said marks the item as read from its page,
/// so that it is not fetched again at every poll.
#[test]
fn an_article_page_equal_to_its_list_entry_is_not_followed_again() {
    let (_dir, mut store) = open();
    let now = at("2024-06-28T17:30:00+08:00");
    let listed = story("/a", "标题", None);
    store
        .record("news", std::slice::from_ref(&listed), &[], now, KEEP)
        .unwrap();
    let mut read = listed.clone();
    read.story.from_article = true;
    let recorded = store.record("news", &[read], &[], now, KEEP).unwrap();
    assert_eq!(
        recorded,
        Changes::default(),
        "nothing a reader sees changed"
    );
    let link = Url::parse("https://news.china.com/a").unwrap();
    let known = store.known("news", std::slice::from_ref(&link)).unwrap();
    assert!(known[link.as_str()].from_article);
    assert!(!crate::item::worth_following(
        known.get(link.as_str()),
        &listed
    ));
}

#[test]
fn statuses_and_the_earliest_poll_are_read_for_the_sections_asked() {
    let (_dir, mut store) = open();
    let at_hour = |hour: u32| at(&format!("2024-06-28T{hour:02}:00:00+08:00"));
    let notes = [("a", 10), ("b", 9), ("c", 11)].map(|(section, hour)| Note {
        section,
        outcome: Outcome::Written { fallbacks: 0 },
        rendered: None,
        failures: 0,
        next_poll: at_hour(hour),
    });
    store.note(chrono::Utc::now(), &notes).unwrap();
    let statuses = store.statuses_of(&["a", "c", "never"]).unwrap();
    let mut known: Vec<&str> = statuses.keys().map(String::as_str).collect();
    known.sort_unstable();
    assert_eq!(known, ["a", "c"]);
    assert_eq!(statuses["c"].next_poll, Some(at_hour(11)));
    let earliest = |store: &mut Store, sections: &[&str]| {
        store
            .earliest_poll(sections)
            .unwrap()
            .map(|at| at.fixed_offset())
    };
    assert_eq!(earliest(&mut store, &["a", "c"]), Some(at_hour(10)));
    assert_eq!(earliest(&mut store, &["a", "b", "c"]), Some(at_hour(9)));
    assert_eq!(
        earliest(&mut store, &["a", "never"]),
        None,
        "a section never polled is due now"
    );
}
