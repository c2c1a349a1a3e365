//! This server as a WebAuthn relying party: its id (a host name) and the origin browsers show.
//! A passkey belongs to the host name it was made for, and browsers offer WebAuthn only to
//! names (and secure contexts: https, or `localhost`), never to an address by IP number.
//! So passkeys exist when `--passkey-origin`, or else `--public-url`, names a host; otherwise
//! the pages simply do not offer them.

use webauthn_rs::prelude::{Url, Webauthn, WebauthnBuilder};

use crate::server::config::Config;

/// This server as a relying party: the ceremonies' checker, and the origin its passkeys work on
/// (the pages offer them only there: a browser on another address of the server would refuse).
pub struct RelyingParty {
    pub webauthn: Webauthn,
    /// `scheme://host[:port]`, as `location.origin` reads in the browser.
    pub origin: String,
}

/// The relying party for this server's configuration: `Ok(None)` when the server's address has
/// no host name (an IP number, the default), an error when `--passkey-origin` was given but
/// cannot serve (the operator's mistake is said at start, not at the first sign-in).
pub fn from_config(config: &Config) -> anyhow::Result<Option<RelyingParty>> {
    let (origin, explicit) = match &config.passkey_origin {
        Some(origin) => (origin.clone(), true),
        None => (config.public_url(None), false),
    };
    let url = match Url::parse(&origin) {
        Ok(url) => url,
        Err(error) if explicit => anyhow::bail!("--passkey-origin {origin:?} is not a URL: {error}"),
        Err(_) => return Ok(None),
    };
    let Some(host) = url.domain().map(str::to_owned) else {
        if explicit {
            anyhow::bail!("--passkey-origin needs a host name, not an address: {origin}");
        }
        tracing::info!(%origin, "no passkeys: the server's address is not a host name (see --passkey-origin)");
        return Ok(None);
    };
    let built = WebauthnBuilder::new(&host, &url).and_then(|builder| builder.rp_name("Banter").build());
    match built {
        Ok(webauthn) => {
            let origin = url.origin().ascii_serialization();
            tracing::info!(relying_party = %host, %origin, "passkeys on");
            Ok(Some(RelyingParty { webauthn, origin }))
        }
        Err(error) => anyhow::bail!("cannot offer passkeys for {origin}: {error}"),
    }
}
