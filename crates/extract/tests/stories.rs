//! What a reader sees of a page, guarded fix by fix: each test holds the smallest page that
//! shows one of the traps real pages set (found on the corpus of `tests/fixtures/real`), and
//! checks what extraction makes of it.

use feedwright_extract::{Page, PageKind, TimeContext, Zone, extract};

const URL: &str = "https://news.example.com.cn/2024/0506/1001.html";

fn page(html: &str) -> Option<Page> {
    let url = URL.parse().unwrap();
    let now = "2024-06-01T00:00:00Z".parse().unwrap();
    extract(html, &url, &TimeContext::new(Zone::shanghai(), now))
}

fn titles(page: &Page) -> Vec<&str> {
    page.items.iter().map(|i| i.title.as_str()).collect()
}

/// An article page: a headline, a byline, `body` as its text, then `after`.
fn article(body: &str, after: &str) -> String {
    format!(
        r#"<html><head><title>多地出台措施支持新能源汽车消费_新闻频道_示例网</title></head><body>
        <div class="nav"><a href="/">首页</a><a href="/china/">国内</a><a href="/world/">国际</a></div>
        <h1>多地出台措施支持新能源汽车消费</h1>
        <div class="info">2024-05-06 09:05:20 来源：新华社</div>
        <div class="content">{body}</div>
        {after}</body></html>"#
    )
}

const PROSE: &str = "<p>记者从有关部门获悉，多地近日陆续出台措施支持新能源汽车消费，涉及购车补贴、充电设施建设和停车优惠等多个方面。</p><p>业内人士表示，相关措施有助于进一步释放消费潜力，推动汽车产业转型升级，各地还将根据实际情况及时公布实施细则。</p>";

const RELATED: &str = r#"<div class="xgxw"><h3>相关新闻</h3><ul>
    <li><a href="/2024/0505/0901.html">新能源汽车下乡活动启动 首批车型公布</a></li>
    <li><a href="/2024/0504/0877.html">充电桩建设提速 县域覆盖率明显提高</a></li>
    <li><a href="/2024/0503/0812.html">四月新能源汽车销量同比增长三成以上</a></li></ul></div>"#;

#[test]
fn footer_licences_and_service_links_are_not_items() {
    let footer = r#"<div class="links"><ul>
        <li><a href="https://beian.miit.gov.cn/">京ICP备12004265号-13</a></li>
        <li><a href="/about/license2024.html">互联网新闻信息服务许可证10120170001</a></li>
        <li><a href="http://www.12377.cn/">违法和不良信息举报中心举报电话</a></li>
        <li><a href="http://app.example.com.cn/download/20240101.html">下载示例新闻客户端</a></li></ul></div>"#;
    let found = page(&article(PROSE, &format!("{RELATED}{footer}"))).unwrap();
    assert_eq!(found.kind, PageKind::Article);
    assert_eq!(
        titles(&found),
        [
            "新能源汽车下乡活动启动 首批车型公布",
            "充电桩建设提速 县域覆盖率明显提高",
            "四月新能源汽车销量同比增长三成以上"
        ]
    );
}

#[test]
fn ranking_titles_lose_their_rank_and_their_counter() {
    let ranking = r#"<div class="rank"><h3>排行</h3><ul>
        <li><a href="/2024/0501/0101.html">1 . 台风登陆 多地停课停工 ( 48503 )</a></li>
        <li><a href="/2024/0501/0102.html">2 . 高温预警升级 注意防暑降温 ( 30211 )</a></li>
        <li><a href="/2024/0501/0103.html">3 . 地铁新线今日开通运营 ( 1207 )</a></li></ul></div>"#;
    let found = page(&article(PROSE, ranking)).unwrap();
    assert_eq!(
        titles(&found),
        [
            "台风登陆 多地停课停工",
            "高温预警升级 注意防暑降温",
            "地铁新线今日开通运营"
        ]
    );
}

#[test]
fn a_card_link_is_titled_by_its_headline_not_its_time_or_counters() {
    let cards: String = (1..=3)
        .map(|n| {
            format!(
                r#"<div><a href="/2024/0423/07{n}7.html"><img src="/i.jpg"><span>第{n}条财经新闻的标题在这里</span><span>04-23 07:3{n}</span><span>0</span><span>评</span></a></div>"#
            )
        })
        .collect();
    let found = page(&format!("<html><head><title>财经_示例网</title></head><body><div class=\"feed\">{cards}</div></body></html>")).unwrap();
    assert_eq!(found.kind, PageKind::List);
    assert_eq!(titles(&found)[0], "第1条财经新闻的标题在这里");
    assert!(
        found.items[0].published.is_some(),
        "the card's time is its item's"
    );
}

