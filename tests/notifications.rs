//! Notification settings are kept on the server (so every device follows them) and work as
//! plain forms; the installable app's files are served as browsers expect them.

use banter::api::RoomsPage;
use banter::notifications::NotifyLevel;

use crate::support::{TestServer, header, json_body};

/// Each of the person's rooms with its level, by title.
async fn levels(server: &TestServer, cookie: &str) -> Vec<(String, NotifyLevel)> {
    let page: RoomsPage = json_body(&server.call("/api/load_rooms", cookie, "").await);
    page.mine.into_iter().map(|r| (r.title, r.notify)).collect()
}

#[tokio::test]
async fn conversations_notify_of_everything_rooms_of_mentions_until_the_person_chooses() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    server.cookie("bob").await;
    server.post_form("/api/open_direct", Some(&ann), "username=bob").await;
    assert_eq!(
        levels(&server, &ann).await,
        [("#general".to_owned(), NotifyLevel::Mentions), ("bob".to_owned(), NotifyLevel::All)]
    );
    // Muting general, without JavaScript: a redirect back to the room.
    let muted = server.post_form("/api/set_notify", Some(&ann), "room=general&level=none").await;
    assert_eq!(header(&muted, "location"), Some("/r/general"), "{muted}");
    assert_eq!(levels(&server, &ann).await[0], ("#general".to_owned(), NotifyLevel::Nothing));
    // Another person's choice is their own.
    let bob = server.cookie("bob").await;
    assert_eq!(levels(&server, &bob).await[0], ("#general".to_owned(), NotifyLevel::Mentions));
    // A level that is not one is refused, and changes nothing.
    let loud = server.post_form("/api/set_notify", Some(&ann), "room=general&level=loud").await;
    assert_eq!(header(&loud, "serverfnerror"), Some("/api/set_notify"), "{loud}");
    assert_eq!(levels(&server, &ann).await[0].1, NotifyLevel::Nothing);
}

async fn quiet(server: &TestServer, cookie: &str) -> Option<i64> {
    json_body(&server.call("/api/my_quiet", cookie, "").await)
}

#[tokio::test]
async fn do_not_disturb_pauses_for_a_chosen_time_and_ends_on_request() {
    let server = TestServer::start().await;
    let ann = server.cookie("ann").await;
    assert_eq!(quiet(&server, &ann).await, None);
    let before = banter::model::now_ms();
    let paused = server.post_form("/api/set_quiet", Some(&ann), "minutes=60").await;
    assert_eq!(header(&paused, "location"), Some("/profile"), "{paused}");
    let until = quiet(&server, &ann).await.expect("paused");
    assert!((before + 3_600_000..=banter::model::now_ms() + 3_600_000).contains(&until));
    // Only the offered pauses.
    let odd = server.post_form("/api/set_quiet", Some(&ann), "minutes=100000").await;
    assert_eq!(header(&odd, "serverfnerror"), Some("/api/set_quiet"), "{odd}");
    server.post_form("/api/set_quiet", Some(&ann), "minutes=0").await;
    assert_eq!(quiet(&server, &ann).await, None);
}

#[tokio::test]
async fn the_manifest_service_worker_and_offline_page_are_served_for_installing() {
    let server = TestServer::start_serving_public().await;
    let manifest = server.fetch("", "/manifest.webmanifest", "").await;
    assert_eq!(manifest.header("content-type"), Some("application/manifest+json"));
    let manifest = manifest.json();
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(manifest["start_url"], "/");
    let sizes: Vec<&str> =
        manifest["icons"].as_array().expect("icons").iter().filter_map(|i| i["sizes"].as_str()).collect();
    assert!(sizes.contains(&"192x192") && sizes.contains(&"512x512"), "{sizes:?}");
    for icon in manifest["icons"].as_array().expect("icons") {
        let path = icon["src"].as_str().expect("src");
        let answer = server.fetch("", path, "").await;
        assert_eq!(answer.status, 200, "{path}");
    }
    let worker = server.fetch("", "/sw.js", "").await;
    assert_eq!(worker.header("content-type"), Some("text/javascript"));
    assert!(worker.text().contains("offline.html"));
    let offline = server.fetch("", "/offline.html", "").await;
    assert!(offline.text().contains("You are offline"));
}
