//! The HTML shell and the application's routes.

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::SsrMode;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::chat_page::ChatPage;
use crate::components::server_only::{
    BlockedPage, CodePage, DeleteAccountPage, EmailPage, ExportPage, ForgotPasswordPage, IntegrationsPage,
    ModerationPage, ProfilePage, ReportPage, ReportsPage, ResetPasswordPage, RoomsPage, SavedPage,
    SearchPage, SecurityPage, SignInPage, SignUpPage, ThreadsPage, UnsubscribePage,
};

/// Whether the page being rendered hydrates: every page but those the server renders alone.
fn hydrated() -> bool {
    #[cfg(feature = "ssr")]
    {
        let parts = use_context::<axum::http::request::Parts>();
        !parts.is_some_and(|parts| crate::components::server_only::is_server_only(parts.uri.path()))
    }
    #[cfg(not(feature = "ssr"))]
    true
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

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Banter"/>
        <Router>
            <Routes fallback=|| view! { <p class="not-found">"Page not found."</p> }>
                // Async: the whole page, history included, is in the first HTML response,
                // which is what a reader without JavaScript gets.
                <Route path=path!("") view=ChatPage ssr=SsrMode::Async/>
                <Route path=path!("r/:room") view=ChatPage ssr=SsrMode::Async/>
                <Route path=path!("r/:room/moderation") view=ModerationPage ssr=SsrMode::Async/>
                <Route path=path!("r/:room/integrations") view=IntegrationsPage ssr=SsrMode::Async/>
                <Route path=path!("r/:room/t/:root") view=ChatPage ssr=SsrMode::Async/>
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
