//! A person's allowances (sign-in failures, messages, rooms) and socket caps are counted
//! over all nodes together; without Redis, sign-in goes on and each node limits messages alone.

use super::*;
use banter::ids::Seq;

#[tokio::test]
async fn sign_in_failures_count_over_all_nodes_and_sign_in_goes_on_without_redis() {
    use banter::server::accounts::signin_throttle::MAX_FAILURES_PER_USERNAME_AT_ADDRESS;
    let mut redis = TestRedis::start().await;
    let (first, second, _third) = three_nodes(&redis).await;
    let made = first.post_form("/api/sign_up", None, "username=fay&password=right+password").await;
    assert!(header(&made, "location").is_some(), "{made}");
    // The failures alternate between the nodes: neither holds enough of them to refuse alone.
    for n in 0..MAX_FAILURES_PER_USERNAME_AT_ADDRESS {
        let node = if n % 2 == 0 { &first } else { &second };
        let wrong = node.post_form("/api/sign_in", None, "username=fay&password=wrong+password").await;
        assert!(header(&wrong, "location").is_some_and(|l| l.contains("error=wrong-password")), "{wrong}");
    }
    let right = first.post_form("/api/sign_in", None, "username=fay&password=right+password").await;
    let location = header(&right, "location").expect("back to the form");
    assert!(location.starts_with("/signin?error=throttled"), "{location}");

    // Redis gone: each node's own throttle decides, and the right password works.
    redis.kill();
    let made = second.post_form("/api/sign_up", None, "username=gus&password=right+password").await;
    assert!(header(&made, "location").is_some(), "{made}");
    let right = second.post_form("/api/sign_in", None, "username=gus&password=right+password").await;
    assert_eq!(header(&right, "location"), Some("/"), "{right}");
}

#[tokio::test]
async fn a_person_s_message_allowance_is_one_over_all_nodes() {
    let redis = TestRedis::start().await;
    let (first, second) = two_nodes_allowing(&redis, 3).await;
    let mut here = first.join("ann").await;
    let mut there = joined(&second.ws_url(), &first.cookie("ann").await, "general").await;

    here.send_message("h1", "one").await;
    here.send_message("h2", "two").await;
    assert_eq!(here.ack("h2").await, Seq(2));
    // The second node has its own three to give, but the person has one left in all.
    assert_eq!(answer(&mut there, "t1", "three").await, Ok(Seq(3)));
    assert_eq!(answer(&mut there, "t2", "four").await, Err(ErrorCode::RateLimited));
}

#[tokio::test]
async fn other_allowances_are_one_over_all_nodes_too() {
    use banter::server::limits::person_limits::ROOM_BURST;
    let redis = TestRedis::start().await;
    let (first, second, _third) = three_nodes(&redis).await;
    let ann = first.cookie("ann").await;
    // Rooms made in turn on two nodes: each node alone would allow twice as many.
    for n in 0..ROOM_BURST {
        let node = if n % 2 == 0 { &first } else { &second };
        let made = node.post_form("/api/create_room", Some(&ann), &format!("name=room-{n}")).await;
        assert!(header(&made, "location").is_some_and(|l| l.starts_with("/r/")), "{made}");
    }
    let refused = second.post_form("/api/create_room", Some(&ann), "name=one-more").await;
    assert_eq!(header(&refused, "location"), Some("/rooms?error=too-many-rooms"), "{refused}");
}

#[tokio::test]
async fn the_socket_caps_hold_over_all_nodes() {
    use tokio_tungstenite::tungstenite::http::StatusCode;
    let redis = TestRedis::start().await;
    let url = redis.url();
    let capped = |c: &mut banter::server::Config| {
        c.max_sockets_per_account = 2;
        c.redis_url = Some(url.clone());
    };
    let first = TestServer::start_with(capped).await;
    let ann = first.cookie("ann").await;
    let second = TestServer::start_on(&first.database, first.storage.clone(), capped).await;
    let _here = first.try_connect(&ann).await.expect("the first socket");
    let mut there = second.try_connect(&ann).await.expect("the second, on the other node");
    // The first node holds one of hers, but she has two open in all.
    assert_eq!(first.try_connect(&ann).await.err(), Some(StatusCode::TOO_MANY_REQUESTS));
    // Closing the one on the second node frees a place on the first, once it is counted gone.
    there.ws.close(None).await.expect("close");
    while !matches!(there.event().await, Event::Closed(_) | Event::Ended) {}
    first.connect_once_freed(&ann).await;
}

