//! The byline: the publication time, the source and the author as the page shows them, read
//! from the text right after the headline (where nearly every template puts them), else from
//! the text right after the body.

use super::dom::Dom;
use crate::time::{MERIDIEMS, on_24_hour_clock};

/// How much text after the headline is searched for the byline.
const WINDOW_CHARS: usize = 600;

/// How much text right before the headline is searched for a date shown above it.
const JUST_BEFORE_CHARS: usize = 120;

/// Labels of a source: `来源：新华社`, `来源: [ 人民网 ]`.
const SOURCE_LABELS: [&str; 4] = ["来源", "来自", "稿源", "出处"];
/// Labels of an author: `作者：张三`, `记者：李四`.
const AUTHOR_LABELS: [&str; 2] = ["作者", "记者"];

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

/// The visible text of the runs `texts[from..to]`, up to `limit` characters.
fn window(dom: &Dom<'_>, from: usize, to: usize, limit: usize) -> String {
    let mut text = String::new();
    let mut count = 0;
    let to = to.min(dom.texts.len());
    for piece in &dom.texts[from.min(to)..to] {
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
    between(dom, from, dom.texts.len())
}

/// The byline found in the text runs `from..to`.
pub fn between(dom: &Dom<'_>, from: usize, to: usize) -> Byline {
    read(&window(dom, from, to, WINDOW_CHARS))
}

/// The byline found in the text before the text run `to`.
pub fn before(dom: &Dom<'_>, to: usize) -> Byline {
    before_within(dom, to, WINDOW_CHARS)
}

/// The byline found in the few lines before the text run `to`.
pub fn just_before(dom: &Dom<'_>, to: usize) -> Byline {
    before_within(dom, to, JUST_BEFORE_CHARS)
}

/// The byline found in the text runs before `to`, up to `limit` characters back.
fn before_within(dom: &Dom<'_>, to: usize, limit: usize) -> Byline {
    let mut start = to.min(dom.texts.len());
    let mut count = 0;
    while start > 0 && count < limit {
        start -= 1;
        count += dom.texts[start].text.chars().count();
    }
    let text = window(dom, start, to, count);
    // A date in a link there (`查看旧版(2007年11月18号以前)`) leads elsewhere.
    let unlinked: String = dom.texts[start..to.min(dom.texts.len())]
        .iter()
        .filter(|piece| !piece.in_link)
        .map(|piece| piece.text)
        .collect::<Vec<_>>()
        .join(" ");
    Byline {
        published: last_time(&unlinked),
        ..read(&text)
    }
}

/// The last date in `text`: of the dates before a headline, the one nearest to it.
fn last_time(text: &str) -> Option<String> {
    dates(text).last()
}

/// What a stretch of visible text says of time, source and author.
pub fn read(text: &str) -> Byline {
    Byline {
        published: first_time(text),
        source: labelled(&SOURCE_LABELS, text),
        author: labelled(&AUTHOR_LABELS, text),
    }
}

/// The first date in `text` that is not a calendar line (`2024年5月13日 星期一`), written
/// canonically: `YYYY-MM-DD[ HH:MM[:SS]]`. Dates are read as bylines write them:
/// `2024-05-06 09:05:20`, `2024年05月10日 00:26`, `2016年05月25日10:10`, `2022.01.20 16:31`,
/// `2019 09/07 19:02`.
pub fn first_time(text: &str) -> Option<String> {
    dates(text).next()
}

/// Every date of `text` that is not a calendar line, in order, canonical.
fn dates(text: &str) -> impl Iterator<Item = String> {
    let chars: Vec<char> = text.chars().collect();
    let mut start = 0;
    std::iter::from_fn(move || {
        while start < chars.len() {
            let at = start;
            start += 1;
            let after = |test: fn(&char) -> bool| at == 0 || !test(&chars[at - 1]);
            let found = if chars[at].is_ascii_digit() && after(char::is_ascii_digit) {
                date_at(&chars, at)
            } else if chars[at].is_ascii_alphabetic() && after(char::is_ascii_alphabetic) {
                english_date_at(&chars, at)
            } else {
                None
            };
            let Some((date, end)) = found else {
                continue;
            };
            let rest: String = chars[end..].iter().take(8).collect();
            let rest = rest.trim_start();
            // A date that a comma follows starts a sentence (`2025年2月9日，她…`), not a
            // byline.
            let in_sentence = rest.starts_with(['，', ',']);
            let weekday = WEEKDAY_WORDS.iter().any(|w| rest.starts_with(w))
                || rest.starts_with("(星期")
                || rest.starts_with("（星期");
            if !weekday && !in_sentence {
                start = end;
                return Some(date);
            }
        }
        None
    })
}

/// Labels of a publication time: `发布日期：2019-03-06`, `时间：2019-09-24 17:08`.
const TIME_LABELS: [&str; 3] = ["日期", "时间", "发布于"];

/// The first labelled time anywhere on the page outside the article's paragraphs: the last
/// resort of a page that shows its time neither near the headline nor right after the body.
pub fn labelled_time(dom: &Dom<'_>) -> Option<String> {
    let text: String = (0..dom.texts.len())
        .filter(|&t| !dom.elements[dom.block_of(t)].paragraph)
        .map(|t| dom.texts[t].text)
        .collect::<Vec<_>>()
        .join(" ");
    let chars: Vec<char> = text.chars().collect();
    let labels: Vec<Vec<char>> = TIME_LABELS.iter().map(|l| l.chars().collect()).collect();
    (0..chars.len()).find_map(|at| {
        let label = labels.iter().find(|l| chars[at..].starts_with(l))?;
        let mut scan = Scan {
            chars: &chars,
            at: at + label.len(),
        };
        scan.spaces();
        scan.one_of(&['：', ':']);
        scan.spaces();
        date_at(&chars, scan.at).map(|(date, _)| date)
    })
}

/// A cursor over characters.
struct Scan<'a> {
    chars: &'a [char],
    at: usize,
}

