//! Node-to-node endpoints: a follower's forwarded command or dashboard operation, yield
//! requests, election holds, the failures a node sees (quorum-agreed detection), and the other
//! nodes' probes (probe sharing).

use std::time::Duration;

use app::api::ApiError;
use app::core::operation_result::OperationRequest;
use app::core::{CommandEnvelope, CommandOutcome};
use axum::extract::State;
use axum::Json;

use crate::consensus::membership::MembershipRequest;
use crate::consensus::transfer::{HoldElections, YieldRequest};
use crate::ports::AppState;

/// Longest election hold a peer may ask for.
const MAX_HOLD: Duration = Duration::from_secs(60);

/// `POST /internal/propose`: commit a command a follower forwarded (one hop only).
pub async fn propose(
    State(node): State<AppState>,
    Json(env): Json<CommandEnvelope>,
) -> Json<Result<CommandOutcome, ApiError>> {
    Json(node.commands.propose(env, true).await.map_err(ApiError::from))
}

/// `POST /internal/operate`: run a topology operation a follower's dashboard forwarded (its
/// caller was authorized there); answers the operation's wording or its error.
pub async fn operate(
    State(node): State<AppState>,
    Json(request): Json<OperationRequest>,
) -> Json<Result<String, ApiError>> {
    Json(match node.ops.operate(request.clone()).await {
        Ok(result) => Ok(request.message(&result)),
        Err(e) => Err(e.into()),
    })
}

/// `POST /internal/yield`: the leader hands leadership over.
pub async fn yield_leadership(
    State(node): State<AppState>,
    Json(req): Json<YieldRequest>,
) -> Json<Result<String, ApiError>> {
    Json(node.member.yield_leadership(req.target).await)
}

/// `POST /internal/hold-elections`: do not stand for election for a while (leadership transfer).
pub async fn hold_elections(
    State(node): State<AppState>,
    Json(req): Json<HoldElections>,
) -> Json<Result<String, ApiError>> {
    let window = Duration::from_millis(req.millis).min(MAX_HOLD);
    node.member.hold_elections(window);
    Json(Ok(format!("holding elections for {window:?}")))
}

/// `GET /internal/failures`: the failures this node's own analysis sees now.
pub async fn failures(
    State(node): State<AppState>,
) -> Json<Vec<app::core::failure_agreement::SeenFailure>> {
    Json(node.analysis.get().seen_failures())
}

/// `POST /internal/observations`: another node's probes (`ProbeSharing`), stored as this
/// node's own; the push also says the sender is alive.
pub async fn observations(
    State(node): State<AppState>,
    Json(batch): Json<crate::probe::ShareBatch>,
) -> axum::http::StatusCode {
    node.prober.receive(batch);
    axum::http::StatusCode::NO_CONTENT
}

/// `POST /internal/membership`: the leader carries out a membership change a follower forwarded.
pub async fn membership(
    State(node): State<AppState>,
    Json(req): Json<MembershipRequest>,
) -> Json<Result<String, ApiError>> {
    Json(node.member.change_membership(req.change, true).await)
}
