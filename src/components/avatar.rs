//! `Avatar`: a person's initials on a colour of their own, until pictures arrive.

use crate::ids::Username;
use leptos::prelude::*;

use crate::model::{avatar_hue, initials};

#[component]
pub fn Avatar(#[prop(into)] username: Username, #[prop(into)] name: String) -> impl IntoView {
    let style = format!("--hue: {}", avatar_hue(&username));
    view! {
        <span class="avatar" style=style aria-hidden="true">
            {initials(&name)}
        </span>
    }
}
