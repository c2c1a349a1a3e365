//! Cross-site request forgery is refused, and every page carries the security headers.

use crate::support::{TestServer, header};

/// A form post to `path` as a browser would send it from a page at `origin`.
async fn post_from(server: &TestServer, origin: &str, path: &str, cookie: &str, form: &str) -> String {
    server
        .http(&format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\nAccept: text/html\r\nCookie: {cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n{form}",
            host = server.addr,
            len = form.len()
        ))
        .await
}

#[tokio::test]
async fn a_form_post_from_another_site_is_refused_and_changes_nothing() {
    let server = TestServer::start().await;
    let cookie = server.cookie("ann").await;
    for origin in ["http://evil.example", "null", &format!("https://{}", server.addr)] {
        let refused = post_from(&server, origin, "/api/create_room", &cookie, "name=planted").await;
        assert!(refused.starts_with("HTTP/1.1 403"), "{origin}: {refused}");
        assert!(refused.contains("another site"), "{refused}");
    }
    let rooms = server.get_as(&cookie, "/rooms").await;
    assert!(!rooms.contains("planted"), "no room was made");
    // A Referer from elsewhere, without Origin, is refused the same way.
    let form = "display_name=pwned&status=";
    let by_referer = server
        .http(&format!(
            "POST /api/update_profile HTTP/1.1\r\nHost: {host}\r\nReferer: http://evil.example/x\r\nCookie: {cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n{form}",
            host = server.addr,
            len = form.len()
        ))
        .await;
    assert!(by_referer.starts_with("HTTP/1.1 403"), "{by_referer}");

    // From our own page it goes through.
    let own = format!("http://{}", server.addr);
    let made = post_from(&server, &own, "/api/create_room", &cookie, "name=real").await;
    assert_eq!(header(&made, "location"), Some("/r/real"), "{made}");
}

#[tokio::test]
async fn pages_carry_a_nonce_csp_and_the_security_headers() {
    let server = TestServer::start().await;
    let page = server.get("/signin").await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    let csp = header(&page, "content-security-policy").expect("a CSP");
    let nonce = page.split("nonce=\"").nth(1).and_then(|n| n.split('"').next()).expect("a script nonce");
    assert!(csp.contains(&format!("'nonce-{nonce}'")), "{csp}");
    assert!(
        !csp.contains("script-src 'self' 'unsafe-inline'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(header(&page, "x-content-type-options"), Some("nosniff"));
    assert_eq!(header(&page, "x-frame-options"), Some("DENY"));
    assert!(header(&page, "referrer-policy").is_some());
    assert_eq!(header(&page, "strict-transport-security"), None, "not over https");
    // Each page gets its own nonce.
    let again = server.get("/signin").await;
    assert_ne!(header(&again, "content-security-policy"), Some(csp));

    let behind_tls = server
        .http(&format!(
            "GET /healthz HTTP/1.1\r\nHost: {}\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n",
            server.addr
        ))
        .await;
    assert!(header(&behind_tls, "strict-transport-security").is_some_and(|h| h.contains("max-age=")));
    assert_eq!(header(&behind_tls, "x-content-type-options"), Some("nosniff"));
}
