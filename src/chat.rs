//! The browser's model of a room: the timeline it shows and the messages still on their way.
//!
//! Plain data with no I/O, so every rule about ordering, duplicates and retries is unit-tested
//! natively. `client::connection` feeds it server frames; the components render it.

use crate::ids::{RoomName, Seq, Username};
use serde::{Deserialize, Serialize};

use crate::attachments::Attachment;
use crate::model::{
    ChatMessage, HistoryPage, LinkPreview, Quote, Reaction, Receipt, ThreadPage, ThreadSummary,
};

/// Resends of one message without an ack before it shows as failed.
pub const MAX_SEND_ATTEMPTS: u32 = 4;
/// Milliseconds to wait for an ack before sending again (with the same `client_id`).
pub const ACK_TIMEOUT_MS: f64 = 5_000.0;

/// One row of the chat window.
// Nearly every line is a message: boxing it would only add an allocation per line.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Message(ChatMessage),
    /// "alice joined", "reconnected, some history skipped" …: shown, never stored.
    Notice {
        id: u64,
        text: String,
    },
}

impl Line {
    /// Stable key for keyed rendering.
    pub fn key(&self) -> String {
        match self {
            // A changed message is drawn again: edits, deletions, reactions and previews change its key.
            Line::Message(m) => {
                let reactions: String = m
                    .reactions
                    .iter()
                    .map(|r| format!("{}{}", r.emoji, crate::ids::Username::join(&r.users, ",")))
                    .collect();
                let quote =
                    m.reply_to.as_ref().map_or(String::new(), |q| format!("{}{}", q.deleted, q.excerpt));
                format!(
                    "m{}-{}-{}-{}-{}-{}-{reactions}-{quote}",
                    m.seq,
                    m.edited_at.unwrap_or(0),
                    m.deleted,
                    m.pinned,
                    m.thread.as_ref().map_or(0, |t| t.replies),
                    m.preview.is_some()
                )
            }
            Line::Notice { id, .. } => format!("n{id}"),
        }
    }
}

/// Everyone's read positions after `receipt`: theirs replaced, unless it would go back.
pub fn follow_receipt(receipts: &mut Vec<Receipt>, receipt: Receipt) {
    match receipts.iter_mut().find(|r| r.username == receipt.username) {
        Some(held) if held.seq >= receipt.seq => {}
        Some(held) => *held = receipt,
        None => receipts.push(receipt),
    }
}

/// Who has read up to message `seq` and no further, by display name (not `me`): what
/// "Seen by" under it says. Each reader shows once, at the newest message they have read.
pub fn seen_by(receipts: &[Receipt], seq: Seq, me: &str) -> Vec<String> {
    let mut names: Vec<String> =
        receipts.iter().filter(|r| r.seq == seq && r.username != me).map(|r| r.name.clone()).collect();
    names.sort();
    names
}

/// Most names "Seen by" spells out before "and N others".
pub const SEEN_BY_NAMED: usize = 3;

/// "Seen by Ann", "Seen by Ann and Bo", "Seen by Ann, Bo, Cy and 2 others".
pub fn seen_by_text(names: &[String]) -> String {
    let (named, others) = names.split_at(names.len().min(SEEN_BY_NAMED));
    let list = match (named, others.len()) {
        ([one], 0) => one.clone(),
        ([first @ .., last], 0) => format!("{} and {last}", first.join(", ")),
        (named, 1) => format!("{} and 1 other", named.join(", ")),
        (named, n) => format!("{} and {n} others", named.join(", ")),
    };
    format!("Seen by {list}")
}

/// The room's pins after message `target` was pinned (`pin`) or unpinned (`None`): the most
/// recently pinned first.
pub fn follow_pin(pins: &mut Vec<crate::model::Pin>, target: Seq, pin: Option<crate::model::Pin>) {
    pins.retain(|p| p.message.seq != target);
    if let Some(pin) = pin {
        let at = pins.partition_point(|p| (p.at, p.message.seq) > (pin.at, pin.message.seq));
        pins.insert(at, pin);
    }
}

/// A message's new text, from an `edited` frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub body: String,
    pub html: String,
    pub edited_at: i64,
    pub mentions: Vec<Username>,
}

