//! Which lists are news: of the lists a page holds, those a reader wants as feed items. A
//! page's footer (licences, 举报, ICP), its menus, its advertising boxes and its partners'
//! links are lists too; they say what they are in their words (a licence number, `★` and `■`),
//! in the names of their containers (`footer`, `nav`, `ad`) or in where they lead (another
//! site, from a page whose own lists stay at home). A slot named for advertising that holds
//! the site's own stories is a layout's list, not an advertisement.

use super::dom::Dom;

/// Words of a footer's entries: licences, registrations, complaint centres, legal notices,
/// the site's own pages. None of them is a headline's.
const LEGAL_WORDS: [&str; 35] = [
    "ICP",
    "公网安备",
    "备案号",
    "经营许可证",
    "服务许可证",
    "节目许可证",
    "出版物经营",
    "营业执照",
    "举报中心",
    "举报电话",
    "举报专区",
    "违法和不良",
    "版权所有",
    "版权声明",
    "免责声明",
    "隐私政策",
    "Copyright",
    "联系我们",
    "关于我们",
    "广告服务",
    "网站地图",
    "服务条款",
    "用户协议",
    "自律公约",
    "版權所有",
    "版權聲明",
    "著作權聲明",
    "免責聲明",
    "隱私權政策",
    "聯絡我們",
    "關於我們",
    "廣告服務",
    "服務條款",
    "申訴專區",
    "申诉专区",
];

/// Words that open a short entry pointing at the site's services rather than a story.
const SERVICE_OPENINGS: [&str; 18] = [
    "下载",
    "注册",
    "登录",
    "进入",
    "返回",
    "更多",
    "查看",
    "点击查看",
    "点击进入",
    "订阅",
    "加入",
    "关注我们",
    "About",
    "下載",
    "註冊",
    "登入",
    "進入",
    "訂閱",
];

/// Entries this short may be a service's link (`下载客户端`); a headline that opens with
/// the same words (`注册制改革…`) is longer.
const MAX_SERVICE_CHARS: usize = 12;

/// Words inside an entry of a service: apps, mail, clients.
const SERVICE_WORDS: [&str; 6] = [
    "客户端",
    "邮箱",
    "APP下载",
    "App下载",
    "官网下载",
    "官網下載",
];

/// Marks that advertisements put around their words.
const AD_MARKS: [char; 9] = ['★', '☆', '■', '□', '●', '◆', '▲', '♥', '◎'];

/// Words of the class names and ids of the page's frame: its footer and menus.
const FRAME_NAMES: [&str; 11] = [
    "footer",
    "foot",
    "copyright",
    "nav",
    "navbar",
    "navigation",
    "menu",
    "breadcrumb",
    "crumb",
    "sitemap",
    "friendlink",
];

/// Words of the class names and ids of advertising slots.
const AD_NAMES: [&str; 9] = [
    "ad",
    "ads",
    "advert",
    "advertisement",
    "sponsor",
    "sponsored",
    "gg",
    "guanggao",
    "tuiguang",
];

/// A part of the page that is not its news.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chrome {
    /// The footer or a menu.
    Frame,
    /// An advertising slot.
    Advertising,
}

/// True when an entry's title says it is a footer's or a service's link.
pub fn is_service_title(title: &str) -> bool {
    let short = title.chars().count() <= MAX_SERVICE_CHARS;
    LEGAL_WORDS.iter().any(|w| title.contains(w))
        || SERVICE_WORDS.iter().any(|w| title.contains(w))
        || short && SERVICE_OPENINGS.iter().any(|w| title.starts_with(w))
}

/// True when an entry's title is a market quote (`美元指数 99.39 +0.43 +0.43%`): a name, a
/// price and a signed change.
pub fn is_quote(title: &str) -> bool {
    let words: Vec<&str> = title.split_whitespace().collect();
    let signed =
        |w: &&str| w.starts_with(['+', '-']) && w[1..].trim_end_matches('%').parse::<f64>().is_ok();
    words.len() >= 3 && words.iter().any(signed) && words[1].parse::<f64>().is_ok()
}

