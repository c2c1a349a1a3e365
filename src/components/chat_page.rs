//! `ChatPage`: loads the room (server-rendered), then holds the live chat together.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::api::{ChatPage as ChatPageData, load_chat};
use crate::chat_state::ChatState;
use crate::components::composer::Composer;
use crate::components::header::Header;
use crate::components::message_list::MessageList;

#[component]
pub fn ChatPage() -> impl IntoView {
    let page = Resource::new_blocking(|| (), |_| load_chat());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) if data.me.is_none() => view! { <Redirect path="/signin"/> }.into_any(),
                    Ok(data) => view! { <ChatWindow data/> }.into_any(),
                    Err(error) => {
                        view! {
                            <p class="page-error" role="alert">
                                "Banter could not load this room: " {error.to_string()}
                            </p>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn ChatWindow(data: ChatPageData) -> impl IntoView {
    let form_client_id = data.form_client_id.clone();
    let me = data.me.clone();
    let chat = ChatState::new(data);
    provide_context(chat);

    // In the browser only: start the live connection and switch times to local.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| crate::client::start(chat));

    view! {
        <main class="chat">
            <Header me/>
            <MessageList/>
            <Composer form_client_id/>
        </main>
    }
}