/// Which of the room's messages a timeline holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scope {
    /// The room's own: every message but replies kept in their thread.
    #[default]
    Room,
    /// One thread: its root, then its replies.
    Thread(Seq),
}

impl Scope {
    fn holds(self, message: &ChatMessage) -> bool {
        match self {
            Scope::Room => message.in_timeline(),
            Scope::Thread(root) => message.thread_root == Some(root),
        }
    }
}

/// What the chat window (or a thread beside it) shows, oldest first. Messages are kept in
/// `seq` order with no duplicates, whichever way they arrive: server-rendered page, replay,
/// live, older pages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    pub lines: Vec<Line>,
    pub has_older: bool,
    next_notice: u64,
    /// Highest `seq` applied: a message's, or an edit's or deletion's (they take the room's
    /// next `seq` too). Where a resume starts.
    high_water: Seq,
    scope: Scope,
}

impl Timeline {
    pub fn from_page(page: HistoryPage) -> Self {
        Self {
            high_water: page.messages.last().map_or(Seq::ZERO, |m| m.seq),
            lines: page.messages.into_iter().map(Line::Message).collect(),
            has_older: page.has_older,
            next_notice: 0,
            scope: Scope::Room,
        }
    }

    /// A thread: its root first, then its replies.
    pub fn thread(page: ThreadPage) -> Self {
        let root = page.root.seq;
        let high_water = page.replies.messages.last().map_or(root, |m| m.seq);
        let mut lines = vec![Line::Message(page.root)];
        lines.extend(page.replies.messages.into_iter().map(Line::Message));
        Self {
            lines,
            has_older: page.replies.has_older,
            next_notice: 0,
            high_water,
            scope: Scope::Thread(root),
        }
    }

    /// The thread this timeline shows, if it shows one.
    pub fn thread_root(&self) -> Option<Seq> {
        match self.scope {
            Scope::Room => None,
            Scope::Thread(root) => Some(root),
        }
    }

    fn messages(&self) -> impl DoubleEndedIterator<Item = &ChatMessage> {
        self.lines.iter().filter_map(|line| match line {
            Line::Message(m) => Some(m),
            Line::Notice { .. } => None,
        })
    }

    /// Highest `seq` applied (a message, an edit or a deletion): where a resume starts.
    pub fn last_seq(&self) -> Seq {
        self.high_water
    }

    /// The newest message held: how far a person who sees this timeline has read. (Changes
    /// and receipts move the resume point, not this: a receipt never makes anyone read again.)
    pub fn newest_message(&self) -> Seq {
        self.messages().next_back().map_or(Seq::ZERO, |m| m.seq)
    }

    /// Receipt `seq`: someone's read position moved. Only the resume point moves; true if it
    /// is news (not a replay of one applied).
    pub fn noted(&mut self, seq: Seq) -> bool {
        let news = seq > self.high_water;
        self.high_water = self.high_water.max(seq);
        news
    }

    /// Lowest `seq` held (of a thread, its first reply held): where "load older" continues.
    pub fn first_seq(&self) -> Option<Seq> {
        let root = usize::from(self.thread_root().is_some());
        self.messages().nth(root).map(|m| m.seq)
    }

    /// Add a message that came after what is held. Returns false for one already held, and
    /// for one this timeline does not show (a reply kept in its thread): that one only moves
    /// the resume point, and its root's count.
    pub fn push(&mut self, message: ChatMessage) -> bool {
        if message.seq <= self.last_seq() {
            return false;
        }
        self.high_water = message.seq;
        if let (Some(root), Some(thread)) = (message.thread_root, &message.thread) {
            self.thread_grew(root, thread);
        }
        if !self.scope.holds(&message) {
            return false;
        }
        self.lines.push(Line::Message(message));
        true
    }

    /// Thread `root` is now `thread` (from a reply): a summary never goes back, so a replay
    /// of an older reply leaves a newer count alone.
    fn thread_grew(&mut self, root: Seq, thread: &ThreadSummary) {
        let held = self.lines.iter_mut().find_map(|line| match line {
            Line::Message(m) if m.seq == root => Some(m),
            _ => None,
        });
        if let Some(m) = held
            && m.thread.as_ref().is_none_or(|now| now.replies < thread.replies)
        {
            m.thread = Some(thread.clone());
        }
    }

