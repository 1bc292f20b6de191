//! The confirmation of a drag-and-drop move: what will happen (GTID or binlog coordinates), or
//! why the move is refused, before anything is touched. "Move" runs the relocation; its result
//! shows in place and the tree refreshes itself once the leader reports the change.

use leptos::prelude::*;

use crate::api::operations::{plan_move, RelocateDropped};

/// A move waiting for confirmation: (instance, new master).
pub type PendingMove = RwSignal<Option<(String, String)>>;

/// The dialog for `pending`; `action` runs the move.
#[component]
pub fn MoveDialog(
    /// The dropped move, if any.
    pending: PendingMove,
    /// The page's relocation action.
    action: ServerAction<RelocateDropped>,
) -> impl IntoView {
    let plan = Resource::new(
        move || pending.get(),
        |p| async move {
            match p {
                Some((instance, below)) => Some(plan_move(instance, below).await),
                None => None,
            }
        },
    );
    let confirm = move |_| {
        if let Some((instance, below)) = pending.get_untracked() {
            action.dispatch(RelocateDropped { instance, below });
        }
        pending.set(None);
    };
    let cancel = move |_| pending.set(None);
    view! {
        <Show when=move || pending.with(Option::is_some)>
            <div class="move-dialog" id="move-dialog" role="dialog" aria-modal="false" aria-labelledby="move-title">
                <Suspense fallback=|| view! { <p class="muted">"Checking the move…"</p> }>
                    {move || Suspend::new(async move {
                        match plan.await {
                            Some(Ok(p)) => {
                                let title = format!("Move {} below {}?", p.instance, p.below);
                                match (p.method, p.refusal) {
                                    (Some(method), _) => view! {
                                        <h2 id="move-title">{title}</h2>
                                        <p id="move-method">"Method: " <b>{method}</b> ". The leader re-checks the live servers first and refuses if it became unsafe."</p>
                                        <div class="toolbar">
                                            <button type="button" id="move-confirm" on:click=confirm>"Move"</button>
                                            <button type="button" class="secondary" id="move-cancel" on:click=cancel>"Cancel"</button>
                                        </div>
                                    }.into_any(),
                                    (None, refusal) => view! {
                                        <h2 id="move-title">{format!("Cannot move {} below {}", p.instance, p.below)}</h2>
                                        <p class="error" id="move-refusal" role="alert">{refusal.unwrap_or_default()}</p>
                                        <p class="muted">"Nothing was changed."</p>
                                        <button type="button" class="secondary" id="move-cancel" on:click=cancel>"Close"</button>
                                    }.into_any(),
                                }
                            }
                            Some(Err(e)) => view! {
                                <p class="error" role="alert">{e.to_string()}</p>
                                <button type="button" class="secondary" id="move-cancel" on:click=cancel>"Close"</button>
                            }.into_any(),
                            None => ().into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </Show>
    }
}
