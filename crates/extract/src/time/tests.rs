use super::*;

/// 2024-06-28 17:30:00 in Beijing.
const AFTERNOON: &str = "2024-06-28T09:30:00Z";
/// 2024-06-28 00:05:00 in Beijing: `昨天` is the 27th, and year-less dates bite.
const JUST_AFTER_MIDNIGHT: &str = "2024-06-27T16:05:00Z";
/// 2025-01-01 00:10:00 in Beijing: a year-less `12月31日` is last year's.
const NEW_YEAR: &str = "2024-12-31T16:10:00Z";

fn ctx(now: &str) -> TimeContext<'static> {
    TimeContext {
        tz: Zone::shanghai(),
        now: now.parse().unwrap(),
        format: None,
    }
}

fn utc(text: &str, now: &str) -> Result<String, TimeError> {
    parse(text, &ctx(now)).map(|at| at.with_timezone(&Utc).to_rfc3339())
}

#[track_caller]
fn check(rows: &[(&str, &str)], now: &str) {
    for (text, expected) in rows {
        let got = utc(text, now);
        assert_eq!(got.as_deref(), Ok(*expected), "{text:?} with now = {now}");
    }
}

#[test]
fn absolute_forms() {
    check(
        &[
            ("2024-05-06 09:05:20", "2024-05-06T01:05:20+00:00"),
            ("2024-05-06 09:05", "2024-05-06T01:05:00+00:00"),
            ("2024-5-6 9:05", "2024-05-06T01:05:00+00:00"),
            ("2024/05/06 09:05:20", "2024-05-06T01:05:20+00:00"),
            ("2019.12.10 07:57", "2019-12-09T23:57:00+00:00"),
            ("19.12.10 07:57", "2019-12-09T23:57:00+00:00"),
            ("2019年11月25日 18:57", "2019-11-25T10:57:00+00:00"),
            ("2019年06月15日08:18", "2019-06-15T00:18:00+00:00"),
            ("2019年6月5日 8时18分", "2019-06-05T00:18:00+00:00"),
            ("2024年5月6日 下午3:05", "2024-05-06T07:05:00+00:00"),
            ("2024年5月6日 下午3時05分", "2024-05-06T07:05:00+00:00"),
            ("2024年5月6日 星期一 15:05", "2024-05-06T07:05:00+00:00"),
            (
                "2024年05月06日(星期一) 上午11:05",
                "2024-05-06T03:05:00+00:00",
            ),
            ("2024/05/06 (一) 15:05", "2024-05-06T07:05:00+00:00"),
            ("2024年5月6日 週一 清晨6:05", "2024-05-05T22:05:00+00:00"),
            ("2024-05-06", "2024-05-05T16:00:00+00:00"),
            ("2024年5月6日", "2024-05-05T16:00:00+00:00"),
            ("2019-11-25T18:57:38", "2019-11-25T10:57:38+00:00"),
        ],
        AFTERNOON,
    );
}

#[test]
fn noise_around_the_time() {
    check(
        &[
            (
                "关键词： 2024-05-06 09:05:20\u{a0}\u{a0}观察者网",
                "2024-05-06T01:05:20+00:00",
            ),
            (
                "2024-05-06&nbsp;09:05:20&nbsp;&nbsp;来源：观察者网",
                "2024-05-06T01:05:20+00:00",
            ),
            (
                "来源:新华社\u{3000}2024-05-06 09:05",
                "2024-05-06T01:05:00+00:00",
            ),
            (
                "发布时间：2024-05-06 09:05:20 参与评论(12)人",
                "2024-05-06T01:05:20+00:00",
            ),
            ("WPS崩了2024-06-28 17:08:27", "2024-06-28T09:08:27+00:00"),
        ],
        AFTERNOON,
    );
}

