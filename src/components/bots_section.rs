//! `BotsSection`: the profile's bots: make one, see when each was last used, give one a new
//! token or take its token away. A token shows once, right after it is made, to copy.

use leptos::prelude::*;

use crate::api::{CreateBot, RevokeBotToken, RotateBotToken, my_bots};
use crate::components::account_form::refusal;
use crate::model::{BotSummary, BotToken, date_time};
use crate::protocol::MAX_NAME_CHARS;

#[component]
pub fn BotsSection() -> impl IntoView {
    let create = ServerAction::<CreateBot>::new();
    let rotate = ServerAction::<RotateBotToken>::new();
    let revoke = ServerAction::<RevokeBotToken>::new();
    let bots = Resource::new(
        move || (create.version().get(), rotate.version().get(), revoke.version().get()),
        |_| my_bots(),
    );
    // The token made last (a new bot's, or a new one for a bot), until the page is left.
    let shown = RwSignal::new(None::<BotToken>);
    Effect::new(move |_| {
        if let Some(Ok(token)) = create.value().get() {
            shown.set(Some(token));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(token)) = rotate.value().get() {
            shown.set(Some(token));
        }
    });
    let error = refusal(create);
    view! {
        <section class="account-form bots" aria-labelledby="bots-title">
            <h2 id="bots-title">"Bots"</h2>
            <p class="muted">
                "A bot posts and reads with its token (" <code>"Authorization: Bearer …"</code>
                "), in the rooms it is invited to or joins. See the API at " <a href="/api/v1/openapi.json">"/api/v1/openapi.json"</a> "."
            </p>
            {move || shown.get().map(|token| view! {
                <div id="bot-token" class="bot-token" role="status">
                    <p>"The token of @" {token.username.clone()} ". Copy it now: it is not shown again."</p>
                    <code id="bot-token-value">{token.token.clone()}</code>
                </div>
            })}
            <ActionForm action=create attr:id="create-bot">
                <label for="bot-username">"Username"</label>
                <input id="bot-username" name="username" type="text" required autocomplete="off"/>
                <label for="bot-name">"Display name"</label>
                <input id="bot-name" name="name" type="text" required maxlength=MAX_NAME_CHARS autocomplete="off"/>
                <p class="form-error" role="alert">{error}</p>
                <button type="submit" id="create-bot-button">"Make a bot"</button>
            </ActionForm>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let list = bots.await.unwrap_or_default();
                    view! {
                        <ul id="bots">
                            {list.into_iter().map(|bot| view! { <BotItem bot rotate revoke/> }).collect_view()}
                        </ul>
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn BotItem(
    bot: BotSummary,
    rotate: ServerAction<RotateBotToken>,
    revoke: ServerAction<RevokeBotToken>,
) -> impl IntoView {
    let used = match (bot.has_token, bot.last_used_at) {
        (false, _) => view! { "no token" }.into_any(),
        (true, Some(at)) => view! { "last used " <time>{date_time(at)}</time> }.into_any(),
        (true, None) => view! { "not used yet" }.into_any(),
    };
    let username = bot.username.clone();
    let rotate_label = format!("New token for {username}");
    let revoke_label = format!("Revoke the token of {username}");
    let revoking = username.clone();
    view! {
        <li class="bot">
            <span>{bot.name} " " <span class="muted">"@" {bot.username.clone()}</span> " " <span class="badge bot-mark">"bot"</span></span>
            <br/>
            <span class="muted">{used}</span>
            <div class="inline-form">
                <ActionForm action=rotate>
                    <input type="hidden" name="username" value=username/>
                    <button type="submit" class="secondary small" aria-label=rotate_label>"New token"</button>
                </ActionForm>
                {bot.has_token.then(|| view! {
                    <ActionForm action=revoke>
                        <input type="hidden" name="username" value=revoking/>
                        <button type="submit" class="secondary small" aria-label=revoke_label>"Revoke token"</button>
                    </ActionForm>
                })}
            </div>
        </li>
    }
}
