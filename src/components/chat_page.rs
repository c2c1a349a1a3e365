//! `ChatPage`: loads the room (server-rendered), then holds the live chat together.

use leptos::prelude::*;

use crate::api::{ChatPage as ChatPageData, load_chat};
use crate::chat_state::ChatState;
use crate::components::composer::Composer;
use crate::components::header::Header;
use crate::components::message_list::MessageList;
use crate::components::name_picker::NamePicker;

#[component]
pub fn ChatPage() -> impl IntoView {
    let page = Resource::new_blocking(|| (), |_| load_chat());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
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
    let chat = ChatState::new(data);
    provide_context(chat);

    // In the browser only: start the live connection and switch times to local.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| crate::client::start(chat));

    let editing_name = RwSignal::new(false);
    let composer_or_picker = move || {
        if chat.name.with(Option::is_none) || editing_name.get() {
            view! { <NamePicker editing=editing_name/> }.into_any()
        } else {
            view! { <Composer form_client_id=form_client_id.clone()/> }.into_any()
        }
    };
    view! {
        <main class="chat">
            <Header editing_name/>
            <MessageList/>
            {composer_or_picker}
        </main>
    }
}
