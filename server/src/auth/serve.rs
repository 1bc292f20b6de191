//! The accept loop of both listeners: plain TCP or rustls, HTTP/1.1, with bounds on slow
//! clients — the TLS handshake and the request headers must each arrive within
//! `HTTPReadHeaderTimeoutSeconds`; request processing (body included) is bounded by the router's
//! timeout layer, and bodies by its size limits.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// How to serve one listener.
pub struct Listener {
    /// The bound socket.
    pub socket: TcpListener,
    /// `http` or `raft`, for logs.
    pub what: &'static str,
    /// Server TLS, when enabled.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Bound for the TLS handshake and for the request headers.
    pub header_timeout: Duration,
}

/// Serves `app` on the listener until `shutdown` turns true; open connections then finish
/// their current request.
pub fn spawn(listener: Listener, app: Router, shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(accept_loop(listener, app, shutdown))
}

async fn accept_loop(listener: Listener, app: Router, mut shutdown: watch::Receiver<bool>) {
    let acceptor = listener.tls.clone().map(TlsAcceptor::from);
    loop {
        let accepted = tokio::select! {
            _ = shutdown.wait_for(|s| *s) => break,
            accepted = listener.socket.accept() => accepted,
        };
        let (tcp, remote) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!(error = %e, server = listener.what, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let app = app.clone();
        let shutdown = shutdown.clone();
        let timeout = listener.header_timeout;
        let what = listener.what;
        match &acceptor {
            None => {
                tokio::spawn(serve_connection(tcp, app, timeout, shutdown));
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(timeout, acceptor.accept(tcp)).await {
                        Ok(Ok(tls)) => serve_connection(tls, app, timeout, shutdown).await,
                        Ok(Err(e)) => {
                            tracing::info!(%remote, server = what, error = %e, "TLS handshake refused")
                        }
                        Err(_) => tracing::info!(%remote, server = what, "TLS handshake timed out"),
                    }
                });
            }
        }
    }
}

async fn serve_connection<IO>(
    io: IO,
    app: Router,
    header_timeout: Duration,
    mut shutdown: watch::Receiver<bool>,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = TowerToHyperService::new(app);
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(header_timeout).keep_alive(true);
    // With upgrades: the raft port's AppendEntries stream (crate::raft::stream).
    let conn = builder.serve_connection(TokioIo::new(io), service).with_upgrades();
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                break;
            }
            _ = shutdown.wait_for(|s| *s), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}
