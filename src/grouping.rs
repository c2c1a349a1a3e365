//! How the message list reads like a chat: consecutive messages from one person within a few
//! minutes share one header, and each day starts under a separator ("Today", "Yesterday", a
//! date), in the reader's time zone.
//!
//! One pure function, [`layout`], decides both for the whole timeline, so the server-rendered
//! page and the live page (messages arriving into an open group, older pages prepended, the
//! time zone switching from UTC to the reader's after hydration) always agree.

use crate::chat::Line;
use crate::model::{ChatMessage, date};

/// A message continues the one before it (no header of its own) within this many milliseconds.
pub const GROUP_WINDOW_MS: i64 = 5 * 60 * 1000;

/// How one line sits among its neighbours.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Placement {
    /// A day separator to show before it, with its label.
    pub day: Option<String>,
    /// It continues the previous message's group: no header of its own.
    pub continued: bool,
}

/// The day (days since 1970-01-01) a timestamp falls on, `offset_minutes` east of UTC.
pub fn day_number(ts_ms: i64, offset_minutes: i64) -> i64 {
    (ts_ms.div_euclid(60_000) + offset_minutes).div_euclid(24 * 60)
}

/// "Today", "Yesterday", or the date (`2026-11-24`) of `day` seen from `today`.
pub fn day_label(day: i64, today: i64) -> String {
    match today - day {
        0 => "Today".to_owned(),
        1 => "Yesterday".to_owned(),
        _ => date(day),
    }
}

/// Whether `next` continues `previous`'s group: the same account under the same name (a
/// webhook posts under names of its own), close in time, same day.
pub fn continues(previous: &ChatMessage, next: &ChatMessage, offset_minutes: i64) -> bool {
    !next.username.is_empty()
        && previous.username == next.username
        && previous.via.is_some() == next.via.is_some()
        && (next.via.is_none() || previous.author == next.author)
        && (0..=GROUP_WINDOW_MS).contains(&(next.ts - previous.ts))
        && day_number(previous.ts, offset_minutes) == day_number(next.ts, offset_minutes)
}

/// Every line of the timeline with its placement. A notice (someone joined, …) ends a group.
pub fn layout(lines: &[Line], offset_minutes: i64, now_ms: i64) -> Vec<(Line, Placement)> {
    let today = day_number(now_ms, offset_minutes);
    let mut previous: Option<&ChatMessage> = None;
    let mut last_day = None;
    lines
        .iter()
        .map(|line| {
            let placement = match line {
                Line::Message(message) => {
                    let day = day_number(message.ts, offset_minutes);
                    let separator = (last_day != Some(day)).then(|| day_label(day, today));
                    last_day = Some(day);
                    let continued = previous.is_some_and(|p| continues(p, message, offset_minutes));
                    previous = Some(message);
                    Placement { day: separator, continued }
                }
                Line::Notice { .. } => {
                    previous = None;
                    Placement::default()
                }
            };
            (line.clone(), placement)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;
    /// 2023-11-14T22:00:00Z.
    const T0: i64 = 1_699_999_200_000;

    fn msg(seq: i64, username: &str, ts: i64) -> Line {
        Line::Message(ChatMessage {
            author: username.to_uppercase(),
            ts,
            ..ChatMessage::sample(seq, username, &format!("m{seq}"))
        })
    }

    fn shape(lines: &[Line], offset: i64, now: i64) -> Vec<(Option<String>, bool)> {
        layout(lines, offset, now).into_iter().map(|(_, p)| (p.day, p.continued)).collect()
    }

    #[test]
    fn one_person_talking_on_shares_a_header_until_a_gap_or_someone_else() {
        let lines = [
            msg(1, "ann", T0),
            msg(2, "ann", T0 + MINUTE),
            msg(3, "bob", T0 + 2 * MINUTE),
            msg(4, "ann", T0 + 3 * MINUTE),
            // After a gap longer than the window: a new header.
            msg(5, "ann", T0 + 3 * MINUTE + GROUP_WINDOW_MS + 1),
        ];
        let got = shape(&lines, 0, T0);
        assert_eq!(
            got.iter().map(|(_, continued)| *continued).collect::<Vec<_>>(),
            vec![false, true, false, false, false]
        );
        assert_eq!(got[0].0.as_deref(), Some("Today"));
        assert!(got[1..].iter().all(|(day, _)| day.is_none()));
    }

    #[test]
    fn a_message_arriving_live_joins_the_open_group() {
        let mut lines = vec![msg(1, "ann", T0), msg(2, "ann", T0 + MINUTE)];
        let before = layout(&lines, 0, T0);
        lines.push(msg(3, "ann", T0 + 2 * MINUTE));
        let after = layout(&lines, 0, T0);
        assert_eq!(after[..2], before[..], "what was shown does not change");
        assert!(after[2].1.continued && after[2].1.day.is_none());
    }

    #[test]
    fn midnight_starts_a_new_day_and_a_new_group() {
        // 23:58 and 00:01 UTC: two minutes apart, but two days.
        let midnight = T0 + 2 * 60 * MINUTE;
        let lines = [msg(1, "ann", midnight - 2 * MINUTE), msg(2, "ann", midnight + MINUTE)];
        assert_eq!(
            shape(&lines, 0, midnight + MINUTE),
            vec![(Some("Yesterday".into()), false), (Some("Today".into()), false)]
        );
    }

    #[test]
    fn days_follow_the_readers_time_zone() {
        // 22:00 and 23:30 UTC are the same day in UTC, two days in UTC+1 (23:00 and 00:30).
        let lines = [msg(1, "ann", T0), msg(2, "bob", T0 + 90 * MINUTE)];
        assert_eq!(shape(&lines, 0, T0 + 90 * MINUTE).iter().filter(|(d, _)| d.is_some()).count(), 1);
        let east = shape(&lines, 60, T0 + 90 * MINUTE);
        assert_eq!(east, vec![(Some("Yesterday".into()), false), (Some("Today".into()), false)]);
        // Older days are dated.
        assert_eq!(day_label(day_number(T0, 0), day_number(T0, 0) + 5), "2023-11-14");
    }

    #[test]
    fn a_notice_ends_a_group_and_messages_from_before_accounts_never_group() {
        let lines = [
            msg(1, "ann", T0),
            Line::Notice { id: 1, text: "bob joined".into() },
            msg(2, "ann", T0 + MINUTE),
            msg(3, "", T0 + 2 * MINUTE),
            msg(4, "", T0 + 3 * MINUTE),
        ];
        let continued: Vec<bool> = shape(&lines, 0, T0).into_iter().map(|(_, c)| c).collect();
        assert_eq!(continued, vec![false, false, false, false, false]);
    }

    #[test]
    fn a_webhook_posting_under_several_names_heads_each_name() {
        let via = |line: Line, name: &str| match line {
            Line::Message(m) => {
                Line::Message(ChatMessage { author: name.into(), via: Some("CI".into()), ..m })
            }
            other => other,
        };
        let lines = [
            via(msg(1, "hook-1", T0), "Jenkins"),
            via(msg(2, "hook-1", T0 + MINUTE), "Jenkins"),
            via(msg(3, "hook-1", T0 + 2 * MINUTE), "Sentry"),
            msg(4, "hook-1", T0 + 3 * MINUTE),
        ];
        let continued: Vec<bool> = shape(&lines, 0, T0).into_iter().map(|(_, c)| c).collect();
        assert_eq!(continued, vec![false, true, false, false]);
    }
}
