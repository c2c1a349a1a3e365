//! A hand-written HTTP/1.1 client, byte for byte what a browser or a script sends (so a test
//! can also send what no well-behaved client would), and the answers read back as text,
//! bytes or JSON.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::PATIENCE;
use super::server::TestServer;

/// A form field's value, percent-encoded.
pub fn form_value(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The JSON body of a server function's answer.
pub fn json_body<T: serde::de::DeserializeOwned>(answer: &str) -> T {
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"))
}

/// The value of the cookie `name` that `response` sets (not its removal), if any.
pub fn set_cookie(response: &str, name: &str) -> Option<String> {
    response.lines().take_while(|line| !line.is_empty()).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        if !key.eq_ignore_ascii_case("set-cookie") {
            return None;
        }
        let pair = value.trim().split(';').next()?;
        let (cookie, value) = pair.split_once('=')?;
        (cookie == name && !value.is_empty()).then(|| value.to_owned())
    })
}

/// A request that got no whole answer within [`PATIENCE`]: which one, and what did come.
fn no_answer_in_time(request: &[u8], partial: &[u8]) -> ! {
    let request = String::from_utf8_lossy(request);
    let first_line = request.lines().next().unwrap_or_default();
    let head = String::from_utf8_lossy(&partial[..partial.len().min(400)]);
    panic!("no whole response in time to {first_line:?}; {} bytes came: {head:?}", partial.len())
}

/// The value of a response's header (the first of that name, matched without case).
pub fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    response
        .lines()
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_once(':'))
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim())
}

impl TestServer {
    /// A plain HTTP/1.1 request; returns the status line, headers and body as text.
    pub async fn http(&self, request: &str) -> String {
        let mut stream = TcpStream::connect(self.addr).await.expect("connect");
        stream.write_all(request.as_bytes()).await.expect("write request");
        let mut response = Vec::new();
        let read = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut response)).await;
        let Ok(read) = read else { no_answer_in_time(request.as_bytes(), &response) };
        read.expect("read response");
        String::from_utf8_lossy(&response).into_owned()
    }

    /// Send `request` (bytes, `Connection: close`) and read the whole answer.
    pub async fn http_bytes(&self, request: &[u8]) -> RawResponse {
        let mut stream = TcpStream::connect(self.addr).await.expect("connect");
        stream.write_all(request).await.expect("write request");
        let mut response = Vec::new();
        let read = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut response)).await;
        let Ok(read) = read else { no_answer_in_time(request, &response) };
        read.expect("read response");
        RawResponse::parse(response)
    }

    /// Upload `bytes` as the file `name` (multipart, as a browser's form data), as `cookie`.
    pub async fn upload(&self, cookie: &str, name: &str, bytes: &[u8]) -> RawResponse {
        let boundary = "----banter-test-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut request = format!(
            "POST /api/uploads HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nCookie: {cookie}\r\n\
             Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n",
            host = self.addr,
            len = body.len()
        )
        .into_bytes();
        request.extend_from_slice(&body);
        self.http_bytes(&request).await
    }

    /// `GET path` as `cookie` (empty: signed out), with extra header lines (each ending `\r\n`).
    pub async fn fetch(&self, cookie: &str, path: &str, extra: &str) -> RawResponse {
        let cookie = if cookie.is_empty() { String::new() } else { format!("Cookie: {cookie}\r\n") };
        self.http_bytes(
            format!("GET {path} HTTP/1.1\r\nHost: {}\r\n{cookie}{extra}Connection: close\r\n\r\n", self.addr)
                .as_bytes(),
        )
        .await
    }

    /// `GET path` as a browser navigating there (which says it accepts HTML).
    pub async fn get(&self, path: &str) -> String {
        self.http(&format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAccept: text/html\r\nConnection: close\r\n\r\n",
            self.addr
        ))
        .await
    }

    /// A value from the server's `/metrics`.
    pub async fn metric(&self, name: &str) -> usize {
        let page = self.get("/metrics").await;
        page.lines()
            .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.trim().parse().ok()))
            .unwrap_or_else(|| panic!("no {name} in {page}"))
    }

    /// `GET path` with a cookie, as a signed-in browser would.
    pub async fn get_as(&self, cookie: &str, path: &str) -> String {
        self.http(&format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAccept: text/html\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n",
            self.addr
        ))
        .await
    }

    /// A server function call as the page's script makes it: form fields in, JSON out.
    pub async fn call(&self, path: &str, cookie: &str, form: &str) -> String {
        self.http(&format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\nCookie: {cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n{form}",
            host = self.addr,
            len = form.len()
        ))
        .await
    }

    /// Post `body` to `room` as the account behind `cookie`, through the plain form endpoint:
    /// stored, and answered with a redirect back.
    pub async fn post_message(&self, cookie: &str, room: &str, client_id: &str, body: &str) {
        let form = format!("room={room}&body={}&client_id={client_id}", form_value(body));
        let answer = self.post_form("/api/post_message", Some(cookie), &form).await;
        assert!(answer.starts_with("HTTP/1.1 302"), "{answer}");
    }

    /// A JSON post as a page's script sends it (`fetch` with a JSON body), with cookies.
    pub async fn post_json(&self, path: &str, cookie: &str, body: &str) -> String {
        self.http(&format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\nCookie: {cookie}\r\n\
             Content-Type: application/json\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n{body}",
            host = self.addr,
            len = body.len()
        ))
        .await
    }

    /// A form post as a browser without JavaScript sends it (`Accept: text/html`), with an
    /// optional cookie. Returns the whole response.
    pub async fn post_form(&self, path: &str, cookie: Option<&str>, form: &str) -> String {
        let cookie = cookie.map(|c| format!("Cookie: {c}\r\n")).unwrap_or_default();
        self.http(&format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/html\r\nReferer: http://{host}/\r\n{cookie}\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n{form}",
            host = self.addr,
            len = form.len()
        ))
        .await
    }
}

/// An HTTP response: status, header block, body bytes.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl RawResponse {
    fn parse(bytes: Vec<u8>) -> Self {
        let split = bytes.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block");
        let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status");
        let mut body = bytes[split + 4..].to_vec();
        if header(&head, "transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
            body = dechunk(&body);
        }
        Self { status, head, body }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.head, name)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("JSON body ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&body[..line_end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&body[line_end + 2..line_end + 2 + size]);
        body = &body[line_end + 2 + size + 2..];
    }
    out
}
