//! How the page calls a server function: `call(LoadThread { .. })` rather than
//! `load_thread(..)`.
//!
//! In the browser, one small `fetch` for every function, sending what server_fn's own client
//! sends for the default encoding, which the bounds require: the arguments form-encoded by
//! `serde_qs`, `POST` to the function's URL, the answer JSON, read as text by the same JSON
//! readers the page's data already uses. server_fn's client — its request and response types,
//! gloo-net's HTTP half, and a second JSON reader for every answer type, over bytes — was 15
//! KB of the served bundle for a dozen calls (#28; docs/benchmarks.md, "The page's bundle").
//! It stays out only while no browser code calls a server function any other way: one direct
//! call brings all of it back. On the server, where a component's code runs too, the call is
//! the function's body, as calling the function there is.

use leptos::server_fn::codec::{Json, PostUrl};
use leptos::server_fn::{Http, ServerFn};

use crate::api_error::ApiError;

/// Call server function `S` with `args`; its answer, or why not (`unavailable` when the
/// server could not be reached). `Send`, as resources ask, the way server_fn's client is: the
/// browser runs it on its one thread.
#[cfg(feature = "hydrate")]
pub fn call<S>(args: S) -> impl Future<Output = Result<S::Output, ApiError>> + Send
where
    S: ServerFn<Error = ApiError, Protocol = Http<PostUrl, Json>> + serde::Serialize,
    S::Output: serde::de::DeserializeOwned,
{
    send_wrapper::SendWrapper::new(fetch_answer(args))
}

#[cfg(feature = "hydrate")]
async fn fetch_answer<S>(args: S) -> Result<S::Output, ApiError>
where
    S: ServerFn<Error = ApiError, Protocol = Http<PostUrl, Json>> + serde::Serialize,
    S::Output: serde::de::DeserializeOwned,
{
    let body = serde_qs::to_string(&args).map_err(|error| ApiError::invalid(error.to_string()))?;
    let (ok, text) = post(S::url(), &body).await.map_err(|_| {
        ApiError::new(crate::api_error::ApiCode::Unavailable, "the server could not be reached")
    })?;
    let unreadable = |error: serde_json::Error| {
        ApiError::new(
            crate::api_error::ApiCode::Internal,
            format!("the server's answer was not understood: {error}"),
        )
    };
    if ok {
        serde_json::from_str(&text).map_err(unreadable)
    } else {
        Err(serde_json::from_str(&text).map_err(unreadable)?)
    }
}

/// On the server: the function's body.
#[cfg(not(feature = "hydrate"))]
pub async fn call<S>(args: S) -> Result<S::Output, ApiError>
where
    S: ServerFn<Error = ApiError, Protocol = Http<PostUrl, Json>>,
{
    args.run_body().await
}

/// `POST` a form-encoded `body` to `url`: whether the answer was a success, and its text.
#[cfg(feature = "hydrate")]
async fn post(url: &str, body: &str) -> Result<(bool, String), wasm_bindgen::JsValue> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let headers = web_sys::Headers::new()?;
    headers.set("Content-Type", "application/x-www-form-urlencoded")?;
    headers.set("Accept", "application/json")?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&body.into());
    let window = web_sys::window().ok_or_else(|| wasm_bindgen::JsValue::from_str("no window"))?;
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str_and_init(url, &init)).await?.dyn_into()?;
    let text = JsFuture::from(response.text()?).await?.as_string().unwrap_or_default();
    Ok((response.ok(), text))
}