#[test]
fn a_brief_of_one_short_paragraph_is_an_article() {
    let found = page(&article(
        "<p>今天上午，本市首条无人驾驶公交线路开通。</p>",
        RELATED,
    ))
    .unwrap();
    assert_eq!(found.kind, PageKind::Article);
    assert_eq!(
        found.title.as_deref(),
        Some("多地出台措施支持新能源汽车消费")
    );
    assert_eq!(
        found.body_text.as_deref(),
        Some("今天上午，本市首条无人驾驶公交线路开通。")
    );
}

#[test]
fn a_video_page_with_a_player_and_a_caption_is_an_article() {
    let video = r#"<div class="player"><video src="/v/1001.mp4" poster="/v/1001.jpg"></video></div>
        <p class="caption">视频：新能源汽车展现场直击</p>"#;
    let found = page(&article(video, RELATED)).unwrap();
    assert_eq!(found.kind, PageKind::Article);
    assert!(
        found
            .body_text
            .unwrap_or_default()
            .contains("新能源汽车展现场直击")
    );
}

#[test]
fn a_paragraph_that_opens_with_a_notice_word_stays_in_the_body() {
    let body = format!(
        "{PROSE}<p>声明指出，各地应结合实际抓好落实，确保政策红利惠及广大消费者，相关部门将加强督促检查。</p><p>业内人士认为，这一系列举措将有效提振市场信心，促进消费持续回暖。</p>"
    );
    let found = page(&article(&body, RELATED)).unwrap();
    assert!(found.body_text.unwrap_or_default().contains("声明指出"));
    let notice = "<div><p>版权声明：本网所有内容，未经授权不得转载。</p></div>";
    let found = page(&article(PROSE, notice)).unwrap();
    assert!(!found.body_text.unwrap_or_default().contains("版权声明"));
}

#[test]
fn class_names_exclude_whole_words_not_substrings() {
    let html = article(PROSE, "").replace(
        r#"<div class="content">"#,
        r#"<div class="article-copy footnote-ready">"#,
    );
    let found = page(&html).unwrap();
    assert!(
        found
            .body_text
            .unwrap_or_default()
            .contains("记者从有关部门获悉")
    );
}

#[test]
fn related_news_inside_the_article_text_is_found_and_is_not_body() {
    let body = format!(
        r#"{PROSE}<p>延伸阅读：<a href="/2024/0401/0501.html">新能源汽车购置税减免政策延续</a></p>
        <p><a href="/2024/0402/0502.html">多地发放汽车消费券 最高补贴万元</a></p>
        <p><a href="/2024/0403/0503.html">二手车交易市场回暖 成交量创新高</a></p>"#
    );
    let found = page(&article(&body, "")).unwrap();
    assert_eq!(found.items.len(), 3, "{:?}", titles(&found));
    assert!(
        !found
            .body_text
            .unwrap_or_default()
            .contains("二手车交易市场回暖")
    );
}

#[test]
fn a_flat_list_of_links_between_line_breaks_is_a_list() {
    let flat = r#"<table><tr><td class="rel">相关报道<br>
        <font>v</font> <a href="/2005/0713/1680@2716681.htm">为同门兄弟让路 现代集团叫停上市活动</a> <font>2005-07-13 09:00</font><br>
        <font>v</font> <a href="/2005/0711/68@2714453.htm">国产新车全面进场 经销商喜上眉梢</a> <font>2005-07-11 15:02</font><br>
        <font>v</font> <a href="/2005/0711/1680@2713378.htm">同门兄弟下月上市 赛拉图跟谁赛</a> <font>2005-07-11 10:06</font><br>
        </td></tr></table>"#;
    let found = page(&article(PROSE, flat)).unwrap();
    assert_eq!(found.items.len(), 3, "{:?}", titles(&found));
}

