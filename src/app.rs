//! The HTML shell and the application's pages: a room's page, which the browser hydrates, and
//! the server's own pages behind its router.

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};

use crate::components::chat_page::ChatPage;
use crate::page_address::RoomAddress;

/// Only a room's page is hydrated: every other page is the server's alone, and the shell
/// leaves their hydration scripts out (`components::server_only`).
fn hydrated() -> bool {
    RoomAddress::of_this_page().is_some()
}

/// The document around the app. `interactive-widget=resizes-content` makes phones shrink the
/// layout when the on-screen keyboard opens, so the composer stays in view.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta
                    name="viewport"
                    content="width=device-width, initial-scale=1, interactive-widget=resizes-content"
                />
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // Installable: the manifest names the app and its icons; the theme colour
                // follows the light or dark scheme.
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="apple-touch-icon" href="/icons/apple-touch-icon.png"/>
                <meta name="theme-color" content="#3b6cf6" media="(prefers-color-scheme: light)"/>
                <meta name="theme-color" content="#1e3a8a" media="(prefers-color-scheme: dark)"/>
                // `/pkg/banter.<hash>.css` when the build hashed the names (cached for a year).
                <HashedStylesheet options=options.clone() id="leptos"/>
                <AutoReload options=options.clone()/>
                // Not on the pages the server renders alone (`components::server_only`).
                {if hydrated() { view! { <HydrationScripts options/> }.into_any() } else { ().into_any() }}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Send this page's Content-Security-Policy, naming the nonce Leptos gave its scripts.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use axum::http::{HeaderValue, header::CONTENT_SECURITY_POLICY};
    let (Some(nonce), Some(response)) =
        (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let policy = crate::server::edge::http_security::content_security_policy(&nonce);
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

/// A room's page is rendered outside any router, the same on the server and in the browser
/// (`page_address`): the browser's build carries no router. Every other page goes through the
/// server's router, which also lists the room's addresses, so that the server answers them.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let page = match RoomAddress::of_this_page() {
        Some(address) => view! { <ChatPage address/> }.into_any(),
        #[cfg(feature = "ssr")]
        None => view! { <ServerPages/> }.into_any(),
        #[cfg(not(feature = "ssr"))]
        None => ().into_any(),
    };
    view! {
        <Title text="Banter"/>
        {page}
    }
}

#[cfg(feature = "ssr")]
#[component]
fn ServerPages() -> impl IntoView {
    use crate::components::server_only::{
        BlockedPage, CodePage, DeleteAccountPage, EmailPage, ExportPage, ForgotPasswordPage,
        IntegrationsPage, ModerationPage, ProfilePage, ReportPage, ReportsPage, ResetPasswordPage, RoomsPage,
        SavedPage, SearchPage, SecurityPage, SignInPage, SignUpPage, ThreadsPage, UnsubscribePage,
    };
    use leptos_router::SsrMode;
    use leptos_router::components::{Route, Router, Routes};
    use leptos_router::path;
    // A room's addresses are here for the list of routes the server answers (App renders
    // those pages itself), with the mode they are rendered in. Async: the whole page, history
    // included, is in the first HTML response, which is what a reader without JavaScript gets.
    let room_page = || RoomAddress::of_this_page().map(|address| view! { <ChatPage address/> });
    view! {
        <Router>
            <Routes fallback=|| view! { <p class="not-found">"Page not found."</p> }>
                <Route path=path!("") view=room_page ssr=SsrMode::Async/>
                <Route path=path!("r/:room") view=room_page ssr=SsrMode::Async/>
                <Route path=path!("r/:room/moderation") view=ModerationPage ssr=SsrMode::Async/>
                <Route path=path!("r/:room/integrations") view=IntegrationsPage ssr=SsrMode::Async/>
                <Route path=path!("r/:room/t/:root") view=room_page ssr=SsrMode::Async/>
                <Route path=path!("r/:room/report/:seq") view=ReportPage ssr=SsrMode::Async/>
                <Route path=path!("reports") view=ReportsPage ssr=SsrMode::Async/>
                <Route path=path!("rooms") view=RoomsPage ssr=SsrMode::Async/>
                <Route path=path!("search") view=SearchPage ssr=SsrMode::Async/>
                <Route path=path!("saved") view=SavedPage ssr=SsrMode::Async/>
                <Route path=path!("threads") view=ThreadsPage ssr=SsrMode::Async/>
                <Route path=path!("signin") view=SignInPage/>
                <Route path=path!("signup") view=SignUpPage/>
                <Route path=path!("signin/code") view=CodePage/>
                <Route path=path!("profile/security") view=SecurityPage ssr=SsrMode::Async/>
                <Route path=path!("reset") view=ResetPasswordPage/>
                <Route path=path!("forgot") view=ForgotPasswordPage/>
                <Route path=path!("profile/email") view=EmailPage/>
                <Route path=path!("profile/delete") view=DeleteAccountPage ssr=SsrMode::Async/>
                <Route path=path!("profile/blocked") view=BlockedPage ssr=SsrMode::Async/>
                <Route path=path!("profile/export") view=ExportPage ssr=SsrMode::Async/>
                <Route path=path!("unsubscribe") view=UnsubscribePage/>
                <Route path=path!("profile") view=ProfilePage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}