#[tokio::test]
async fn a_socket_closed_after_redis_dropped_its_connections_frees_its_place_on_every_node() {
    use tokio_tungstenite::tungstenite::http::StatusCode;
    let redis = TestRedis::start().await;
    let url = redis.url();
    let capped = |c: &mut banter::server::Config| {
        c.max_sockets_per_account = 1;
        c.redis_url = Some(url.clone());
    };
    let first = TestServer::start_with(capped).await;
    let ann = first.cookie("ann").await;
    let mut socket = first.try_connect(&ann).await.expect("her one socket");
    assert_eq!(first.try_connect(&ann).await.err(), Some(StatusCode::TOO_MANY_REQUESTS));

    // Redis is still up, with her count, but the node's connection to it is gone.
    redis.drop_connections().await;
    socket.ws.close(None).await.expect("close");
    while !matches!(socket.event().await, Event::Closed(_) | Event::Ended) {}
    // A node started now asks Redis alone (nothing of its own counts her): her place is free.
    let second = TestServer::start_on(&first.database, first.storage.clone(), capped).await;
    second.connect_once_freed(&ann).await;
}

#[tokio::test]
async fn a_burst_on_one_node_asks_redis_once_per_lease_and_stays_within_the_allowance() {
    let redis = TestRedis::start().await;
    let url = redis.url();
    // Twenty at once: leases of five.
    let (first, second) = two_nodes_allowing(&redis, 20).await;
    let mut here = first.join("ann").await;
    let mut there = joined(&second.ws_url(), &first.cookie("ann").await, "general").await;

    let scripts_run = async || {
        let client = redis::Client::open(url.as_str()).expect("a Redis URL");
        let mut conn = client.get_multiplexed_async_connection().await.expect("Redis answers");
        let info: String =
            redis::cmd("INFO").arg("commandstats").query_async(&mut conn).await.expect("stats");
        info.lines()
            .filter(|line| line.starts_with("cmdstat_evalsha:") || line.starts_with("cmdstat_eval:"))
            .filter_map(|line| line.split("calls=").nth(1)?.split(',').next()?.parse::<u64>().ok())
            .sum::<u64>()
    };
    let before = scripts_run().await;
    for n in 0..10 {
        here.send_message(&format!("h{n}"), "hello").await;
    }
    assert_eq!(here.ack("h9").await, Seq(10));
    // Ten messages, two leases: not ten round trips to Redis.
    assert_eq!(scripts_run().await - before, 2);

    // Every token was counted in Redis before it was spent: the other node has what is left
    // (ten), less the five-token lease it takes at a time, and never more in all.
    let mut granted = 0;
    for n in 0..20 {
        match answer(&mut there, &format!("t{n}"), "there").await {
            Ok(_) => granted += 1,
            Err(code) => assert_eq!(code, ErrorCode::RateLimited),
        }
    }
    assert_eq!(granted, 10, "ann has twenty in all, over both nodes");
}

#[tokio::test]
async fn without_redis_a_node_still_limits_messages_alone_and_loses_none_it_took() {
    let mut redis = TestRedis::start().await;
    let (first, second) = two_nodes_allowing(&redis, 3).await;
    let mut ann = first.join("ann").await;
    let mut bob = second.join("bob").await;
    ann.send_message("a0", "through Redis").await;
    assert_eq!(ann.ack("a0").await, Seq(1));
    assert_eq!(hear(&mut bob, 1).await, [(Seq(1), "a0".to_owned())]);

    // Redis gone: ann's node counts alone, and still refuses past her allowance.
    redis.kill();
    let mut answers = Vec::new();
    for n in 1..=4 {
        answers.push(answer(&mut ann, &format!("a{n}"), "while Redis is down").await);
    }
    assert_eq!(
        answers,
        [Ok(Seq(2)), Ok(Seq(3)), Err(ErrorCode::RateLimited), Err(ErrorCode::RateLimited)],
        "two of her three were left on her node"
    );
    // What was taken reaches the other node through the database, once and in order.
    assert_eq!(hear(&mut bob, 2).await, [(Seq(2), "a1".to_owned()), (Seq(3), "a2".to_owned())]);
}

/// Two nodes on one database and one Redis, where a person may send `burst` messages at once
/// and then one every hundred seconds: none refills during a test.
async fn two_nodes_allowing(redis: &TestRedis, burst: u32) -> (TestServer, TestServer) {
    let url = redis.url();
    let allowing = |c: &mut banter::server::Config| {
        c.rate = 0.01;
        c.burst = burst;
        c.redis_url = Some(url.clone());
    };
    let first = TestServer::start_with(allowing).await;
    // Its schema in place before the second starts on its database.
    first.cookie("ann").await;
    let second = TestServer::start_on(&first.database, first.storage.clone(), allowing).await;
    (first, second)
}

/// Send a message as `id` and wait for what the server says of it: its `seq`, or why not.
async fn answer(client: &mut Client, id: &str, text: &str) -> Result<Seq, ErrorCode> {
    client.send_message(id, text).await;
    let (answer, _) = client
        .until(|f| match f {
            ServerFrame::Ack { client_id, .. } | ServerFrame::Error { client_id: Some(client_id), .. } => {
                client_id == id
            }
            _ => false,
        })
        .await;
    match answer {
        ServerFrame::Ack { seq, .. } => Ok(seq),
        ServerFrame::Error { code, .. } => Err(code),
        other => unreachable!("until returns what it waited for: {other:?}"),
    }
}