#[test]
fn another_sites_bare_box_is_not_news_but_described_headlines_are() {
    let ads: String = (1..=4)
        .map(|n| format!(r#"<li><a href="http://cy.ads.example.net/content_17{n}6.htm">小本生意赚大钱第{n}招</a></li>"#))
        .collect();
    let found = page(&article(
        PROSE,
        &format!("{RELATED}<ul class=\"box\">{ads}</ul>"),
    ))
    .unwrap();
    assert_eq!(found.items.len(), 3, "{:?}", titles(&found));
    let digest: String = (1..=4)
        .map(|n| {
            format!(
                r#"<div class="item"><h2><a href="https://mp.other.example.org/s/Ab3dE{n}fG7hJ">第{n}家公司发布新一代大模型产品</a></h2><p>据介绍，该产品在推理能力和多模态理解上均有明显提升，已向开发者开放测试。</p></div>"#
            )
        })
        .collect();
    let found = page(&article(
        PROSE,
        &format!("{RELATED}<div class=\"news-list\">{digest}</div>"),
    ))
    .unwrap();
    assert_eq!(found.items.len(), 7, "{:?}", titles(&found));
}

#[test]
fn story_cards_around_a_short_article_are_not_its_body() {
    let cards: String = (1..=4)
        .map(|n| {
            format!(
                r#"<li><div>某某财经·{n} 小时前</div><h4><a href="/news/2024/0522/20{n}1.html">第{n}条推荐阅读的新闻标题</a></h4><p>这是第{n}条推荐新闻的摘要，它讲述了另一件事情的经过和各方的反应，读者可以点击阅读全文。</p></li>"#
            )
        })
        .collect();
    let html = article(
        &format!(
            "<p>路透调查显示，日本企业信心五月保持稳定。</p><h3>你可能还想看</h3><ul>{cards}</ul>"
        ),
        "",
    );
    let found = page(&html).unwrap();
    assert_eq!(found.kind, PageKind::Article);
    let body = found.body_text.unwrap_or_default();
    assert!(
        body.contains("日本企业信心") && !body.contains("推荐新闻的摘要"),
        "{body}"
    );
}

#[test]
fn a_front_page_titled_by_names_is_a_list() {
    let items: String = (1..=4)
        .map(|n| format!(r#"<li><a href="/zhongwen/articles/c{n}x9k2m7p{n}o">第{n}条头条新闻的标题在这里</a><p>这是第{n}条头条的摘要，讲述了事情的来龙去脉。</p></li>"#))
        .collect();
    let html = format!(
        r#"<html><head><title>主页 - BBC News 中文</title></head><body><h1>BBC News , 中文 - 主页</h1><ul>{items}</ul></body></html>"#
    );
    assert_eq!(page(&html).unwrap().kind, PageKind::List);
}

#[test]
fn a_headline_shown_as_the_whole_title_in_any_element_is_the_headline() {
    let html = format!(
        r#"<html><head><title>书记市长这一周 | 奋马扬鞭争春色</title></head><body>
        <div class="tit2">书记市长这一周 | 奋马扬鞭争春色</div><div class="time">2022-02-13 20:04:17</div>
        <div class="text">{PROSE}</div></body></html>"#
    );
    let found = page(&html).unwrap();
    assert_eq!(
        found.title.as_deref(),
        Some("书记市长这一周 | 奋马扬鞭争春色")
    );
    let html = format!(
        r#"<html><head><title>新闻动态--中国某某学会官网</title></head><body>
        <div class="logo"><h1>中国某某学会</h1></div><div class="menu"><a href="/a">首页</a><a href="/b">学会概况</a></div>
        <div class="x">{}</div>
        <div class="news"><h5>2019年学术年会在重庆成功举行！</h5><div class="ly">发布时间：2019-05-18</div>{PROSE}</div></body></html>"#,
        "学会简介 服务介绍 会员中心 学术交流 科普活动 ".repeat(100)
    );
    assert_eq!(
        page(&html).unwrap().title.as_deref(),
        Some("2019年学术年会在重庆成功举行！")
    );
}

#[test]
fn a_body_hidden_with_visibility_hidden_until_scripts_run_is_read() {
    let html = article(PROSE, "").replace(
        r#"<div class="content">"#,
        r#"<div class="content" style="visibility: hidden;">"#,
    );
    let found = page(&html).unwrap();
    assert_eq!(found.kind, PageKind::Article);
    assert!(
        found
            .body_text
            .unwrap_or_default()
            .contains("记者从有关部门获悉")
    );
}

#[test]
fn a_date_in_a_link_above_the_headline_is_not_the_byline() {
    let html = format!(
        r#"<html><head><title>播客热潮迅速蔓延_多维博客</title></head><body>
        <p><a href="/old/">查看旧版(2007年11月18号以前)</a></p>
        <p>Saturday, September 10th, 2005 10:56 am</p>
        <p><font size=5>播客热潮迅速蔓延</font></p>{PROSE}
        <ol class="commentlist"><li>好文章，赞同。(2006-12-24 03:45:27)</li></ol></body></html>"#
    );
    let found = page(&html).unwrap();
    assert_eq!(
        found.published.unwrap().to_rfc3339(),
        "2005-09-10T10:56:00+08:00"
    );
    assert!(!found.body_text.unwrap_or_default().contains("好文章"));
}

/// Four stories of the page's own site, undated, headlines all.
fn own_stories(class: &str) -> String {
    let items: String = [
        ("0421", "省级新能源汽车充电网络建设规划正式发布"),
        ("0422", "多地公交线路完成电动化改造 乘客出行更便捷"),
        ("0423", "一季度全省消费品零售总额同比增长百分之六"),
        ("0424", "城市更新行动计划出台 老旧小区改造提速"),
    ]
    .iter()
    .map(|(id, title)| format!(r#"<li><a href="/2024/0430/{id}.html">{title}</a></li>"#))
    .collect();
    format!(r#"<div class="{class}"><h3>热门阅读</h3><ul>{items}</ul></div>"#)
}

#[test]
fn a_sidebar_named_as_a_menu_that_holds_the_sites_headlines_is_a_list_of_stories() {
    let found = page(&article(PROSE, &own_stories("side-menu"))).unwrap();
    assert_eq!(found.kind, PageKind::Article);
    assert_eq!(found.items.len(), 4, "{:?}", titles(&found));
}

#[test]
fn an_advertising_slot_that_holds_the_sites_own_stories_is_a_list_of_stories() {
    let found = page(&article(PROSE, &own_stories("block-ad-2 layout-list"))).unwrap();
    assert_eq!(found.items.len(), 4, "{:?}", titles(&found));
    let elsewhere = own_stories("block-ad-2 layout-list")
        .replace("/2024/0430/", "https://shop.example.org/item/2024");
    let found = page(&article(PROSE, &elsewhere)).unwrap();
    assert!(found.items.is_empty(), "{:?}", titles(&found));
}

#[test]
fn a_page_wide_wrapper_named_as_a_menu_does_not_make_the_pages_lists_chrome() {
    let related = r#"<div class="xgxw"><h3>相关新闻</h3><ul>
        <li><a href="/2024/0505/0901.html">新能源汽车下乡启动</a></li>
        <li><a href="/2024/0504/0877.html">县域充电桩建设提速</a></li>
        <li><a href="/2024/0503/0812.html">四月新能源车销量增长</a></li></ul></div>"#;
    let html = article(PROSE, related)
        .replace("<body>", r#"<body><div class="menu-open">"#)
        .replace("</body>", "</div></body>");
    let found = page(&html).unwrap();
    assert_eq!(found.kind, PageKind::Article);
    assert_eq!(found.items.len(), 3, "{:?}", titles(&found));
}

#[test]
fn a_sites_name_over_its_slogan_is_no_article_but_a_short_headline_with_a_byline_is() {
    let stories: String = (1..=10)
        .map(|n| format!(r#"<li><a href="/2024/0430/04{n:02}.html">第{n}条本站新闻的标题在这里显示完整</a></li>"#))
        .collect();
    let front = format!(
        r#"<html><head><title>示例社区</title></head><body><h1>示例社区</h1><ul>{stories}</ul>
        <div class="intro"><p>示例社区是创意工作者们的社区，是一个分享自己正在做的有趣事物、交流想法的地方。</p>
        <p>在这里，你可以找到志同道合的朋友，讨论技术、设计和生活中的各种话题，也可以发布招聘与求职信息。</p></div></body></html>"#
    );
    let found = page(&front).unwrap();
    assert_eq!(found.kind, PageKind::List);
    assert_eq!(found.items.len(), 10, "{:?}", titles(&found));
    let brief = r#"<html><head><title>台风登陆_示例网</title></head><body>
        <h1>台风登陆</h1><div class="info">2024-05-06 09:05:20 来源：新华社</div>
        <div class="content"><p>今年第3号台风今天上午在沿海登陆，多地停课停工。</p></div></body></html>"#;
    let found = page(brief).unwrap();
    assert_eq!(found.kind, PageKind::Article);
    assert_eq!(found.title.as_deref(), Some("台风登陆"));
}

#[test]
fn a_caption_that_repeats_the_whole_title_gives_way_to_the_headline() {
    let html = format!(
        r#"<html><head><title>台风登陆 多地停课停工_图片频道_示例网</title></head><body>
        <div class="viewer"><img src="/p/1.jpg"><div class="caption">台风登陆 多地停课停工_图片频道_示例网</div></div>
        <h1>台风登陆 多地停课停工</h1><div class="info">2024-05-06 09:05:20 来源：新华社</div>
        <div class="content">{PROSE}</div></body></html>"#
    );
    let found = page(&html).unwrap();
    assert_eq!(found.title.as_deref(), Some("台风登陆 多地停课停工"));
}

#[test]
fn an_entry_titled_only_by_its_time_is_not_a_story() {
    let related = RELATED.replace(
        "</ul>",
        r#"<li><a href="/2024/0502/0799.html">2024-05-02 18:30</a></li></ul>"#,
    );
    let found = page(&article(PROSE, &related)).unwrap();
    assert_eq!(found.items.len(), 3, "{:?}", titles(&found));
}
