//! Why a form came back, as the page shows it: a plain form's refusal arrives as
//! `?error=<code>`, which becomes a sentence (the query is never shown as it came); a hydrated
//! page's own call gets the same sentence from its JSON error.

use leptos::prelude::*;

use crate::api::FormError;
use crate::api_error::ApiError;

/// The sentence for the `?error=` code the server sent back, if any. Read from the page's
/// address, not a router's: a room's page has none (`page_address`).
pub fn returned_error() -> Signal<Option<String>> {
    let message = crate::page_address::query_value("error")
        .and_then(|code| FormError::from_code(&code))
        .map(FormError::message);
    Signal::stored(message)
}

/// Why `action`'s form was refused: its last call's error, or else the one in the query.
pub fn refusal<S>(action: ServerAction<S>) -> Signal<Option<String>>
where
    S: leptos::server_fn::ServerFn<Error = ApiError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    let returned = returned_error();
    Signal::derive(move || {
        let called = action.value().with(|value| match value {
            Some(Err(error)) => Some(error.message.clone()),
            _ => None,
        });
        called.or_else(|| returned.get())
    })
}