#[test]
fn machine_forms_keep_their_offset() {
    let at = parse("2019-11-25T18:57:38+08:00", &ctx(AFTERNOON)).unwrap();
    assert_eq!(at.to_rfc3339(), "2019-11-25T18:57:38+08:00");
    check(
        &[
            ("2019-11-25T10:57:38Z", "2019-11-25T10:57:38+00:00"),
            ("2019-11-25T18:57:38.123+0800", "2019-11-25T10:57:38+00:00"),
            (
                "Mon, 06 May 2024 09:05:20 +0800",
                "2024-05-06T01:05:20+00:00",
            ),
            ("6 May 2024 01:05:20 GMT", "2024-05-06T01:05:20+00:00"),
            ("1714957520", "2024-05-06T01:05:20+00:00"),
            ("1714957520000", "2024-05-06T01:05:20+00:00"),
        ],
        AFTERNOON,
    );
}

#[test]
fn naive_times_take_the_zone_offset() {
    let at = parse("2024-05-06 09:05:20", &ctx(AFTERNOON)).unwrap();
    assert_eq!(at.to_rfc3339(), "2024-05-06T09:05:20+08:00");
    let new_york = TimeContext {
        tz: Zone::named("America/New_York").unwrap(),
        ..ctx(NEW_YEAR)
    };
    let at = parse("2024-03-10 02:30", &new_york).unwrap();
    assert_eq!(
        at.to_rfc3339(),
        "2024-03-10T03:00:00-04:00",
        "a time in the DST gap moves forward"
    );
    let at = parse("2024-11-03 01:30", &new_york).unwrap();
    assert_eq!(
        at.to_rfc3339(),
        "2024-11-03T01:30:00-04:00",
        "an ambiguous time is the earlier one"
    );
}

#[test]
fn us_order() {
    check(
        &[("05/06/2024 09:05:20", "2024-05-06T01:05:20+00:00")],
        AFTERNOON,
    );
}

#[test]
fn year_less_forms() {
    check(
        &[
            ("5月6日 09:05", "2024-05-06T01:05:00+00:00"),
            ("06-28 09:10", "2024-06-28T01:10:00+00:00"),
            ("6月29日 12:00", "2024-06-29T04:00:00+00:00"),
            ("12月31日 23:00", "2023-12-31T15:00:00+00:00"),
        ],
        AFTERNOON,
    );
    check(
        &[
            ("12月31日 23:50", "2024-12-31T15:50:00+00:00"),
            ("01-01 00:05", "2024-12-31T16:05:00+00:00"),
            ("1月1日 20:00", "2025-01-01T12:00:00+00:00"),
            ("1月3日 08:00", "2024-01-03T00:00:00+00:00"),
        ],
        NEW_YEAR,
    );
}

#[test]
fn relative_forms() {
    check(
        &[
            ("刚刚", "2024-06-28T09:30:00+00:00"),
            ("30秒前", "2024-06-28T09:29:30+00:00"),
            ("5分钟前", "2024-06-28T09:25:00+00:00"),
            ("半小时前", "2024-06-28T09:00:00+00:00"),
            ("3小时前", "2024-06-28T06:30:00+00:00"),
            ("2天前", "2024-06-26T09:30:00+00:00"),
            ("1周前", "2024-06-21T09:30:00+00:00"),
        ],
        AFTERNOON,
    );
}

#[test]
fn day_words() {
    check(
        &[
            ("今天 08:30", "2024-06-28T00:30:00+00:00"),
            ("昨天 22:17", "2024-06-27T14:17:00+00:00"),
            ("前天 08:00", "2024-06-26T00:00:00+00:00"),
            ("昨天", "2024-06-26T16:00:00+00:00"),
            ("昨天 下午3:05", "2024-06-27T07:05:00+00:00"),
            ("今天 晚上8:00", "2024-06-28T12:00:00+00:00"),
            ("上午12:30", "2024-06-27T16:30:00+00:00"),
            ("中午12:30", "2024-06-28T04:30:00+00:00"),
            ("09:05", "2024-06-28T01:05:00+00:00"),
        ],
        AFTERNOON,
    );
    check(
        &[
            ("昨天 23:59", "2024-06-27T15:59:00+00:00"),
            ("今天 00:01", "2024-06-27T16:01:00+00:00"),
            ("前天 12:00", "2024-06-26T04:00:00+00:00"),
            ("06-27 23:50", "2024-06-27T15:50:00+00:00"),
            ("6月28日 00:30", "2024-06-27T16:30:00+00:00"),
        ],
        JUST_AFTER_MIDNIGHT,
    );
}