    /// An edit (`seq`) of message `target`: its current text. Applied once; a change to a
    /// message not held (older than the pages loaded) only moves the resume point.
    pub fn edited(&mut self, seq: Seq, target: Seq, edit: Edit) -> bool {
        let excerpt = Quote::excerpt_of(&edit.body);
        self.requote(target, |quote| quote.excerpt.clone_from(&excerpt));
        self.change(seq, target, |m| {
            m.body = edit.body;
            m.html = edit.html;
            m.edited_at = Some(edit.edited_at);
            m.mentions = edit.mentions;
        })
    }

    /// Message `target`'s reactions as of change `seq`.
    pub fn reacted(&mut self, seq: Seq, target: Seq, reactions: Vec<Reaction>) -> bool {
        self.change(seq, target, |m| m.reactions = reactions)
    }

    /// Message `target` pinned (`on`) or unpinned as of change `seq`. True if the change is
    /// news (not one already applied), whether or not the message is on the page: the room's
    /// list of pins follows it either way.
    pub fn pinned(&mut self, seq: Seq, target: Seq, on: bool) -> bool {
        let news = seq > self.high_water;
        self.change(seq, target, |m| m.pinned = on);
        news
    }

    /// Message `target`'s link preview as of change `seq` (`None`: its author removed it).
    pub fn previewed(&mut self, seq: Seq, target: Seq, preview: Option<LinkPreview>) -> bool {
        self.change(seq, target, |m| m.preview = preview.map(Box::new))
    }

    /// A deletion (`seq`) of message `target`: nothing of it is kept but its place.
    pub fn deleted(&mut self, seq: Seq, target: Seq) -> bool {
        self.requote(target, |quote| {
            quote.deleted = true;
            quote.excerpt.clear();
        });
        self.change(seq, target, |m| {
            m.deleted = true;
            m.body.clear();
            m.html.clear();
            m.attachments.clear();
            m.reactions.clear();
            m.pinned = false;
            m.preview = None;
        })
    }

    /// Replies quoting message `target` follow its change.
    fn requote(&mut self, target: Seq, apply: impl Fn(&mut Quote)) {
        for line in &mut self.lines {
            if let Line::Message(m) = line
                && let Some(quote) = m.reply_to.as_mut().filter(|q| q.seq == target)
            {
                apply(quote);
            }
        }
    }

    fn change(&mut self, seq: Seq, target: Seq, apply: impl FnOnce(&mut ChatMessage)) -> bool {
        if seq <= self.high_water {
            return false;
        }
        self.high_water = seq;
        let held = self.lines.iter_mut().find_map(|line| match line {
            Line::Message(m) if m.seq == target && !m.deleted => Some(m),
            _ => None,
        });
        match held {
            Some(message) => {
                apply(message);
                true
            }
            None => false,
        }
    }

    /// The latest page, replacing everything: the client was too far behind to replay.
    pub fn resync(&mut self, messages: Vec<ChatMessage>) {
        self.high_water = self.high_water.max(messages.last().map_or(Seq::ZERO, |m| m.seq));
        self.lines = messages.into_iter().map(Line::Message).collect();
        self.has_older = true;
        self.notice("Reconnected after a long gap: showing the latest messages.".to_owned());
    }

    /// Older messages, placed before what is held (after a thread's root).
    pub fn prepend(&mut self, page: HistoryPage) {
        let first = self.first_seq().unwrap_or(Seq(i64::MAX));
        let older: Vec<Line> =
            page.messages.into_iter().filter(|m| m.seq < first).map(Line::Message).collect();
        let at = usize::from(self.thread_root().is_some());
        self.lines.splice(at..at, older);
        self.has_older = page.has_older;
    }

