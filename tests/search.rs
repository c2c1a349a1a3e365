//! Search: what a person finds is in their rooms, matches what they typed however it is
//! accented or written, and is the text as it is now (edited-away and deleted text is gone).

use banter::api::SEARCH_PAGE;
use banter::api::SearchResults;
use banter::protocol::{ClientFrame, ServerFrame};
use banter::server::search::index::{SEARCH_BLOCK, SEARCH_WINDOWS};
use banter::server::search::vocabulary::FRESH_MESSAGES;
use banter::server::storage::database::Database;

use crate::support::{Client, TestServer, form_value, json_body};

/// Search as the page's script does; the query string is the form's fields.
async fn search(server: &TestServer, cookie: &str, fields: &str) -> SearchResults {
    json_body(&server.call("/api/search_messages", cookie, fields).await)
}

/// The texts of the results, matches in [brackets].
fn texts(results: &SearchResults) -> Vec<String> {
    results
        .hits
        .iter()
        .map(|hit| hit.parts.iter().map(|(t, m)| if *m { format!("[{t}]") } else { t.clone() }).collect())
        .collect()
}

async fn change(client: &mut Client, frame: ClientFrame, id: &str) {
    client.send(&frame).await;
    client.until(|f| matches!(f, ServerFrame::Ack { client_id, .. } if client_id == id)).await;
}

#[tokio::test]
async fn finds_by_word_start_and_without_accents_newest_first_only_in_ones_rooms() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    server.post_form("/api/create_room", Some(&ann), "name=hideout&private=on").await;
    // A private room's address is not its title.
    let rooms = search(&server, &ann, "form[q]=").await.rooms;
    let hideout = rooms.iter().find(|r| r.title == "#hideout").map(|r| r.name.clone()).expect("ann's room");
    server.post_message(&ann, &hideout, "h1", "Café lunch tomorrow, secretly").await;
    server.post_message(&bob, "general", "g1", "lunch at noon?").await;
    server.post_message(&ann, "general", "g2", "LUNCHES are the best part of the day").await;

    // Bob is not in the private room: its message is not his to find.
    let found = search(&server, &bob, "form[q]=lunch").await;
    assert_eq!(texts(&found), ["[LUNCHES] are the best part of the day", "[lunch] at noon?"]);
    assert!(search(&server, &bob, "form[q]=cafe").await.hits.is_empty());
    // Nor by naming the room.
    assert!(search(&server, &bob, &format!("form[q]=lunch&form[room]={hideout}")).await.hits.is_empty());

    // Ann finds it, the accent folded either way, titled by its room.
    let found = search(&server, &ann, "form[q]=CAFE+tomor").await;
    assert_eq!(texts(&found), ["[Café] lunch [tomorrow], secretly"]);
    assert_eq!(found.hits[0].room_title, "#hideout");
    assert_eq!(texts(&search(&server, &ann, "form[q]=caf%C3%A9").await), ["[Café] lunch tomorrow, secretly"]);

    // Filters: a room, a person.
    let general = search(&server, &ann, "form[q]=lunch&form[room]=general").await;
    assert_eq!(general.hits.len(), 2);
    let by_bob = search(&server, &ann, "form[q]=lunch&form[from]=%40bob").await;
    assert_eq!(texts(&by_bob), ["[lunch] at noon?"]);
    assert_eq!(by_bob.hits[0].username, "bob");

    // Nothing to search for is said, not an empty list: to a script as a refusal, on the
    // page as a sentence above its form.
    let nothing = server.call("/api/search_messages", &ann, "form[q]=%3F%21").await;
    assert!(nothing.starts_with("HTTP/1.1 400"), "{nothing}");
    let refusal: serde_json::Value = json_body(&nothing);
    assert_eq!(refusal["message"], "Type a word to search for.");
    let page: SearchResults = json_body(&server.call("/api/search_page", &ann, "form[q]=%3F%21").await);
    assert_eq!(page.error.as_deref(), Some("Type a word to search for."));
    assert!(!page.rooms.is_empty(), "the page keeps its sidebar");
}

#[tokio::test]
async fn edited_away_and_deleted_text_is_not_found() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let mut client = server.join("ann").await;
    client.send_message("m1", "the secret plan").await;
    let seq = client.ack("m1").await;
    assert_eq!(search(&server, &ann, "form[q]=secret").await.hits.len(), 1);

    let edit = ClientFrame::Edit {
        room: "general".into(),
        client_id: "e1".into(),
        seq,
        body: "nothing here".into(),
    };
    change(&mut client, edit, "e1").await;
    assert!(search(&server, &ann, "form[q]=secret").await.hits.is_empty());
    assert_eq!(texts(&search(&server, &ann, "form[q]=nothing").await), ["[nothing] here"]);

    let delete = ClientFrame::Delete { room: "general".into(), client_id: "d1".into(), seq };
    change(&mut client, delete, "d1").await;
    assert!(search(&server, &ann, "form[q]=nothing").await.hits.is_empty());
}

