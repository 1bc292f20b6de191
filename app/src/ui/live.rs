//! Live refresh without reloading: after hydration the app polls the cheap pulse server
//! function once a second. The banner shows the latest pulse; pages key their data resources on
//! [`Live::epoch`], which moves only when the pulse's data version changes (or an action of
//! this page completed), so a page refetches when, and only when, something changed. Pages
//! render inside `Transition`s, which keep the old content until the new one is ready: no
//! flicker, no layout shift.

use leptos::prelude::*;

use crate::api::pulse::{get_pulse, PulseView};
use crate::api::ApiError;

/// The live-refresh state shared by every page.
#[derive(Clone, Copy)]
pub struct Live {
    /// The pulse fetched while rendering (server side, then hydrated).
    pub initial: Resource<Result<PulseView, ApiError>>,
    /// The latest polled pulse (none until the first poll after hydration).
    pub pulse: RwSignal<Option<PulseView>>,
    /// Whether the last poll failed: the serving node does not answer.
    pub unreachable: RwSignal<bool>,
    /// Moves whenever shown data may have changed.
    pub epoch: RwSignal<u64>,
    /// Moves on every successful poll (for pages that show second-by-second state).
    pub tick: RwSignal<u64>,
}

impl Live {
    /// Data epoch, tracked: key resources on it.
    pub fn epoch(&self) -> u64 {
        self.epoch.get()
    }

    /// Marks the data as changed (after an action completed).
    pub fn bump(&self) {
        self.epoch.update(|e| *e += 1);
    }

    /// The latest known pulse: polled, else the one rendered with the page.
    pub fn current(&self) -> Option<Result<PulseView, ApiError>> {
        match self.pulse.get() {
            Some(p) => Some(Ok(p)),
            None => self.initial.get(),
        }
    }
}

/// Creates the live state, provides it in context and (in the browser) starts polling.
pub fn provide_live() -> Live {
    let live = Live {
        initial: Resource::new(|| (), |_| get_pulse()),
        pulse: RwSignal::new(None),
        unreachable: RwSignal::new(false),
        epoch: RwSignal::new(0),
        tick: RwSignal::new(0),
    };
    provide_context(live);
    #[cfg(feature = "hydrate")]
    Effect::new(move |started: Option<bool>| {
        if started.is_none() {
            // A marker for tests and scripts: the page is hydrated and interactive.
            if let Some(body) = document().body() {
                let _ = body.set_attribute("data-hydrated", "true");
            }
            poll_forever(live);
        }
        true
    });
    live
}

/// The live state from context.
pub fn use_live() -> Live {
    match use_context::<Live>() {
        Some(live) => live,
        None => provide_live(),
    }
}

/// Bumps the data epoch whenever an action completes (its `version` moves).
pub fn refresh_after(version: RwSignal<usize>) {
    let live = use_live();
    Effect::new(move |seen: Option<usize>| {
        let v = version.get();
        if seen.is_some_and(|s| s != v) {
            live.bump();
        }
        v
    });
}

#[cfg(feature = "hydrate")]
fn poll_forever(live: Live) {
    use leptos::leptos_dom::helpers::set_interval_with_handle;
    use std::cell::Cell;
    use std::rc::Rc;

    let busy = Rc::new(Cell::new(false));
    let last: Rc<Cell<Option<u64>>> = Rc::new(Cell::new(None));
    let poll = move || {
        if busy.get() {
            return;
        }
        busy.set(true);
        if last.get().is_none() {
            if let Some(Ok(p)) = live.initial.get_untracked() {
                last.set(Some(p.version));
            }
        }
        let (busy, last) = (busy.clone(), last.clone());
        leptos::task::spawn_local(async move {
            match get_pulse().await {
                Ok(p) => {
                    if last.get().is_some_and(|v| v != p.version) {
                        live.bump();
                    }
                    last.set(Some(p.version));
                    live.unreachable.set(false);
                    if live.pulse.get_untracked().as_ref() != Some(&p) {
                        live.pulse.set(Some(p));
                    }
                    live.tick.update(|t| *t += 1);
                }
                Err(_) => live.unreachable.set(true),
            }
            busy.set(false);
        });
    };
    poll();
    if let Ok(handle) = set_interval_with_handle(poll, std::time::Duration::from_millis(1000)) {
        on_cleanup(move || handle.clear());
    }
}