impl Scan<'_> {
    /// Moves past the characters that pass `test`.
    fn skip(&mut self, test: impl Fn(char) -> bool) {
        while self.chars.get(self.at).is_some_and(|&c| test(c)) {
            self.at += 1;
        }
    }

    fn spaces(&mut self) {
        self.skip(char::is_whitespace);
    }

    /// A number of `min..=max` ASCII digits.
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.at;
        while self.at - start < max && self.chars.get(self.at).is_some_and(char::is_ascii_digit) {
            self.at += 1;
        }
        let digits = self.at - start;
        if digits < min || self.chars.get(self.at).is_some_and(char::is_ascii_digit) {
            self.at = start;
            return None;
        }
        self.chars[start..self.at]
            .iter()
            .try_fold(0u32, |n, c| Some(n * 10 + c.to_digit(10)?))
    }

    /// One of `options`, after optional spaces.
    fn one_of(&mut self, options: &[char]) -> Option<char> {
        let save = self.at;
        self.spaces();
        match self.chars.get(self.at) {
            Some(c) if options.contains(c) => {
                self.at += 1;
                Some(*c)
            }
            _ => {
                self.at = save;
                None
            }
        }
    }
}

/// The date (and time) starting at `start`, canonical, and where it ends.
fn date_at(chars: &[char], start: usize) -> Option<(String, usize)> {
    let mut scan = Scan { chars, at: start };
    let year = scan.number(4, 4).filter(|y| (1900..2100).contains(y))?;
    // A space may stand between year and month only before `MM/DD`.
    let separator = scan.one_of(&['-', '/', '.', '年']).or_else(|| {
        let save = scan.at;
        scan.spaces();
        (scan.at > save).then_some(' ')
    })?;
    scan.spaces();
    let month = scan.number(1, 2).filter(|m| (1..=12).contains(m))?;
    let between = scan.one_of(&['-', '/', '.', '月'])?;
    if separator == ' ' && between != '/' {
        return None;
    }
    scan.spaces();
    let day = scan.number(1, 2).filter(|d| (1..=31).contains(d))?;
    scan.one_of(&['日']);
    let mut out = format!("{year:04}-{month:02}-{day:02}");
    let date_end = scan.at;
    let save = scan.at;
    scan.skip(|c| c.is_whitespace() || matches!(c, ',' | '，' | 'T'));
    skip_weekday(&mut scan);
    // `2012年12月10日, 格林尼治标准时间10:41`: a GMT time on a Chinese page.
    let utc = skip_words(&mut scan, &["格林尼治标准时间", "格林威治时间", "GMT"]);
    if !utc {
        skip_words(&mut scan, &["北京时间", "北京時間"]);
    }
    let time = (|| {
        let meridiem = MERIDIEMS.into_iter().find(|w| skip_words(&mut scan, &[w]));
        let hour = scan.number(1, 2).filter(|h| *h <= 23)?;
        let hour = on_24_hour_clock(meridiem, hour);
        scan.one_of(&[':', '：', '时', '時'])?;
        scan.spaces();
        let minute = scan.number(2, 2).filter(|m| *m <= 59)?;
        let mut time = format!(" {hour:02}:{minute:02}");
        let before_seconds = scan.at;
        let seconds = scan
            .one_of(&[':', '：', '分'])
            .and_then(|_| {
                scan.spaces();
                scan.number(2, 2)
            })
            .filter(|s| *s <= 59);
        match seconds {
            Some(s) => time.push_str(&format!(":{s:02}")),
            None => scan.at = before_seconds,
        }
        Some(time)
    })();
    match time {
        Some(time) => {
            out.push_str(&time);
            if utc {
                out.push_str(" +00:00");
            }
        }
        None => scan.at = save.max(date_end),
    }
    Some((out, scan.at))
}