#[tokio::test]
async fn cjk_text_is_found_by_any_substring() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    server.post_message(&ann, "general", "j1", "私は東京へ行きます").await;
    server.post_message(&ann, "general", "j2", "京都もいいです").await;
    assert_eq!(
        texts(&search(&server, &ann, &format!("form[q]={}", form_value("東京"))).await),
        ["私は[東京]へ行きます"]
    );
    assert_eq!(
        texts(&search(&server, &ann, &format!("form[q]={}", form_value("京へ"))).await),
        ["私は東[京へ]行きます"]
    );
    assert_eq!(search(&server, &ann, &format!("form[q]={}", form_value("京"))).await.hits.len(), 2);
}

#[tokio::test]
async fn a_match_older_than_the_newest_window_is_found_and_ordered_with_the_newer_ones() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    server.post_message(&ann, "general", "o1", "lunch with the zebras, long ago").await;
    server.post_message(&ann, "general", "o2", "an old lunch").await;
    // More messages than the newest window holds, in a room of Bob's that Ann is not in:
    // written straight to the database (their words are not indexed; they only take ids).
    server.post_form("/api/create_room", Some(&bob), "name=filler").await;
    let filler = SEARCH_WINDOWS[0] + 2_000;
    sqlx::query(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {filler})
         INSERT INTO messages (room_id, seq, client_id, author, body, created_at)
         SELECT (SELECT id FROM rooms WHERE name = 'filler'), i, 'f' || i, 'Bob', 'filler', 1700000000000 + i
         FROM n"
    ))
    .execute(&server.sql().await)
    .await
    .expect("filler stored");
    server.post_message(&ann, "general", "n1", "lunch today?").await;
    server.post_message(&bob, "general", "n2", "lunch, yes").await;

    // Found far back, past the newest window, on each store.
    assert_eq!(texts(&search(&server, &ann, "form[q]=zebra").await), ["lunch with the [zebras], long ago"]);
    // A word in both: the newest window's matches first, then the older ones, newest first.
    assert_eq!(
        texts(&search(&server, &bob, "form[q]=lunch").await),
        ["[lunch], yes", "[lunch] today?", "an old [lunch]", "[lunch] with the zebras, long ago"]
    );
}

#[tokio::test]
async fn a_word_absent_lately_is_found_far_back_newest_first_page_after_page() {
    let mut server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    let bob = server.cookie("bob").await;
    server.post_form("/api/create_room", Some(&ann), "name=canteen").await;
    server.post_form("/api/create_room", Some(&bob), "name=filler").await;
    server.stop().await;
    // Written straight to the database, the lunches indexed at the restart: 40 old ones, more
    // than a block of ids later 5 newer ones, then more than a block and a window of ids with
    // none (messages without words, which are not indexed: they only take ids). On PostgreSQL
    // the newer ones and the old ones are in two blocks, past an empty one and the window.
    let sql = server.sql().await;
    let store = |room: &str, from: i64, to: i64, body: &str| {
        format!(
            "WITH RECURSIVE n(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM n WHERE i < {to})
             INSERT INTO messages (room_id, seq, client_id, author, body, created_at)
             SELECT (SELECT id FROM rooms WHERE name = '{room}'), i, '{room}' || i, 'Ann', {body}, 1700000000000 + i
             FROM n"
        )
    };
    let gap = SEARCH_BLOCK + SEARCH_WINDOWS[0];
    for statement in [
        store("canteen", 1, 40, "'lunch, old ' || i"),
        store("filler", 1, SEARCH_BLOCK + 100, "''"),
        store("canteen", 41, 45, "'lunch, newer ' || i"),
        store("filler", SEARCH_BLOCK + 101, SEARCH_BLOCK + 100 + gap, "''"),
        "UPDATE rooms SET last_seq = 45 WHERE name = 'canteen'".to_owned(),
        format!("UPDATE rooms SET last_seq = {} WHERE name = 'filler'", SEARCH_BLOCK + 100 + gap),
    ] {
        sqlx::query(&statement).execute(&sql).await.expect("messages stored");
    }
    let server = server.restart(|_| {}).await;

    let first = search(&server, &ann, "form[q]=lunch").await;
    let newer = (41..=45).rev().map(|i| format!("[lunch], newer {i}"));
    let old = |from: i64, to: i64| (from..=to).rev().map(|i| format!("[lunch], old {i}"));
    assert_eq!(texts(&first), newer.chain(old(16, 40)).collect::<Vec<_>>());
    assert_eq!(first.hits.len(), SEARCH_PAGE);
    let older = first.older.expect("a next page");
    let second = search(&server, &ann, &format!("form[q]=lunch&form[before]={older}")).await;
    assert_eq!(texts(&second), old(1, 15).collect::<Vec<_>>());
    assert_eq!(second.older, None);
    // A word nowhere, asked of every block.
    assert!(search(&server, &ann, "form[q]=supper").await.hits.is_empty());
}