#[test]
fn pinned_format() {
    let pinned = TimeContext {
        format: Some("%d.%m.%Y %H.%M"),
        ..ctx(AFTERNOON)
    };
    let at = parse("发布 06.05.2024 09.05 来源", &pinned).unwrap();
    assert_eq!(
        at.with_timezone(&Utc).to_rfc3339(),
        "2024-05-06T01:05:00+00:00"
    );
    let date_only = TimeContext {
        format: Some("%Y%m%d"),
        ..ctx(AFTERNOON)
    };
    let at = parse("20240506", &date_only).unwrap();
    assert_eq!(at.to_rfc3339(), "2024-05-06T00:00:00+08:00");
}

#[test]
fn failures() {
    for text in [
        "",
        "关键词：",
        "观察者网",
        "2024-13-45 10:00",
        "第12345678期",
        "100分",
    ] {
        assert_eq!(
            utc(text, AFTERNOON),
            Err(TimeError::NotFound(text.into())),
            "{text:?}"
        );
    }
    assert!(matches!(
        utc("2024-07-01 10:00", AFTERNOON),
        Err(TimeError::InFuture { .. })
    ));
    assert!(
        utc("2024-06-29 17:00", AFTERNOON).is_ok(),
        "less than a day ahead is allowed"
    );
}

#[test]
fn full_width_digits_are_not_numbers() {
    // `\d` would take these for digits; the offset would then be sliced inside a character.
    check(
        &[("2024-05-06 09:05:20+０８００", "2024-05-06T01:05:20+00:00")],
        AFTERNOON,
    );
    check(
        &[("2024-05-06 ０9:05", "2024-05-05T16:00:00+00:00")],
        AFTERNOON,
    );
}

#[test]
fn an_invalid_first_candidate_gives_way_to_the_next() {
    check(
        &[(
            "2024-02-30 10:00 更新于 2024-03-01 10:00",
            "2024-03-01T02:00:00+00:00",
        )],
        AFTERNOON,
    );
}

mod roundtrip {
    use super::*;
    use proptest::prelude::*;

    /// Absolute forms with second precision, as chrono formats; each must read back exactly.
    const FORMS: &[&str] = &[
        "%Y-%m-%d %H:%M:%S",
        "%Y-%-m-%-d %-H:%M:%S",
        "%Y/%m/%d %H:%M:%S",
        "%Y.%m.%d %H:%M:%S",
        "%Y年%m月%d日 %H:%M:%S",
        "%Y年%-m月%-d日%H:%M:%S",
        "%m/%d/%Y %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%:z",
        "%a, %d %b %Y %H:%M:%S %z",
        "关键词：%Y-%m-%d %H:%M:%S\u{a0}\u{a0}来源：观察者网",
    ];

    /// Forms with minute precision or date only, and how much of the instant they keep.
    const COARSE: &[(&str, i64)] = &[
        ("%Y-%m-%d %H:%M", 60),
        ("%y.%m.%d %H:%M", 60),
        ("%Y年%-m月%-d日 %-H时%-M分", 60),
        ("%Y-%m-%d", 86_400),
        ("%Y年%m月%d日", 86_400),
    ];

    fn instant() -> impl Strategy<Value = DateTime<FixedOffset>> {
        // 2001-01-01 to 2030-01-01, in Beijing time.
        (978_307_200i64..1_893_456_000).prop_map(|secs| {
            DateTime::from_timestamp(secs, 0)
                .unwrap()
                .with_timezone(&Zone::shanghai())
                .fixed_offset()
        })
    }

