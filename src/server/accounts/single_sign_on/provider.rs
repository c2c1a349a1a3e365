//! The identity provider as Banter talks to it: its discovery document and keys (fetched on
//! first use and kept for [`DISCOVERY_TTL`]), the authorization URL of a new sign-in, and the
//! code exchanged for an ID token whose signature, issuer, audience, expiry and nonce are all
//! checked by `openidconnect` before anything in it is believed.
//!
//! Discovery is lazy on purpose: a provider that is down when Banter starts, or goes down
//! later, costs single sign-on only — the server starts, and password sign-in works.

use std::sync::Arc;
use std::time::{Duration, Instant};

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenResponse,
};
use tokio::sync::Mutex;

use super::provider_http::ProviderHttp;
use crate::server::Config;

/// How long the provider's discovery document and keys are trusted before being fetched again
/// (keys rotate; a key unknown to a token also drops them at once).
pub const DISCOVERY_TTL: Duration = Duration::from_secs(5 * 60);
/// After the provider could not be reached, how long sign-ins are told so at once instead of
/// each waiting for it again.
pub const UNREACHABLE_BACKOFF: Duration = Duration::from_secs(5);
/// Where the provider sends the browser back to: `<--public-url>` followed by this.
pub const CALLBACK_PATH: &str = "/auth/oidc/callback";
/// Where a sign-in through the provider starts (the sign-in page's button).
pub const START_PATH: &str = crate::accounts::SSO_START_PATH;

#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("the identity provider cannot be reached: {0}")]
    Unreachable(String),
    #[error("the identity provider refused the code: {0}")]
    CodeRefused(String),
    #[error("the identity provider's ID token is not valid: {0}")]
    InvalidToken(String),
}

/// Who the provider says signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub preferred_username: Option<String>,
    pub name: Option<String>,
}

/// A sign-in sent to the provider: where to send the browser, and what must come back.
pub struct Begun {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

enum Known {
    Nothing,
    Metadata(Instant, Arc<CoreProviderMetadata>),
    Unreachable(Instant, String),
}

/// The configured provider (`--oidc-issuer`, `--oidc-client-id`, `--oidc-client-secret`).
pub struct Provider {
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: Option<ClientSecret>,
    redirect: RedirectUrl,
    /// On the sign-in button (`--oidc-name`).
    pub name: String,
    http: ProviderHttp,
    known: Mutex<Known>,
}

impl Provider {
    /// The provider the configuration names, or `None` without `--oidc-issuer`.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Self>> {
        let (issuer, client_id) = match (&config.oidc_issuer, &config.oidc_client_id) {
            (None, None) => return Ok(None),
            (Some(issuer), Some(client_id)) => (issuer, client_id),
            _ => anyhow::bail!("single sign-on needs both --oidc-issuer and --oidc-client-id"),
        };
        let issuer = IssuerUrl::new(issuer.clone())
            .map_err(|error| anyhow::anyhow!("--oidc-issuer is not a URL: {error}"))?;
        let redirect = RedirectUrl::new(format!("{}{CALLBACK_PATH}", config.public_url(None)))
            .map_err(|error| anyhow::anyhow!("--public-url does not make a redirect URL: {error}"))?;
        Ok(Some(Self {
            issuer,
            client_id: ClientId::new(client_id.clone()),
            client_secret: config
                .oidc_client_secret
                .as_ref()
                .map(|s| ClientSecret::new(s.expose().to_owned())),
            redirect,
            name: config.oidc_name.clone(),
            http: ProviderHttp::new()?,
            known: Mutex::new(Known::Nothing),
        }))
    }

    /// The discovery document and keys, fetched when unknown or older than [`DISCOVERY_TTL`].
    async fn metadata(&self) -> Result<Arc<CoreProviderMetadata>, SsoError> {
        let mut known = self.known.lock().await;
        match &*known {
            Known::Metadata(at, metadata) if at.elapsed() < DISCOVERY_TTL => return Ok(Arc::clone(metadata)),
            Known::Unreachable(at, why) if at.elapsed() < UNREACHABLE_BACKOFF => {
                return Err(SsoError::Unreachable(why.clone()));
            }
            _ => {}
        }
        match CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http).await {
            Ok(metadata) => {
                let metadata = Arc::new(metadata);
                *known = Known::Metadata(Instant::now(), Arc::clone(&metadata));
                Ok(metadata)
            }
            Err(error) => {
                let why = error_chain(&error);
                tracing::warn!(issuer = %self.issuer.as_str(), error = %why, "cannot read the identity provider's discovery document");
                *known = Known::Unreachable(Instant::now(), why.clone());
                Err(SsoError::Unreachable(why))
            }
        }
    }

    fn client(
        &self,
        metadata: &CoreProviderMetadata,
    ) -> CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    > {
        CoreClient::from_provider_metadata(
            metadata.clone(),
            self.client_id.clone(),
            self.client_secret.clone(),
        )
        .set_redirect_uri(self.redirect.clone())
    }

    /// A new sign-in: the provider's authorization URL with a fresh `state`, nonce and PKCE
    /// challenge (S256).
    pub async fn begin(&self) -> Result<Begun, SsoError> {
        let metadata = self.metadata().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = self
            .client(&metadata)
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("profile".to_owned()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Begun {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchange `code` (with the sign-in's PKCE verifier) for an ID token, and check it.
    pub async fn finish(
        &self,
        code: &str,
        pkce_verifier: String,
        nonce: String,
    ) -> Result<Identity, SsoError> {
        let metadata = self.metadata().await?;
        let client = self.client(&metadata);
        let request = client.exchange_code(AuthorizationCode::new(code.to_owned())).map_err(|error| {
            SsoError::Unreachable(format!("the provider names no token endpoint: {error}"))
        })?;
        let response =
            request.set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier)).request_async(&self.http).await;
        let response = match response {
            Ok(response) => response,
            Err(RequestTokenError::ServerResponse(refusal)) => {
                return Err(SsoError::CodeRefused(refusal.to_string()));
            }
            Err(error) => return Err(SsoError::Unreachable(error_chain(&error))),
        };
        let Some(id_token) = response.id_token() else {
            return Err(SsoError::InvalidToken("the token response holds no ID token".to_owned()));
        };
        let claims = match id_token.claims(&client.id_token_verifier(), &Nonce::new(nonce)) {
            Ok(claims) => claims,
            Err(error) => {
                if matches!(error, ClaimsVerificationError::SignatureVerification(_)) {
                    // Perhaps the provider rotated its keys: the next sign-in fetches them anew.
                    *self.known.lock().await = Known::Nothing;
                }
                return Err(SsoError::InvalidToken(error_chain(&error)));
            }
        };
        Ok(Identity {
            issuer: claims.issuer().as_str().to_owned(),
            subject: claims.subject().as_str().to_owned(),
            preferred_username: claims.preferred_username().map(|name| name.as_str().to_owned()),
            name: claims.name().and_then(|name| name.get(None)).map(|name| name.as_str().to_owned()),
        })
    }
}

/// An error and its causes, on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