#[tokio::test]
async fn messages_stored_before_the_index_are_found_after_a_restart() {
    let mut server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    server.post_message(&ann, "general", "o1", "an old message about llamas").await;
    server.stop().await;
    // As a database from before the index: its messages are not in it.
    sqlx::query("DELETE FROM message_search").execute(&server.sql().await).await.expect("emptied");
    // Ann's session outlived the restart.
    let server = server.restart(|_| {}).await;
    assert_eq!(texts(&search(&server, &ann, "form[q]=llama").await), ["an old message about [llamas]"]);
}

#[tokio::test]
async fn a_word_is_found_in_every_word_it_begins_whether_few_or_many_old_or_new() {
    let mut server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    server.post_form("/api/create_room", Some(&ann), "name=zoo").await;
    // More messages than SQLite's small index holds before its words move into the list,
    // each with a word of its own: written straight to the database and indexed at start.
    let count = FRESH_MESSAGES + 10;
    server.stop().await;
    sqlx::query(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
         INSERT INTO messages (room_id, seq, client_id, author, body, created_at)
         SELECT (SELECT id FROM rooms WHERE name = 'zoo'), i, 'z' || i, 'Ann', 'zebra' || i, 1700000000000 + i
         FROM n"
    ))
    .execute(&server.sql().await)
    .await
    .expect("messages stored");
    sqlx::query(&format!("UPDATE rooms SET last_seq = {count} WHERE name = 'zoo'"))
        .execute(&server.sql().await)
        .await
        .expect("room's count moved on");
    let server = server.restart(|_| {}).await;
    server.post_message(&ann, "zoo", "fish", "a zebrafish").await;

    // A few words, some moved into the list (zebra100, zebra1000), some not yet (the rest).
    let few: Vec<String> = (1000..count).rev().chain([100]).map(|i| format!("[zebra{i}]")).collect();
    assert_eq!(texts(&search(&server, &ann, "form[q]=zebra100").await), few);
    // The newest word, from a message posted since.
    assert_eq!(texts(&search(&server, &ann, "form[q]=zebraf").await), ["a [zebrafish]"]);
    // More words than a search word is asked as: still every match, newest first.
    let many = texts(&search(&server, &ann, "form[q]=zebra").await);
    assert_eq!(many[..3], ["a [zebrafish]", &format!("[zebra{count}]"), &format!("[zebra{}]", count - 1)]);
    assert_eq!(many.len(), 30);
    // A word that begins none of them.
    assert!(search(&server, &ann, "form[q]=zebra2000").await.hits.is_empty());
    // More words than one search asks for (zebra1, zebra10…, zebra100…, zebra1000…: 122), so
    // asked as several on SQLite: newest first across them, and a message in two of them once.
    server.post_message(&ann, "zoo", "both", "zebra1 and zebra199").await;
    let expected: Vec<String> = ["[zebra1] and [zebra199]".to_owned()]
        .into_iter()
        .chain((1000..count + 1).rev().chain((182..200).rev()).map(|i| format!("[zebra{i}]")))
        .collect();
    assert_eq!(texts(&search(&server, &ann, "form[q]=zebra1").await), expected);
}

#[tokio::test]
async fn a_lost_list_of_the_index_words_is_made_again_at_start() {
    let mut server = TestServer::start().await;
    if !matches!(server.database, Database::Sqlite(_)) {
        return; // PostgreSQL keeps no list (`server::search::vocabulary`).
    }
    let ann = server.cookie("ann").await;
    server.post_message(&ann, "general", "o1", "an old message about llamas").await;
    server.stop().await;
    // As a database from before the list: its index holds words the list does not.
    let sql = server.sql().await;
    for statement in [
        "DELETE FROM message_search_words",
        "INSERT INTO message_search_fresh (message_search_fresh) VALUES ('delete-all')",
    ] {
        sqlx::query(statement).execute(&sql).await.expect("list emptied");
    }
    let server = server.restart(|_| {}).await;
    assert_eq!(texts(&search(&server, &ann, "form[q]=llama").await), ["an old message about [llamas]"]);
}

#[tokio::test]
async fn the_page_works_without_javascript_and_a_result_opens_its_room_there() {
    let server = TestServer::start_with(|c| c.rate = 1e9).await;
    let ann = server.cookie("ann").await;
    let mut client = server.join("ann").await;
    client.send_message("first", "the needle is here").await;
    let needle = client.ack("first").await;
    // Far more than one page of history after it.
    for i in 0..(banter::protocol::HISTORY_PAGE + 20) {
        let id = format!("hay{i}");
        client.send_message(&id, "hay").await;
        client.ack(&id).await;
    }
    let page = server.get_as(&ann, "/search?q=needle").await;
    assert!(page.contains("<mark>needle"), "{page}");
    let link = format!("/r/general?at={needle}#m-{needle}");
    assert!(page.contains(&link), "{page}");

    // The room's page, opened there, holds the message (the latest page alone would not).
    let room = server.get_as(&ann, &format!("/r/general?at={needle}")).await;
    assert!(room.contains(&format!("id=\"m-{needle}\"")), "{room}");
    let latest = server.get_as(&ann, "/r/general").await;
    assert!(!latest.contains(&format!("id=\"m-{needle}\"")));
}