/// English month names, as bylines of blogs and of pages in English templates write them
/// (`September 10th, 2005 10:56 am`, `Sep 10, 2005`).
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// An English date starting with its month's name at `start` (`September 10th, 2005`, with
/// an optional `10:56 am`), canonical, and where it ends.
fn english_date_at(chars: &[char], start: usize) -> Option<(String, usize)> {
    let word: String = chars[start..]
        .iter()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_lowercase();
    let month = MONTHS.iter().position(|name| {
        word.len() >= 3 && name.starts_with(&word) && (word.len() == 3 || word == *name)
    })? as u32
        + 1;
    let mut scan = Scan {
        chars,
        at: start + word.len(),
    };
    scan.one_of(&['.']);
    scan.spaces();
    let day = scan.number(1, 2).filter(|d| (1..=31).contains(d))?;
    let suffix: String = chars[scan.at..]
        .iter()
        .take(2)
        .collect::<String>()
        .to_ascii_lowercase();
    if ["st", "nd", "rd", "th"].contains(&suffix.as_str()) {
        scan.at += 2;
    }
    scan.one_of(&[',']);
    scan.spaces();
    let year = scan.number(4, 4).filter(|y| (1900..2100).contains(y))?;
    let mut out = format!("{year:04}-{month:02}-{day:02}");
    let date_end = scan.at;
    scan.skip(|c| c.is_whitespace() || matches!(c, ',' | '@' | '\u{a0}'));
    skip_words(&mut scan, &["at "]);
    let time = (|| {
        let hour = scan.number(1, 2).filter(|h| *h <= 23)?;
        scan.one_of(&[':'])?;
        let minute = scan.number(2, 2).filter(|m| *m <= 59)?;
        scan.spaces();
        let half: String = chars[scan.at..]
            .iter()
            .take(2)
            .collect::<String>()
            .to_ascii_lowercase();
        let hour = match half.as_str() {
            "pm" if hour < 12 => hour + 12,
            "am" if hour == 12 => 0,
            _ => hour,
        };
        Some(format!(" {hour:02}:{minute:02}"))
    })();
    match time {
        Some(time) => out.push_str(&time),
        None => scan.at = date_end,
    }
    Some((out, scan.at))
}

/// Words that name a day of the week, before the day (`星期日`, `週三`).
const WEEKDAY_WORDS: [&str; 5] = ["星期", "礼拜", "禮拜", "週", "周"];

