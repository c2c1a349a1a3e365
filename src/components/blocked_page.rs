//! `BlockedPage` (`/profile/blocked`): the people one blocks, each with a way to unblock, and
//! a form to block someone by username. Plain forms the server renders alone
//! (`components::server_only`).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::Redirect;

use crate::api::{BlockPerson, UnblockPerson, load_blocked};
use crate::components::form_refusal::returned_error;
use crate::model::{BlockedPerson, date_time};

#[component]
pub fn BlockedPage() -> impl IntoView {
    let blocked = Resource::new_blocking(|| (), |_| load_blocked());
    view! {
        <leptos_meta::Title text="Blocked people · Banter"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match blocked.await {
                    Ok(people) => view! { <BlockedList people/> }.into_any(),
                    Err(_) => view! { <Redirect path="/signin"/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn BlockedList(people: Vec<BlockedPerson>) -> impl IntoView {
    let error = returned_error();
    let empty =
        people.is_empty().then(|| view! { <p class="muted" id="nobody-blocked">"You block nobody."</p> });
    let rows = people
        .into_iter()
        .map(|person| {
            view! {
                <li>
                    <span>{person.name} " " <span class="muted">"@" {person.username.clone()}</span></span>
                    <span class="muted">" since " {date_time(person.since)}</span>
                    <form method="post" action=UnblockPerson::url() class="inline-form">
                        <input type="hidden" name="username" value=person.username.clone()/>
                        <button type="submit" class="secondary small" aria-label=format!("Unblock {}", person.username)>
                            "Unblock"
                        </button>
                    </form>
                </li>
            }
        })
        .collect_view();
    view! {
        <main class="account">
            <p><a href="/profile" class="back" rel="external">"← Back to your profile"</a></p>
            <section class="account-form" aria-labelledby="blocked-title">
                <h2 id="blocked-title">"Blocked people"</h2>
                <p>
                    "Messages from people you block are folded away in rooms you share, and none of them "
                    "notifies you. Neither of you can write in your conversation, and they cannot start one. "
                    "They are not told."
                </p>
                {empty}
                <ul class="blocked-people" id="blocked-people">{rows}</ul>
                <form method="post" action=BlockPerson::url() id="block-form">
                    <label for="block-username">"Block someone by username"</label>
                    <input id="block-username" name="username" type="text" autocomplete="off" required/>
                    <p class="form-error" role="alert">{error}</p>
                    <button type="submit">"Block"</button>
                </form>
            </section>
        </main>
    }
}
