//! Hostile pages: what extraction makes of shapes built to slow it down or mislead it. Their
//! cost is measured by `cargo bench --bench hostile`; here, what a reader gets.

use feedwright_extract::{Page, PageKind, TimeContext, Zone, extract};

const URL: &str = "https://news.example.com.cn/2024/0506/1001.html";

fn page(html: &str) -> Option<Page> {
    let url = URL.parse().unwrap();
    let now = "2024-06-01T00:00:00Z".parse().unwrap();
    extract(html, &url, &TimeContext::new(Zone::shanghai(), now))
}

const HEADLINE: &str = "上半年经济运行总体平稳";

/// A headline, a byline and eight paragraphs.
fn article() -> String {
    let paragraph =
        "<p>国务院新闻办公室今天举行发布会，介绍上半年经济运行情况，有关负责人回答了记者提问。</p>";
    format!(
        r#"<div class="article"><h1>{HEADLINE}</h1><div class="info">2024-05-06 09:05:20 来源：新华社</div>{}</div>"#,
        paragraph.repeat(8)
    )
}

fn assert_article(page: Option<Page>) {
    let page = page.expect("the article is found");
    assert_eq!(page.kind, PageKind::Article);
    assert_eq!(page.title.as_deref(), Some(HEADLINE));
    let body = page.body_text.expect("a body");
    assert!(body.contains("有关负责人回答了记者提问"), "{body}");
}

#[test]
fn the_article_after_a_script_of_thousands_of_comparisons_is_found() {
    let script: String = (0..5000)
        .map(|i| format!("if (i<n{i}) {{ i++; }}\n"))
        .collect();
    let html = format!(
        "<html><head><title>{HEADLINE}_新闻</title><script>{script}</script></head><body>{}</body></html>",
        article()
    );
    assert_article(page(&html));
}

#[test]
fn the_article_before_a_hundred_thousand_nested_elements_is_found() {
    let html = format!(
        "<html><head><title>{HEADLINE}_新闻</title></head><body>{}{}</body></html>",
        article(),
        "<div><span>".repeat(100_000)
    );
    assert_article(page(&html));
}

#[test]
fn the_article_before_paragraphs_deep_down_is_found() {
    let html = format!(
        "<html><head><title>{HEADLINE}_新闻</title></head><body>{}{}{}</body></html>",
        article(),
        "<div>".repeat(4000),
        "<p>x</p><span>y</span>".repeat(100_000)
    );
    assert_article(page(&html));
}

#[test]
fn a_title_of_200000_characters_is_no_headline() {
    let html = format!(
        "<html><head><title>{}</title></head><body><h1>{}</h1><div>2024-05-06 09:05:20</div>{}</body></html>",
        "新闻标题很长".repeat(33_334),
        "新闻标题很长".repeat(33_334),
        "<p>国务院新闻办公室今天举行发布会，介绍上半年经济运行情况。</p>".repeat(8)
    );
    if let Some(title) = page(&html).and_then(|page| page.title) {
        assert!(
            title.chars().count() <= 1000,
            "a headline of {} characters",
            title.chars().count()
        );
    }
}
