//! AppendEntries over one persistent connection per peer: an HTTP/1.1 upgrade on `RaftBind`,
//! then length-prefixed frames, one request and its answer at a time.
//!
//! The upgrade request goes through the raft port's guard (peer secret) over the same TLS as
//! every RPC, so the stream is exactly as authenticated as a `POST /raft/append`. What it saves
//! per AppendEntries is the HTTP request machinery on both sides: no request or header map to
//! build and parse, no hand-off to the HTTP client's connection task. The fault layer is checked
//! per frame, as the HTTP routes check it per request.
//!
//! Frame: a 4-byte big-endian length of what follows, one kind byte, then a JSON body.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use openraft::raft::{AppendEntriesRequest, AppendEntriesResponse};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufStream};
use tokio::sync::watch;

use super::faults::NetworkFaults;
use super::rejoin::Inbox;
use super::typ::RaftError;
use super::TypeConfig;

/// The `Upgrade` token; a new frame format gets a new token.
pub const PROTOCOL: &str = "orchestrator-raft-stream/1";

/// Largest frame accepted (as the HTTP routes' body limit).
pub const MAX_FRAME: usize = 64 * 1024 * 1024;

/// An AppendEntries request (leader → follower).
const KIND_APPEND: u8 = 0;
/// The follower's raft answer: `Result<AppendEntriesResponse, RaftError>` as JSON.
const KIND_RESULT: u8 = 1;
/// The follower's fault layer dropped the request (test kit only): like a lost packet.
const KIND_DROPPED: u8 = 2;

/// What can go wrong on a stream.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// Reading or writing the connection failed (peer gone, connection reset).
    #[error("raft stream i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A frame that is not what this protocol sends.
    #[error("raft stream: {0}")]
    Protocol(String),
    /// A body that does not decode.
    #[error("raft stream body: {0}")]
    Json(#[from] serde_json::Error),
}

/// One frame: `kind` and the JSON of `body`, in one buffer (one write).
fn encode(kind: u8, body: &impl serde::Serialize) -> Result<Vec<u8>, StreamError> {
    let mut buf = vec![0u8; 5];
    buf[4] = kind;
    serde_json::to_writer(&mut buf, body)?;
    let len = u32::try_from(buf.len() - 4)
        .map_err(|_| StreamError::Protocol("frame over 4 GiB".into()))?;
    buf[..4].copy_from_slice(&len.to_be_bytes());
    Ok(buf)
}

async fn write_frame<W: AsyncWrite + Unpin>(w: &mut W, frame: &[u8]) -> Result<(), StreamError> {
    w.write_all(frame).await?;
    w.flush().await?;
    Ok(())
}

/// Reads one frame: its kind and body.
async fn read_frame<R: AsyncRead + Unpin>(r: &mut R) -> Result<(u8, Vec<u8>), StreamError> {
    let mut head = [0u8; 5];
    r.read_exact(&mut head).await?;
    let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    if len == 0 || len > MAX_FRAME {
        return Err(StreamError::Protocol(format!("frame length {len}")));
    }
    let mut body = vec![0u8; len - 1];
    r.read_exact(&mut body).await?;
    Ok((head[4], body))
}

/// State of the `/raft/stream` route.
#[derive(Clone)]
pub struct Serving {
    /// Where requests go.
    pub inbox: Inbox,
    /// The test kit's link cuts.
    pub faults: Arc<NetworkFaults>,
    /// Turns true when the node stops: open streams then close.
    pub shutdown: watch::Receiver<bool>,
    /// A stream that brings no frame for this long is closed (a leader sends heartbeats far
    /// more often; a leader that vanished without closing its end leaves nothing behind).
    pub idle: Duration,
}

/// `GET /raft/stream` with `Upgrade: orchestrator-raft-stream/1`: answers 101 and serves
/// AppendEntries frames on the connection until the peer closes it or the node stops.
pub async fn upgrade(State(s): State<Serving>, mut request: Request) -> Response {
    let wanted = request.headers().get(header::UPGRADE).map(HeaderValue::as_bytes);
    if wanted != Some(PROTOCOL.as_bytes()) {
        return (StatusCode::BAD_REQUEST, format!("expected Upgrade: {PROTOCOL}")).into_response();
    }
    let on_upgrade = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => serve(TokioIo::new(upgraded), s).await,
            Err(e) => tracing::debug!(error = %e, "raft stream upgrade failed"),
        }
    });
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    response.headers_mut().insert(header::UPGRADE, HeaderValue::from_static(PROTOCOL));
    response
}