/// The day of the week a date may carry before its time, in brackets or not: `星期日`,
/// `礼拜一`, `週三`, `周五`, `(日)`.
fn skip_weekday(scan: &mut Scan<'_>) {
    let save = scan.at;
    let open = scan.one_of(&['(', '（']).is_some();
    scan.spaces();
    let named = skip_words(scan, &WEEKDAY_WORDS);
    let day = scan
        .one_of(&['一', '二', '三', '四', '五', '六', '日', '天'])
        .is_some();
    let close = scan.one_of(&[')', '）']).is_some();
    // A bare `日` or `一` is a weekday only in brackets.
    if day && (named || open && close) && open == close {
        scan.skip(|c| c.is_whitespace() || matches!(c, ',' | '，'));
    } else {
        scan.at = save;
    }
}

/// Skips one of `words` (and the spaces after it) at the cursor; true when one was there.
fn skip_words(scan: &mut Scan<'_>, words: &[&str]) -> bool {
    let rest = &scan.chars[scan.at.min(scan.chars.len())..];
    let found = words.iter().find(|word| {
        let word: Vec<char> = word.chars().collect();
        rest.starts_with(&word)
    });
    if let Some(word) = found {
        scan.at += word.chars().count();
        scan.spaces();
    }
    found.is_some()
}

/// The value after the first of `labels` followed by `：` or `:` (`来源：新华社`), cut at the
/// next label of another field.
fn labelled(labels: &[&str], text: &str) -> Option<String> {
    let (at, label) = labels
        .iter()
        .filter_map(|label| {
            text.find(&format!("{label}："))
                .or_else(|| text.find(&format!("{label}:")))
                .map(|at| (at, *label))
        })
        .min()?;
    let rest = text[at + label.len()..]
        .trim_start_matches([':', '：'])
        .trim_start()
        .trim_start_matches(['[', '【'])
        .trim_start();
    let value: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ']' | '】' | '|' | '｜'))
        .take(24)
        .collect();
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
            (
                "2012年12月10日, 格林尼治标准时间10:41",
                "2012-12-10 10:41 +00:00",
            ),
            ("2024年5月13日 北京时间 09:30", "2024-05-13 09:30"),
            (
                "2025年2月9日，莉娜在家中去世。 2025年4月22日 08:12",
                "2025-04-22 08:12",
            ),
            (
                "Saturday, September 10th, 2005 \u{a0} 10:56 am",
                "2005-09-10 10:56",
            ),
            ("Posted on Sep 3, 2019 at 9:05 pm", "2019-09-03 21:05"),
            ("March 1st, 2021", "2021-03-01"),
            ("2020年5月3日 下午3時05分", "2020-05-03 15:05"),
            ("2020年5月3日 星期日 15:05", "2020-05-03 15:05"),
            ("2020年05月03日(星期日) 上午11:05", "2020-05-03 11:05"),
            ("2020/05/03 (日) 15:05", "2020-05-03 15:05"),
            ("2020年5月3日 週日 中午12:30", "2020-05-03 12:30"),
            ("2020年5月3日 凌晨12:10", "2020-05-03 00:10"),
            ("2020年5月3日 日本首相", "2020-05-03"),
        ];
        for (text, expected) in cases {
            assert_eq!(first_time(text).as_deref(), Some(expected), "{text}");
        }
        assert_eq!(first_time("第2024期 共13页"), None);
        for calendar in [
            "2020年5月3日 星期日",
            "2020年5月3日 週日",
            "2020年5月3日（星期日）",
        ] {
            assert_eq!(first_time(calendar), None, "{calendar}");
        }
        assert_eq!(first_time("You may 3 times a day"), None);
        let byline = read("2019-09-26 12:11来源：证券时报网作者：李在山");
        assert_eq!(byline.source.as_deref(), Some("证券时报网"));
        assert_eq!(byline.author.as_deref(), Some("李在山"));
        assert_eq!(read("来源：[ 人民网 ]").source.as_deref(), Some("人民网"));
    }
}
