//! The HTTP client `openidconnect` sends its requests with: our own reqwest (one TLS stack in
//! the binary), with no redirects followed (the OpenID Connect spec's advice against request
//! forgery through the provider's answers), a deadline on each call and a cap on what an
//! answer may weigh, so a slow or hostile provider can hold a sign-in for at most
//! [`PROVIDER_TIMEOUT`] and cost at most [`MAX_PROVIDER_ANSWER_BYTES`].
//!
//! Not through the outbound guard: the identity provider is the operator's own choice (often
//! inside their network), named on the command line, like the database or the SMTP server.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures::StreamExt;
use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};

/// Longest any one call to the provider may take, connection included.
pub const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest answer read from the provider (discovery document, keys, tokens).
pub const MAX_PROVIDER_ANSWER_BYTES: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ProviderHttpError {
    #[error("the identity provider cannot be reached: {0}")]
    Unreachable(#[from] reqwest::Error),
    #[error("the identity provider's answer is over {MAX_PROVIDER_ANSWER_BYTES} bytes")]
    TooLarge,
    #[error("cannot build the request: {0}")]
    Request(String),
}

/// reqwest, as `openidconnect` calls it.
#[derive(Clone)]
pub struct ProviderHttp(reqwest::Client);

impl ProviderHttp {
    pub fn new() -> reqwest::Result<Self> {
        // reqwest is built without a TLS provider of its own choosing: ring, here, for all.
        let _already = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .timeout(PROVIDER_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map(Self)
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, ProviderHttpError> {
        let (parts, body) = request.into_parts();
        let request = self
            .0
            .request(parts.method, parts.uri.to_string())
            .headers(parts.headers)
            .body(body)
            .build()
            .map_err(|error| ProviderHttpError::Request(error.to_string()))?;
        let response = self.0.execute(request).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            if body.len() + chunk.len() > MAX_PROVIDER_ANSWER_BYTES {
                return Err(ProviderHttpError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        let mut answer = HttpResponse::new(body);
        *answer.status_mut() = status;
        *answer.headers_mut() = headers;
        Ok(answer)
    }
}

impl<'c> AsyncHttpClient<'c> for ProviderHttp {
    type Error = ProviderHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}