async fn serve<IO: AsyncRead + AsyncWrite + Unpin>(io: IO, mut s: Serving) {
    let mut io = BufStream::new(io);
    loop {
        let frame = tokio::select! {
            _ = s.shutdown.wait_for(|stop| *stop) => return,
            frame = tokio::time::timeout(s.idle, read_frame(&mut io)) => match frame {
                Ok(frame) => frame,
                Err(_) => {
                    tracing::debug!(idle = ?s.idle, "raft stream idle; closing");
                    return;
                }
            },
        };
        let answer = match frame {
            Ok((KIND_APPEND, body)) => answer_append(&s, &body).await,
            Ok((kind, _)) => Err(StreamError::Protocol(format!("unexpected frame kind {kind}"))),
            Err(e) => Err(e),
        };
        let written = match answer {
            Ok(frame) => write_frame(&mut io, &frame).await,
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            // A peer closing its end is the normal way a stream ends.
            tracing::debug!(error = %e, "raft stream closed");
            return;
        }
    }
}

async fn answer_append(s: &Serving, body: &[u8]) -> Result<Vec<u8>, StreamError> {
    let req: AppendEntriesRequest<TypeConfig> = serde_json::from_slice(body)?;
    if s.faults.blocks_recv_from(req.vote.leader_id().voted_for().unwrap_or_default()) {
        return encode(KIND_DROPPED, &());
    }
    encode(KIND_RESULT, &s.inbox.append_entries(req).await)
}

/// What the follower answered to one AppendEntries.
pub enum Answer {
    /// Raft's answer (boxed: a raft error is large).
    Raft(Box<Result<AppendEntriesResponse<u64>, RaftError>>),
    /// The follower's fault layer dropped it.
    Dropped,
}

/// The leader's end of a stream: an upgraded connection to one peer.
pub struct Stream<IO> {
    io: BufStream<IO>,
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Stream<IO> {
    /// Wraps an upgraded connection.
    pub fn new(io: IO) -> Self {
        Stream { io: BufStream::new(io) }
    }

    /// Sends one AppendEntries and reads its answer. After an error the stream is unusable
    /// (a frame may be half written or half read): drop it.
    pub async fn append(
        &mut self,
        req: &AppendEntriesRequest<TypeConfig>,
    ) -> Result<Answer, StreamError> {
        write_frame(&mut self.io, &encode(KIND_APPEND, req)?).await?;
        match read_frame(&mut self.io).await? {
            (KIND_RESULT, body) => Ok(Answer::Raft(Box::new(serde_json::from_slice(&body)?))),
            (KIND_DROPPED, _) => Ok(Answer::Dropped),
            (kind, _) => Err(StreamError::Protocol(format!("unexpected frame kind {kind}"))),
        }
    }
}

/// How long to keep using HTTP POSTs after a peer refused the upgrade (a node of an older
/// version during a rolling upgrade) before asking again.
pub const RETRY_UPGRADE_AFTER: Duration = Duration::from_secs(30);

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_round_trip_and_bad_lengths_are_refused(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let (mut a, mut b) = tokio::io::duplex(1024);
        let frame = encode(KIND_RESULT, &vec![1u32, 2, 3])?;
        write_frame(&mut a, &frame).await?;
        let (kind, body) = read_frame(&mut b).await?;
        assert_eq!(kind, KIND_RESULT);
        assert_eq!(serde_json::from_slice::<Vec<u32>>(&body)?, vec![1, 2, 3]);

        // A zero length and one past the limit are protocol errors, not allocations.
        for len in [0u32, MAX_FRAME as u32 + 1] {
            let mut bad = len.to_be_bytes().to_vec();
            bad.push(KIND_RESULT);
            a.write_all(&bad).await?;
            assert!(matches!(read_frame(&mut b).await, Err(StreamError::Protocol(_))));
        }
        Ok(())
    }
}
