//! Dashboard shell, root component, navigation and routes.
//!
//! Every page is rendered completely on the server (`SsrMode::Async`), so it reads without
//! JavaScript and its forms post as plain HTML forms; hydration then adds live refresh
//! ([`live`]) and in-place form submission.

pub mod components;
pub mod format;
pub mod live;
pub mod pages;
pub mod url_prefix;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

use components::served_by::ServedBy;
use live::provide_live;

/// The HTML document around the app (server side).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="data:,"/>
                <meta name=url_prefix::META_NAME content=url_prefix::get()/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options root=url_prefix::get().to_string()/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Root component: navigation, the served-by banner and the routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_live();
    view! {
        <Stylesheet id="leptos" href=url_prefix::web("/pkg/orchestrator.css")/>
        <Title text="orchestrator-rs"/>
        <Router base=url_prefix::get()>
            <header class="topbar">
                <span class="brand">"orchestrator-rs"</span>
                <nav aria-label="Pages">
                    <A href=url_prefix::web("/web/clusters")>"Clusters"</A>
                    <A href=url_prefix::web("/web/recoveries")>"Recoveries"</A>
                    <A href=url_prefix::web("/web/downtimes")>"Downtimes"</A>
                    <A href=url_prefix::web("/web/candidates")>"Candidates"</A>
                    <A href=url_prefix::web("/web/raft")>"Raft"</A>
                    <A href=url_prefix::web("/web/problems")>"Problems"</A>
                    <A href=url_prefix::web("/web/audit")>"Audit"</A>
                </nav>
                <form method="get" action=url_prefix::web("/web/search") class="topsearch" role="search">
                    <input name="s" placeholder="Search host, cluster, alias" aria-label="Search instances" autocomplete="off"/>
                    <button type="submit" class="secondary">"Search"</button>
                </form>
            </header>
            <ServedBy/>
            <main>
                <Routes fallback=|| view! { <p class="empty">"Page not found."</p> }>
                    // Async SSR: the server waits for the page's resources and sends complete
                    // HTML, so the page reads without JavaScript (the default out-of-order
                    // streaming leaves a "Loading…" fallback that only JS can replace).
                    <Route path=path!("/") view=pages::clusters::ClustersPage ssr=SsrMode::Async/>
                    <Route path=path!("/web/clusters") view=pages::clusters::ClustersPage ssr=SsrMode::Async/>
                    <Route path=path!("/web/cluster/:name") view=pages::cluster::ClusterPage ssr=SsrMode::Async/>
                    <Route path=path!("/web/downtimes") view=pages::downtimes::DowntimesPage ssr=SsrMode::Async/>
                    <Route path=path!("/web/candidates") view=pages::candidates::CandidatesPage ssr=SsrMode::Async/>
                    <Route path=path!("/web/recoveries") view=pages::recoveries::RecoveriesPage ssr=SsrMode::Async/>
                    <Route path=path!("/web/raft") view=pages::raft::RaftPage ssr=SsrMode::Async/>
                    <Route path=path!("/web/search") view=pages::search::SearchPage ssr=SsrMode::Async/>
                    <Route path=path!("/web/problems") view=pages::problems::ProblemsPage ssr=SsrMode::Async/>
                    <Route path=path!("/web/audit") view=pages::audit::AuditPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
