//! The dashboard's side of authorization: server functions reach the node's writes only through
//! the `Commands` in Leptos context, and [`provide`] puts there a wrapper bound to the caller of
//! the request: every method goes through [`authorize`] (and the same-origin check) before the
//! node's. Reads (`Queries`) are provided as they are.
//!
//! The trait has no default methods, so a write added to `Commands` later does not compile
//! until this wrapper decides about it: no server function can bypass the check.
//! `site.rs` calls [`provide`] for both the server-function route and page rendering.

use std::sync::Arc;

use app::api::authz::CallerView;
use app::api::port::{Commands, SharedCommands, SharedQueries};
use app::api::ApiError;
use app::core::operation_result::OperationRequest;
use app::core::{CommandOutcome, InstanceKey, Proposal};
use leptos::prelude::{provide_context, use_context};
use leptos::server_fn::axum_export::http::request::Parts;

use super::{authorize, csrf, Action, Identity, Security};

/// The node's control plane, bound to one request's caller.
pub struct AuthorizedPlane {
    inner: SharedCommands,
    identity: Option<Identity>,
    /// The same-origin verdict of the request (`Err(reason)` for a cross-site browser request).
    origin: Result<(), String>,
    security: Arc<Security>,
}

impl AuthorizedPlane {
    /// Binds `inner` to a caller.
    pub fn new(
        inner: SharedCommands,
        identity: Option<Identity>,
        origin: Result<(), String>,
        security: Arc<Security>,
    ) -> Self {
        AuthorizedPlane { inner, identity, origin, security }
    }

    fn may_write(&self) -> Result<(), ApiError> {
        self.origin.clone().map_err(ApiError::Forbidden)?;
        authorize(self.identity.as_ref(), Action::Write, &self.security)
    }

    /// What the page may show about the caller.
    pub fn caller(&self) -> CallerView {
        let verdict = authorize(self.identity.as_ref(), Action::Write, &self.security);
        CallerView {
            user: self.identity.as_ref().and_then(|i| i.user.clone()),
            can_write: verdict.is_ok(),
            read_only_reason: verdict.err().map(|e| e.to_string()),
        }
    }
}

/// Puts the caller-bound control plane (and a [`CallerView`]) in Leptos context, reading the
/// caller from the request `Parts` leptos_axum provided. Without them, the plane refuses writes.
pub fn provide(inner: &SharedCommands, queries: &SharedQueries, security: &Arc<Security>) {
    let parts = use_context::<Parts>();
    let identity = parts.as_ref().and_then(|p| p.extensions.get::<Identity>().cloned());
    let origin = match &parts {
        Some(p) => csrf::check(&p.headers, &security.config),
        None => Err("no request".into()),
    };
    let plane = AuthorizedPlane::new(inner.clone(), identity, origin, security.clone());
    provide_context(plane.caller());
    let shared: SharedCommands = Arc::new(plane);
    provide_context(shared);
    provide_context(queries.clone());
}

#[async_trait::async_trait]
impl Commands for AuthorizedPlane {
    async fn submit(&self, proposal: Proposal) -> Result<CommandOutcome, ApiError> {
        self.may_write()?;
        self.inner.submit(proposal).await
    }

    async fn transfer_leadership(&self, target: u64) -> Result<String, ApiError> {
        self.may_write()?;
        self.inner.transfer_leadership(target).await
    }

    async fn change_membership(
        &self,
        change: app::core::membership::MembershipChange,
    ) -> Result<String, ApiError> {
        self.may_write()?;
        self.inner.change_membership(change).await
    }

    async fn recover(&self, key: InstanceKey) -> Result<String, ApiError> {
        self.may_write()?;
        self.inner.recover(key).await
    }

    async fn operate(&self, request: OperationRequest) -> Result<String, ApiError> {
        self.may_write()?;
        self.inner.operate(request).await
    }
}