    fn far_future_now() -> TimeContext<'static> {
        ctx("2031-01-01T00:00:00Z")
    }

    proptest! {
        #[test]
        fn absolute_forms_read_back_to_the_same_instant(at in instant(), form in 0..FORMS.len()) {
            let text = at.format(FORMS[form]).to_string();
            let parsed = parse(&text, &far_future_now());
            prop_assert_eq!(parsed, Ok(at), "{}", text);
        }

        #[test]
        fn coarse_forms_keep_what_they_write(at in instant(), form in 0..COARSE.len()) {
            let (format, precision) = COARSE[form];
            let text = at.format(format).to_string();
            let parsed = parse(&text, &far_future_now()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let local_secs = at.timestamp() + 8 * 3600;
            let expected = local_secs - local_secs.rem_euclid(precision) - 8 * 3600;
            prop_assert_eq!(parsed.timestamp(), expected, "{}", text);
        }

        #[test]
        fn the_plain_form_reads_as_the_scan_reads_it(
            y in 1990u32..2031, mo in 0u32..14, d in 0u32..33, h in 0u32..26, mi in 0u32..62,
            s in proptest::option::of(0u32..62),
        ) {
            let mut text = format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}");
            if let Some(s) = s {
                text.push_str(&format!(":{s:02}"));
            }
            let ctx = far_future_now();
            let fast = plain_local(&text).and_then(|naive| local(&ctx.tz, naive));
            if fast.is_some() {
                prop_assert_eq!(fast, scan(&text, &ctx), "{}", text);
            }
            prop_assert_eq!(parse(&text, &ctx).ok(), scan(&text, &ctx), "{}", text);
        }

        #[test]
        fn machine_forms_read_as_the_scan_reads_them(
            at in instant(), offset in -12i32..14, form in 0usize..4,
        ) {
            let zone = FixedOffset::east_opt(offset * 3600).unwrap();
            let shown = at.with_timezone(&zone);
            let text = match form {
                0 => shown.to_rfc3339(),
                1 => shown.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                2 => shown.format("%Y-%m-%dT%H:%M:%S").to_string(),
                _ => shown.format("%Y-%m-%d").to_string(),
            };
            let ctx = far_future_now();
            let fast = machine(&text, &ctx.tz);
            prop_assert!(fast.is_some(), "{}", text);
            prop_assert_eq!(fast, scan(&text, &ctx), "{}", text);
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,64}") {
            let _ = parse(&text, &ctx(AFTERNOON));
        }
    }
}

#[test]
fn precision_is_what_the_text_shows_without_its_offset() {
    assert_eq!(Precision::of("2024-05-10"), Precision::Day);
    assert_eq!(Precision::of("2024-05-10 09:05"), Precision::Minute);
    assert_eq!(Precision::of("2012-12-10 10:41 +00:00"), Precision::Minute);
    assert_eq!(
        Precision::of("2024-05-10T05:54:20+08:00"),
        Precision::Second
    );
    assert_eq!(Precision::of("1715305460"), Precision::Second);
    assert_eq!(Precision::of("2024年5月10日 9时5分"), Precision::Minute);
    assert_eq!(Precision::of("2024年5月10日 9时5分30秒"), Precision::Second);
}

#[test]
fn a_day_is_made_as_precise_as_a_later_time_of_the_same_day() {
    let ctx = TimeContext {
        tz: Zone::shanghai(),
        now: Utc::now(),
        format: None,
    };
    let page = Url::parse("https://news.example/a.html").unwrap();
    let shown = |texts: &[&str]| {
        first_with_precision(texts, &ctx, &page).map(|(at, precision)| (at.to_rfc3339(), precision))
    };
    assert_eq!(
        shown(&["2025-04-22", "2025-04-22T08:12:08.913Z"]),
        Some(("2025-04-22T08:12:08.913+00:00".into(), Precision::Second))
    );
    // Another day, or nothing finer, leaves the day as shown.
    assert_eq!(
        shown(&["2025-04-22", "2025-04-22T20:12:08Z"]),
        Some(("2025-04-22T00:00:00+08:00".into(), Precision::Day))
    );
    assert_eq!(
        shown(&["2025-04-22 16:12", "2025-04-22T08:12:08Z"]),
        Some(("2025-04-22T16:12:00+08:00".into(), Precision::Minute))
    );
}