    pub fn notice(&mut self, text: String) {
        self.next_notice += 1;
        self.lines.push(Line::Notice { id: self.next_notice, text });
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingStatus {
    /// Waiting for a connection or an ack.
    Sending,
    /// Given up after [`MAX_SEND_ATTEMPTS`] or refused for good; the person can retry.
    Failed,
}

/// A message typed but not yet acknowledged. Kept in browser storage until acked, so a
/// reload or a closed tab loses nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub client_id: String,
    pub room: RoomName,
    pub author: String,
    pub body: String,
    /// Uploaded files it carries (their ids go in the `send`).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// The message it answers.
    #[serde(default)]
    pub reply_to: Option<Quote>,
    /// The thread it goes to (its root), and whether to the room too.
    #[serde(default)]
    pub thread: Option<Seq>,
    #[serde(default)]
    pub also_to_room: bool,
    pub status: PendingStatus,
    /// Why it failed, when it did.
    #[serde(default)]
    pub error: Option<String>,
    pub attempts: u32,
    /// When it was last sent (ms, browser clock); 0 for never on this connection.
    #[serde(default)]
    pub sent_at: f64,
    /// The server already stored it, as this `seq` (sent before the page was live, see
    /// `public/early-send.js`): never sent again, only waited for until it arrives.
    #[serde(default)]
    pub stored: Option<Seq>,
}

impl Pending {
    /// A message just typed: to send, never sent yet, answering nothing.
    pub fn new(client_id: String, room: RoomName, author: String, body: String) -> Self {
        Self {
            client_id,
            room,
            author,
            body,
            attachments: Vec::new(),
            reply_to: None,
            thread: None,
            also_to_room: false,
            status: PendingStatus::Sending,
            error: None,
            attempts: 0,
            sent_at: 0.0,
            stored: None,
        }
    }
}

/// Messages in the order they were typed, which is the order they are sent in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outbox {
    pub items: Vec<Pending>,
}

impl Outbox {
    pub fn add(&mut self, pending: Pending) {
        self.items.push(pending);
    }

    /// The server stored it (ack, or its own broadcast came back): it is no longer pending.
    pub fn delivered(&mut self, client_id: &str) -> bool {
        let before = self.items.len();
        self.items.retain(|p| p.client_id != client_id);
        self.items.len() != before
    }

    /// The room's history has reached `seq`: a message stored before the page was live
    /// that has not turned up by then will not (deleted meanwhile, or beyond a resync's page),
    /// so it stops waiting.
    pub fn passed(&mut self, seq: Seq) {
        self.items.retain(|p| p.stored.is_none_or(|stored| stored > seq));
    }

    /// A new connection: everything not failed goes out again, in order.
    pub fn reconnected(&mut self) {
        for pending in &mut self.items {
            pending.sent_at = 0.0;
        }
    }

    /// Messages to send now: never sent on this connection, or unacknowledged for longer than
    /// [`ACK_TIMEOUT_MS`]. Marks them sent; ones out of attempts become failed instead.
    pub fn due(&mut self, now: f64) -> Vec<Pending> {
        let mut out = Vec::new();
        for pending in &mut self.items {
            if pending.status != PendingStatus::Sending || pending.stored.is_some() {
                continue;
            }
            let never = pending.sent_at == 0.0;
            if !never && now - pending.sent_at < ACK_TIMEOUT_MS {
                continue;
            }
            if pending.attempts >= MAX_SEND_ATTEMPTS {
                pending.status = PendingStatus::Failed;
                pending.error = Some("no answer from the server".to_owned());
                continue;
            }
            pending.attempts += 1;
            pending.sent_at = now;
            out.push(pending.clone());
        }
        out
    }

    /// The server refused it for a reason a resend cannot fix.
    pub fn failed(&mut self, client_id: &str, error: String) {
        if let Some(pending) = self.items.iter_mut().find(|p| p.client_id == client_id) {
            pending.status = PendingStatus::Failed;
            pending.error = Some(error);
        }
    }

    /// The server could not take it now (rate limit, store busy): send again after the timeout.
    pub fn later(&mut self, client_id: &str) {
        if let Some(pending) = self.items.iter_mut().find(|p| p.client_id == client_id) {
            pending.attempts = pending.attempts.saturating_sub(1);
        }
    }

    /// The person asked to try a failed message again.
    pub fn retry(&mut self, client_id: &str) {
        if let Some(pending) = self.items.iter_mut().find(|p| p.client_id == client_id) {
            pending.status = PendingStatus::Sending;
            pending.error = None;
            pending.attempts = 0;
            pending.sent_at = 0.0;
        }
    }

