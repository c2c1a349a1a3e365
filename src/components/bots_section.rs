//! `BotsSection`: the profile's bots: make one, see when each was last used, give one a new
//! token or take its token away. Plain forms (they work without JavaScript and cost the
//! page's script nothing); a token shows once, on the page the form comes back to.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::{BotsList, CreateBot, RevokeBotToken, RotateBotToken, my_bots};
use crate::components::form_refusal::returned_error;
use crate::model::{BotSummary, date_time};
use crate::protocol::MAX_NAME_CHARS;

#[component]
pub fn BotsSection() -> impl IntoView {
    let bots = Resource::new_blocking(|| (), |_| my_bots());
    // A refusal of the form below (`?error=…&in=bots`), not of the profile's own form.
    let query = leptos_router::hooks::use_query_map();
    let returned = returned_error();
    let error =
        move || query.read().get("in").is_some_and(|form| form == "bots").then(|| returned.get()).flatten();
    view! {
        <section class="account-form bots" id="bots" aria-labelledby="bots-title">
            <h2 id="bots-title">"Bots"</h2>
            <p class="muted">
                "A bot posts and reads with its token (" <code>"Authorization: Bearer …"</code>
                "), in the rooms it is invited to or joins. The API: "
                <a href="/api/v1/openapi.json">"/api/v1/openapi.json"</a> "."
            </p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let BotsList { bots, new_token } = bots.await.unwrap_or_default();
                    view! {
                        {new_token.map(|token| view! {
                            <div id="bot-token" class="bot-token" role="status">
                                <p>"The token of @" {token.username} ". Copy it now: it is not shown again."</p>
                                <code id="bot-token-value">{token.token}</code>
                            </div>
                        })}
                        <ul id="bot-list">
                            {bots.into_iter().map(|bot| view! { <BotItem bot/> }).collect_view()}
                        </ul>
                    }
                })}
            </Suspense>
            <form method="post" action=CreateBot::url() id="create-bot">
                <label for="bot-username">"Username"</label>
                <input id="bot-username" name="username" type="text" required autocomplete="off"/>
                <label for="bot-name">"Display name"</label>
                <input id="bot-name" name="name" type="text" required maxlength=MAX_NAME_CHARS autocomplete="off"/>
                <p class="form-error" role="alert">{error}</p>
                <button type="submit" id="create-bot-button">"Make a bot"</button>
            </form>
        </section>
    }
}

#[component]
fn BotItem(bot: BotSummary) -> impl IntoView {
    let used = match (bot.has_token, bot.last_used_at) {
        (false, _) => view! { "no token" }.into_any(),
        (true, Some(at)) => view! { "last used " <time>{date_time(at)}</time> }.into_any(),
        (true, None) => view! { "not used yet" }.into_any(),
    };
    let rotate_label = format!("New token for {}", bot.username);
    let revoke_label = format!("Revoke the token of {}", bot.username);
    let revoking = bot.username.clone();
    view! {
        <li class="bot">
            <span>{bot.name} " " <span class="muted">"@" {bot.username.clone()}</span> " " <span class="badge bot-mark">"bot"</span></span>
            <br/>
            <span class="muted">{used}</span>
            <div class="inline-form">
                <form method="post" action=RotateBotToken::url()>
                    <input type="hidden" name="username" value=bot.username/>
                    <button type="submit" class="secondary small" aria-label=rotate_label>"New token"</button>
                </form>
                {bot.has_token.then(|| view! {
                    <form method="post" action=RevokeBotToken::url()>
                        <input type="hidden" name="username" value=revoking/>
                        <button type="submit" class="secondary small" aria-label=revoke_label>"Revoke token"</button>
                    </form>
                })}
            </div>
        </li>
    }
}
