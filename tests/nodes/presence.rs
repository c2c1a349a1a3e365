//! Who is online and who is typing crosses nodes; the people of a node that dies go offline.

use super::*;

#[tokio::test]
async fn presence_and_typing_cross_nodes_and_a_dead_node_s_people_go_offline() {
    let redis = TestRedis::start().await;
    let url = redis.url();
    let first = TestServer::start_with(|c| {
        c.redis_url = Some(url.clone());
        c.presence_heartbeat_ms = 100;
        c.presence_timeout_ms = 1_000;
    })
    .await;
    let mut ann = first.join("ann").await;
    ann.hear_people();
    // Bob on a second node that can die: the real binary, killed with SIGKILL below.
    let args = ["--redis-url", &url, "--presence-heartbeat-ms", "100", "--presence-timeout-ms", "1000"];
    let second = Process::start_on(&first.database, &first.storage, &args);
    let bob_cookie = first.cookie("bob").await;
    let mut bob = joined(&second.ws_url(), &bob_cookie, "general").await;

    // Ann, on the first node, hears bob come in: two people online.
    let (joined, mut heard) =
        ann.until(|f| matches!(f, ServerFrame::Presence { username, .. } if username == "bob")).await;
    assert!(
        matches!(joined, ServerFrame::Presence { event: PresenceEvent::Joined, online: 2, .. }),
        "{joined:?}"
    );
    heard.push(joined);
    // Bob types on his node; ann hears it on hers.
    bob.send(&ClientFrame::Typing { room: "general".into() }).await;
    let (typing, skipped) =
        ann.until(|f| matches!(f, ServerFrame::Typing { username, .. } if username == "bob")).await;
    heard.extend(skipped);
    heard.push(typing);

    // A tab of bob's on ann's node: the room lists him once, and nobody is told he came or
    // went, since he is still there on his own node.
    let mut tab = Client::connect(&first.ws_url(), &bob_cookie).await;
    tab.send(&ClientFrame::Hello { room: "general".into(), after: None }).await;
    let ServerFrame::Welcome { online, .. } = tab.next().await else { panic!("a welcome") };
    assert_eq!(online, ["ann", "bob"]);
    drop(tab);

    // His node dies: within the presence timeout ann sees him leave, and go offline.
    second.kill9();
    let left = |f: &ServerFrame| matches!(f, ServerFrame::Presence { event: PresenceEvent::Left, username, .. } if username == "bob");
    let offline =
        |f: &ServerFrame| matches!(f, ServerFrame::Person { username, online: false } if username == "bob");
    while !(heard.iter().any(left) && heard.iter().any(offline)) {
        heard.push(ann.next().await);
    }
    let about_bob: Vec<&ServerFrame> = heard
        .iter()
        .filter(|f| {
            matches!(f, ServerFrame::Presence { username, .. } | ServerFrame::Person { username, .. } if username == "bob")
        })
        .collect();
    // Each once, whatever his second tab did: in, online, out, offline.
    assert_eq!(about_bob.len(), 4, "{about_bob:?}");
    assert!(
        heard
            .iter()
            .any(|f| matches!(f, ServerFrame::Presence { event: PresenceEvent::Left, online: 1, .. }))
    );
    assert!(
        heard
            .iter()
            .any(|f| matches!(f, ServerFrame::Person { username, online: true } if username == "bob"))
    );
}