    /// Drop a failed message the person gave up on.
    pub fn discard(&mut self, client_id: &str) {
        self.items.retain(|p| p.client_id != client_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(seq: i64, at: i64) -> crate::model::Pin {
        let seq = Seq(seq);
        crate::model::Pin {
            message: Quote {
                seq,
                author: "a".into(),
                username: "a".into(),
                excerpt: String::new(),
                deleted: false,
            },
            by: "b".into(),
            at,
        }
    }

    /// The pins list stays most-recently-pinned first, each message once, whatever order the
    /// frames come in.
    #[test]
    fn pins_follow_their_frames() {
        let mut pins = Vec::new();
        follow_pin(&mut pins, Seq(3), Some(pin(3, 100)));
        follow_pin(&mut pins, Seq(5), Some(pin(5, 300)));
        follow_pin(&mut pins, Seq(4), Some(pin(4, 200)));
        let order = |pins: &[crate::model::Pin]| pins.iter().map(|p| p.message.seq.0).collect::<Vec<_>>();
        assert_eq!(order(&pins), [5, 4, 3]);
        // A pin heard again (a replay) replaces itself; an unpin takes it away.
        follow_pin(&mut pins, Seq(4), Some(pin(4, 200)));
        follow_pin(&mut pins, Seq(5), None);
        assert_eq!(order(&pins), [4, 3]);
    }

    fn receipt(username: &str, seq: i64) -> Receipt {
        Receipt { username: username.into(), name: username.to_uppercase(), seq: Seq(seq) }
    }

    /// Each reader is kept at the furthest they have read, whatever order receipts come in,
    /// and shows once, under that message, never to themselves.
    #[test]
    fn receipts_follow_their_frames_and_show_each_reader_once() {
        let mut receipts = Vec::new();
        follow_receipt(&mut receipts, receipt("bo", 4));
        follow_receipt(&mut receipts, receipt("ann", 4));
        follow_receipt(&mut receipts, receipt("bo", 7));
        follow_receipt(&mut receipts, receipt("bo", 5));
        assert_eq!(seen_by(&receipts, Seq(7), "me"), ["BO"]);
        assert_eq!(seen_by(&receipts, Seq(4), "me"), ["ANN"]);
        assert_eq!(seen_by(&receipts, Seq(4), "ann"), Vec::<String>::new());
        assert_eq!(seen_by(&receipts, Seq(5), "me"), Vec::<String>::new());
    }

    #[test]
    fn seen_by_names_a_few_and_counts_the_rest() {
        let names = |n: usize| (1..=n).map(|i| format!("p{i}")).collect::<Vec<_>>();
        assert_eq!(seen_by_text(&names(1)), "Seen by p1");
        assert_eq!(seen_by_text(&names(2)), "Seen by p1 and p2");
        assert_eq!(seen_by_text(&names(3)), "Seen by p1, p2 and p3");
        assert_eq!(seen_by_text(&names(4)), "Seen by p1, p2, p3 and 1 other");
        assert_eq!(seen_by_text(&names(9)), "Seen by p1, p2, p3 and 6 others");
    }

    /// A receipt moves where a resume starts, not how far the person has read: reading never
    /// follows a receipt (what would bounce receipts between pages).
    #[test]
    fn a_receipt_moves_the_resume_point_only() {
        let mut timeline =
            Timeline::from_page(HistoryPage { messages: vec![msg(1), msg(2)], has_older: false });
        assert!(timeline.noted(Seq(3)));
        assert!(!timeline.noted(Seq(3)), "a replayed receipt is no news");
        assert_eq!((timeline.last_seq(), timeline.newest_message()), (Seq(3), Seq(2)));
        assert!(!timeline.push(msg(3)), "nothing at or before the resume point is taken again");
        assert!(timeline.push(msg(4)));
        assert_eq!(timeline.newest_message(), Seq(4));
    }

    fn edit(body: &str, edited_at: i64) -> Edit {
        Edit { body: body.into(), html: String::new(), edited_at, mentions: Vec::new() }
    }

    fn msg(n: i64) -> ChatMessage {
        ChatMessage::sample(n, "a", &format!("m{n}"))
    }

    fn seqs(timeline: &Timeline) -> Vec<i64> {
        timeline.messages().map(|m| m.seq.0).collect()
    }

    fn pending(id: &str) -> Pending {
        Pending::new(id.into(), "general".into(), "a".into(), "hi".into())
    }

    #[test]
    fn push_ignores_what_is_already_held() {
        let mut t = Timeline::from_page(HistoryPage { messages: vec![msg(1), msg(2)], has_older: false });
        assert!(!t.push(msg(2)));
        assert!(t.push(msg(3)));
        assert!(!t.push(msg(1)));
        assert_eq!(seqs(&t), vec![1, 2, 3]);
        assert_eq!(t.last_seq(), Seq(3));
    }

    #[test]
    fn prepend_keeps_order_and_skips_overlap() {
        let mut t = Timeline::from_page(HistoryPage { messages: vec![msg(5), msg(6)], has_older: true });
        t.prepend(HistoryPage { messages: vec![msg(3), msg(4), msg(5)], has_older: false });
        assert_eq!(seqs(&t), vec![3, 4, 5, 6]);
        assert!(!t.has_older);
    }

    #[test]
    fn resync_replaces_and_says_so() {
        let mut t = Timeline::from_page(HistoryPage { messages: vec![msg(1)], has_older: false });
        t.resync(vec![msg(2000), msg(2001)]);
        assert_eq!(seqs(&t), vec![2000, 2001]);
        assert!(t.has_older);
        assert!(matches!(t.lines.last(), Some(Line::Notice { .. })));
    }

    #[test]
    fn changes_apply_once_in_order_and_move_the_resume_point() {
        let mut t = Timeline::from_page(HistoryPage { messages: vec![msg(1), msg(2)], has_older: false });
        assert!(t.edited(Seq(3), Seq(1), edit("fixed", 99)));
        // The same change again (a replay overlapping the live stream): no effect.
        assert!(!t.edited(Seq(3), Seq(1), edit("stale", 98)));
        assert!(t.deleted(Seq(4), Seq(2)));
        assert!(!t.edited(Seq(5), Seq(2), edit("back from the dead", 100)));
        assert_eq!(t.last_seq(), Seq(5));
        // A message older than the change is not taken as new.
        assert!(!t.push(msg(4)));
        assert!(t.push(msg(6)));
        let held: Vec<(i64, String, bool, Option<i64>)> =
            t.messages().map(|m| (m.seq.0, m.body.clone(), m.deleted, m.edited_at)).collect();
        assert_eq!(
            held,
            vec![
                (1, "fixed".into(), false, Some(99)),
                (2, String::new(), true, None),
                (6, "m6".into(), false, None)
            ]
        );
        // A change to a message not loaded still moves the resume point.
        assert!(!t.deleted(Seq(7), Seq(100)));
        assert_eq!(t.last_seq(), Seq(7));
        let thumbs = vec![Reaction { emoji: "👍".into(), users: vec!["a".into()] }];
        let key = t.lines[0].key();
        assert!(t.reacted(Seq(8), Seq(1), thumbs.clone()));
        assert_ne!(t.lines[0].key(), key, "a reaction redraws the message");
        assert!(!t.reacted(Seq(8), Seq(1), Vec::new()));
        assert_eq!(t.messages().next().map(|m| m.reactions.clone()), Some(thumbs));
    }

    fn reply(seq: i64, root: i64, replies: i64, also_in_room: bool) -> ChatMessage {
        let thread = ThreadSummary { replies, last_at: seq, people: vec!["a".into()] };
        ChatMessage { thread_root: Some(Seq(root)), also_in_room, thread: Some(thread), ..msg(seq) }
    }

    fn replies_of(timeline: &Timeline, root: i64) -> Option<i64> {
        timeline.messages().find(|m| m.seq == Seq(root)).and_then(|m| m.thread.as_ref()).map(|t| t.replies)
    }

    #[test]
    fn a_thread_reply_counts_on_its_root_and_shows_in_its_thread_not_the_room() {
        let mut room = Timeline::from_page(HistoryPage { messages: vec![msg(1), msg(2)], has_older: false });
        let mut thread = Timeline::thread(ThreadPage {
            root: msg(1),
            replies: HistoryPage { messages: Vec::new(), has_older: false },
        });
        assert_eq!(thread.first_seq(), None, "no reply yet");
        for t in [&mut room, &mut thread] {
            assert_eq!(t.push(reply(3, 1, 1, false)), t.thread_root().is_some());
            assert_eq!(replies_of(t, 1), Some(1));
            // Sent to the room too: both show it.
            assert!(t.push(reply(4, 1, 2, true)));
            // Another thread's reply: only the count of its root (not held here) would move.
            assert!(!t.push(reply(5, 2, 1, false)));
            assert_eq!(t.last_seq(), Seq(5), "every reply moves the resume point");
        }
        assert_eq!(seqs(&room), [1, 2, 4]);
        assert_eq!(seqs(&thread), [1, 3, 4]);
        assert_eq!(replies_of(&room, 2), Some(1));
        // A count never goes back (a reply heard again, from an older summary).
        room.thread_grew(Seq(1), &ThreadSummary { replies: 1, last_at: 3, people: Vec::new() });
        assert_eq!(replies_of(&room, 1), Some(2));
        // Older replies go after the root, and "load older" continues from the first reply.
        let mut thread = Timeline::thread(ThreadPage {
            root: msg(1),
            replies: HistoryPage { messages: vec![reply(5, 1, 2, false)], has_older: true },
        });
        assert_eq!(thread.first_seq(), Some(Seq(5)));
        thread.prepend(HistoryPage { messages: vec![reply(3, 1, 1, false)], has_older: false });
        assert_eq!(seqs(&thread), [1, 3, 5]);
        assert!(!thread.has_older);
    }

    #[test]
    fn empty_timeline_resumes_from_zero() {
        assert_eq!(Timeline::default().last_seq(), Seq(0));
        assert_eq!(Timeline::default().first_seq(), None);
    }

    #[test]
    fn outbox_sends_in_order_and_resends_after_timeout() {
        let mut o = Outbox::default();
        o.add(pending("a"));
        o.add(pending("b"));
        let ids = |v: Vec<Pending>| v.into_iter().map(|p| p.client_id).collect::<Vec<_>>();
        assert_eq!(ids(o.due(1000.0)), vec!["a", "b"]);
        assert!(o.due(1000.0 + ACK_TIMEOUT_MS - 1.0).is_empty());
        assert!(o.delivered("a"));
        assert_eq!(ids(o.due(1000.0 + ACK_TIMEOUT_MS)), vec!["b"]);
        o.reconnected();
        assert_eq!(ids(o.due(1000.0 + ACK_TIMEOUT_MS + 1.0)), vec!["b"]);
    }

    /// A message the server stored before the page was live is waited for, never sent again:
    /// not on the first connection, not on a reconnect; its arrival, or the history passing
    /// its `seq` without it, ends the wait.
    #[test]
    fn a_message_stored_before_the_page_was_live_is_not_sent_again() {
        let mut o = Outbox::default();
        o.add(Pending { stored: Some(Seq(7)), ..pending("early") });
        o.add(Pending { stored: Some(Seq(9)), ..pending("later") });
        o.add(pending("typed"));
        let ids = |v: Vec<Pending>| v.into_iter().map(|p| p.client_id).collect::<Vec<_>>();
        assert_eq!(ids(o.due(1000.0)), vec!["typed"]);
        o.reconnected();
        assert_eq!(ids(o.due(1000.0 + ACK_TIMEOUT_MS * 10.0)), vec!["typed"]);
        assert!(o.delivered("early"));
        o.passed(Seq(8));
        assert_eq!(o.items.iter().map(|p| p.client_id.as_str()).collect::<Vec<_>>(), ["later", "typed"]);
        o.passed(Seq(9));
        assert_eq!(o.items.iter().map(|p| p.client_id.as_str()).collect::<Vec<_>>(), ["typed"]);
    }

    #[test]
    fn outbox_fails_after_max_attempts_and_retries_on_request() {
        let mut o = Outbox::default();
        o.add(pending("a"));
        let mut now = 1.0;
        for _ in 0..MAX_SEND_ATTEMPTS {
            assert_eq!(o.due(now).len(), 1);
            now += ACK_TIMEOUT_MS;
        }
        assert!(o.due(now).is_empty());
        assert_eq!(o.items[0].status, PendingStatus::Failed);
        o.retry("a");
        assert_eq!(o.due(now).len(), 1);
        o.discard("a");
        assert!(o.items.is_empty());
    }

    #[test]
    fn a_later_does_not_count_against_attempts() {
        let mut o = Outbox::default();
        o.add(pending("a"));
        o.due(1.0);
        o.later("a");
        assert_eq!(o.items[0].attempts, 0);
        o.failed("a", "too long".into());
        assert_eq!(o.items[0].status, PendingStatus::Failed);
        assert!(!o.delivered("zzz"));
    }
}
