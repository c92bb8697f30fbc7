//! A synthetic china.com-shaped site of any size, for the benchmarks and the tests of many
//! sections: channel pages of dated entries, and article pages with a body and a hot list.
//! Every page is a pure function of its section and entry numbers, so two runs over the same
//! site see the same items.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::Resource;

/// The site's shape.
#[derive(Debug, Clone, Copy)]
pub struct Synthetic {
    pub sections: usize,
    /// Entries per channel page.
    pub entries: usize,
    /// Entries per channel page that are articles on the site's own host.
    pub follow: usize,
    /// The start pages are articles whose hot list holds the entries, instead of channel
    /// pages.
    pub articles: bool,
}

const PARAGRAPH: &str = "美国驻北约大使朱莉安·史密斯于5月3日在接受日本广播协会（NHK）的线上专访时，澄清了有关北约计划在日本设立办事处的传言。她表示当前并未考虑开设办事处，而是专注于其他更为实际的合作措施。";

fn header(title: &str) -> String {
    let nav: String = (0..30)
        .map(|i| format!(r#"<li><a href="/channel{i}/">频道{i}</a></li>"#))
        .collect();
    format!(
        r#"<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}_新闻频道_中华网</title>
<link rel="stylesheet" href="/css/news.css"><script>var _hmt=_hmt||[];(function(){{var hm=document.createElement("script");hm.src="https://hm.example/hm.js";}})();</script></head>
<body><div class="chan_header"><a class="logo" href="https://www.china.com/">中华网 china.com</a><ul class="nav">{nav}</ul></div>"#
    )
}

fn footer() -> String {
    let links: String = (0..40)
        .map(|i| format!(r#"<a href="/about/{i}.html">关于我们{i}</a> "#))
        .collect();
    format!(r#"<div class="footer">{links}<p>Copyright &copy; 中华网</p></div></body></html>"#)
}

fn time(section: usize, entry: usize) -> String {
    let minutes = (section * 7 + entry * 13) % 1440;
    format!(
        "2024-06-28 {:02}:{:02}:{:02}",
        minutes / 60,
        minutes % 60,
        (section + entry) % 60
    )
}

fn entry(href: &str, title: &str, time: &str) -> String {
    format!(
        r#"<li><h3 class="item_title"><a href="{href}" target="_blank">{title}</a></h3><div class="item_info"><a href="{href}" class="item_short">{title}</a><em class="item_time">{time}</em></div></li>"#
    )
}

/// An article page: its headline, time, a body of eight paragraphs and a lazy image, and a hot
/// list of `hot` entries.
fn article_page(title: &str, time: &str, image: &str, hot: &str) -> String {
    let body: String = (0..8).map(|p| format!("<p>{PARAGRAPH}{p}</p>")).collect();
    format!(
        r#"{}<h1 id="chan_newsTitle">{title}</h1>
<div id="chan_newsInfo"><div class="chan_newsInfo_link">关键词：</div>{time}&nbsp;&nbsp;<span class="chan_newsInfo_source"><a href="https://www.guancha.cn/">观察者网</a></span></div>
<div id="chan_newsDetail">{body}<p><img src="/p.gif" data-original="{image}"></p><p>（责任编辑：卢其龙 CN070）</p></div>
<div class="chan_hot"><ul class="item_list">{hot}</ul></div>{}"#,
        header("文章"),
        footer()
    )
}

impl Synthetic {
    /// The site's pages: per section a channel page whose first `follow` entries are articles
    /// on this host (followed) and the others on `other_host` (listed only).
    pub fn pages(&self, other_host: &str) -> HashMap<String, Resource> {
        let options = self;
        let mut pages = HashMap::new();
        for s in 0..options.sections {
            let entries: String = (0..options.entries)
                .map(|e| {
                    let href = if e < options.follow {
                        format!("/s{s}/a{e}.html")
                    } else {
                        format!("{other_host}/s{s}/a{e}.html")
                    };
                    entry(
                        &href,
                        &format!("第{s}频道新闻{e}：北约暂未考虑在日设办事处"),
                        &time(s, e),
                    )
                })
                .collect();
            let start = if options.articles {
                article_page(
                    &format!("第{s}频道要闻：北约暂未考虑在日设办事处"),
                    &time(s, 0),
                    &format!("/img/{s}/start.jpg"),
                    &entries,
                )
            } else {
                format!(
                    r#"{}<div class="wp_title">频道{s}</div><ul class="item_list">{entries}</ul>{}"#,
                    header(&format!("频道{s}")),
                    footer()
                )
            };
            pages.insert(format!("/s{s}/"), Resource::html(start));
            for e in 0..options.follow {
                let hot: String = (0..10)
                    .map(|h| {
                        entry(
                            &format!("/hot/{h}.html"),
                            &format!("热点新闻{h}"),
                            &time(s, h),
                        )
                    })
                    .collect();
                let article = article_page(
                    &format!("第{s}频道新闻{e}：北约暂未考虑在日设办事处"),
                    &time(s, e),
                    &format!("/img/{s}/{e}.jpg"),
                    &hot,
                );
                pages.insert(format!("/s{s}/a{e}.html"), Resource::html(article));
            }
        }
        pages
    }

    /// A feedwright configuration of every section of the site at `base`, with selectors;
    /// `follow` follows the list entries on the site's host.
    pub fn config(&self, base: &str, follow: bool) -> String {
        let options = self;
        let mut yaml = format!(
            r##"fetch: {{ per_host_delay: 0ms, retries: 0, concurrency: 4 }}
sites:
  - id: bench
    title: 中华网
    article:
      title: "h1#chan_newsTitle"
      published: "#chan_newsInfo"
      source: ".chan_newsInfo_source"
      body: "#chan_newsDetail"
    related: {{ item: ".item_list li", title: "h3.item_title a", link: "h3.item_title a", published: ".item_time" }}
    follow: {follow}
    sections:
"##
        );
        for s in 0..options.sections {
            let _ = writeln!(
                yaml,
                "      - {{ id: s{s}, title: 频道{s}, urls: [\"{base}/s{s}/\"] }}"
            );
        }
        yaml
    }
}