/// True when an entry's title is dressed as an advertisement.
pub fn is_ad_title(title: &str) -> bool {
    title.contains(AD_MARKS)
}

/// What the element `index` or one of its ancestors (short of the page's layout) is named as:
/// a footer or a menu, an advertising slot, or nothing of the kind.
pub fn chrome(dom: &Dom<'_>, index: usize) -> Option<Chrome> {
    let page_chars = dom.elements.first().map_or(0, |root| root.chars);
    let mut at = Some(index);
    while let Some(i) = at {
        let e = dom.elements[i].el.value();
        // An element that holds most of the page is its layout: its names are the page's
        // (`skinner-ads-enabled`), not a part's.
        if matches!(e.name(), "body" | "html") || dom.elements[i].chars * 2 >= page_chars {
            return None;
        }
        let words: Vec<String> = names(e).collect();
        let named = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
        if matches!(e.name(), "footer" | "nav") || named(&FRAME_NAMES) {
            return Some(Chrome::Frame);
        }
        if named(&AD_NAMES) {
            return Some(Chrome::Advertising);
        }
        at = dom.elements[i].parent;
    }
    None
}

/// The words of an element's class names and id: split at `-`, `_` and lower-to-upper case
/// changes, lowercased (`newsFooter` → `news`, `footer`).
pub fn names(e: &scraper::node::Element) -> impl Iterator<Item = String> + '_ {
    e.classes()
        .chain(e.id())
        .flat_map(|name| words(name).into_iter())
}

fn words(name: &str) -> Vec<String> {
    name.split(['-', '_', ' '])
        .filter(|segment| !segment.is_empty())
        .flat_map(camel_words)
        .collect()
}

/// The words of a camel-case segment (`newsFooter`, `adBox`); a segment whose capitals do
/// not each open a word (`AdPCY`, the hash of a CSS module) is one opaque word.
fn camel_words(segment: &str) -> Vec<String> {
    let chars: Vec<char> = segment.chars().collect();
    let camel = chars
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, c)| c.is_uppercase())
        .all(|(i, _)| chars.get(i + 1).is_some_and(|next| next.is_lowercase()));
    if !camel {
        return vec![segment.to_lowercase()];
    }
    let mut out = Vec::new();
    let mut word = String::new();
    for (i, c) in chars.iter().enumerate() {
        if i > 0 && c.is_uppercase() && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        word.extend(c.to_lowercase());
    }
    out.push(word);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_names_split_into_words() {
        assert_eq!(words("newsFooter"), ["news", "footer"]);
        assert_eq!(words("chan_footer-links"), ["chan", "footer", "links"]);
        assert_eq!(words("header"), ["header"]);
        assert_eq!(words("adBox"), ["ad", "box"]);
        assert_eq!(words("article-copy"), ["article", "copy"]);
        assert_eq!(words("index_content_AdPCY"), ["index", "content", "adpcy"]);
        assert_eq!(words("topNavBar"), ["top", "nav", "bar"]);
    }

    #[test]
    fn footer_and_service_titles() {
        assert!(is_service_title("京ICP备12004265号-13"));
        assert!(is_service_title("互联网新闻信息服务许可证10120170001"));
        assert!(is_service_title("下载网易新闻客户端"));
        assert!(is_service_title("注册VIP邮箱（特权邮箱，付费）"));
        assert!(!is_service_title("国务院常务会议部署稳就业举措"));
        assert!(!is_service_title("注册制改革全面落地 首批企业今日上市"));
        assert!(!is_service_title("男子举报违规排污获奖励"));
        assert!(is_ad_title("★★高血压--新纪元★★"));
        assert!(is_quote("美元指数 99.39 +0.43 +0.43%"));
        assert!(!is_quote("美股收盘：三大股指涨超2%"));
        assert!(is_service_title("查看回复 1"));
        assert!(!is_ad_title("“续命”空调不制冷 真的需要加氟吗？"));
    }
}
