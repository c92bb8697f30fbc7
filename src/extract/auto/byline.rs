//! The byline: the publication time, the source and the author as the page shows them, read
//! from the text right after the headline (where nearly every template puts them), else from
//! the text right after the body.

use std::sync::LazyLock;

use regex::Regex;

use super::dom::Dom;

/// How much text after the headline is searched for the byline.
const WINDOW_CHARS: usize = 600;

/// A date with an optional time of day, as bylines write it: `2024-05-06 09:05:20`,
/// `2024年05月10日 00:26`, `2016年05月25日10:10`, `2022.01.20 16:31`, `2019 09/07 19:02`.
static DATE_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?P<y>(?:19|20)[0-9]{2}) \s* (?:[-/.年]|\s) \s* (?P<mo>[0-9]{1,2}) \s* [-/.月] \s*
        (?P<d>[0-9]{1,2}) (?:\s*日)?
        (?: [\s,，T]* (?P<h>[0-9]{1,2}) \s* [:：时] \s* (?P<mi>[0-9]{2})
            (?: \s* [:：分] \s* (?P<s>[0-9]{2}) )? )?",
    )
    .expect("static regex is valid")
});

/// `来源：新华社`, `来源: [ 人民网 ]`.
static SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:来源|来自|稿源|出处)\s*[：:]\s*[\[【]?\s*(?P<v>[^\s\]】|｜]{2,24})")
        .expect("static regex is valid")
});

/// `作者：张三`, `记者：李四`.
static AUTHOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:(?:作者|记者)\s*[：:]|文\s*[／/])\s*(?P<v>[^\s|｜]{2,16})")
        .expect("static regex is valid")
});

/// Labels that end a byline value glued to the next one (`来源：证券时报网作者：李在山`).
const NEXT_LABELS: [&str; 8] = [
    "作者", "编辑", "责任", "记者", "时间", "发布", "来源", "字号",
];

/// What a byline says.
#[derive(Debug, Default, Clone)]
pub struct Byline {
    /// The time, written `YYYY-MM-DD[ HH:MM[:SS]]` at the precision the page shows.
    pub published: Option<String>,
    pub source: Option<String>,
    pub author: Option<String>,
}

/// The visible text of the elements `texts[from..]`, up to `limit` characters.
fn window(dom: &Dom<'_>, from: usize, limit: usize) -> String {
    let mut text = String::new();
    let mut count = 0;
    for piece in &dom.texts[from.min(dom.texts.len())..] {
        text.push_str(piece.text);
        text.push(' ');
        count += piece.text.chars().count();
        if count >= limit {
            break;
        }
    }
    text
}

/// The byline found in the text after the text run `from`.
pub fn after(dom: &Dom<'_>, from: usize) -> Byline {
    read(&window(dom, from, WINDOW_CHARS))
}

/// The byline found in the text before the text run `to`.
pub fn before(dom: &Dom<'_>, to: usize) -> Byline {
    let mut start = to.min(dom.texts.len());
    let mut count = 0;
    while start > 0 && count < WINDOW_CHARS {
        start -= 1;
        count += dom.texts[start].text.chars().count();
    }
    read(&window(dom, start, count))
}

/// What a stretch of visible text says of time, source and author.
pub fn read(text: &str) -> Byline {
    Byline {
        published: first_time(text),
        source: labelled(&SOURCE, text),
        author: labelled(&AUTHOR, text),
    }
}

/// The first date in `text` that is not a calendar line (`2024年5月13日 星期一`), written
/// canonically.
pub fn first_time(text: &str) -> Option<String> {
    DATE_TIME.captures_iter(text).find_map(|caps| {
        let whole = caps.get(0)?;
        let after = text[whole.end()..].trim_start();
        if after.starts_with("星期") || after.starts_with("周") {
            return None;
        }
        let number = |name| caps.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
        let (y, mo, d) = (number("y")?, number("mo")?, number("d")?);
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
            return None;
        }
        let mut out = format!("{y:04}-{mo:02}-{d:02}");
        if let (Some(h), Some(mi)) = (number("h"), number("mi")) {
            if h > 23 || mi > 59 {
                return Some(out);
            }
            out.push_str(&format!(" {h:02}:{mi:02}"));
            if let Some(s) = number("s").filter(|s| *s <= 59) {
                out.push_str(&format!(":{s:02}"));
            }
        }
        Some(out)
    })
}

fn labelled(pattern: &Regex, text: &str) -> Option<String> {
    let value = pattern.captures(text)?.name("v")?.as_str();
    let cut = NEXT_LABELS
        .iter()
        .filter_map(|label| value.find(label))
        .filter(|&at| at > 0)
        .min()
        .unwrap_or(value.len());
    let value = value[..cut].trim_end_matches(['，', ',', '。']);
    // A value that starts with a time is no name (`来源：2024-05-13 …`).
    (value.chars().count() >= 2 && !value.starts_with(|c: char| c.is_ascii_digit()))
        .then(|| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byline_forms() {
        let cases = [
            ("2024-05-06 09:05:20  观察者网", "2024-05-06 09:05:20"),
            ("2024年05月10日 00:26 北京日报", "2024-05-10 00:26"),
            ("2016年05月25日10:10", "2016-05-25 10:10"),
            ("BUSINESS.SOHU.COM 2005年3月11日12:12", "2005-03-11 12:12"),
            ("2022.01.20 16:31", "2022-01-20 16:31"),
            ("2019 09/07 19:02", "2019-09-07 19:02"),
            (
                "2024年5月13日 星期一 今日要闻 2024-05-13 06:15",
                "2024-05-13 06:15",
            ),
            ("发稿时间：2022-02-12", "2022-02-12"),
        ];
        for (text, expected) in cases {
            assert_eq!(first_time(text).as_deref(), Some(expected), "{text}");
        }
        assert_eq!(first_time("第2024期 共13页"), None);
        let byline = read("2019-09-26 12:11来源：证券时报网作者：李在山");
        assert_eq!(byline.source.as_deref(), Some("证券时报网"));
        assert_eq!(byline.author.as_deref(), Some("李在山"));
        assert_eq!(read("来源：[ 人民网 ]").source.as_deref(), Some("人民网"));
    }
}
