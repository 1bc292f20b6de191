//! Dashboard shell, root component and routes.

pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

/// The HTML document around the app (server side).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Root component: navigation and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/orchestrator.css"/>
        <Title text="orchestrator-rs"/>
        <Router>
            <header class="topbar">
                <span class="brand">"orchestrator-rs"</span>
                <nav>
                    <A href="/">"Raft"</A>
                </nav>
            </header>
            <main>
                <Routes fallback=|| view! { <p class="empty">"Page not found."</p> }>
                    // Async SSR: the server waits for the page's resources and sends complete
                    // HTML, so the page reads without JavaScript (the default out-of-order
                    // streaming leaves a "Loading…" fallback that only JS can replace).
                    <Route path=path!("/") view=pages::raft::RaftPage ssr=SsrMode::Async/>
                    <Route path=path!("/web/raft") view=pages::raft::RaftPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
