//! Hides `CLIENT_DEPRECATE_EOF` in the greeting the simulated servers send.
//!
//! With that capability negotiated, opensrv-mysql 0.7 ends each result set of a multi-statement
//! query with an OK packet that lacks `SERVER_MORE_RESULTS_EXISTS`, so a client (sqlx) stops
//! reading after the first result set, and the prober's one-round-trip bundle would see only its
//! first statement. Without it, the crate ends result sets with classic EOF packets that carry
//! the flag, as MySQL 5.6 servers do. This writer passes everything through, except that it
//! clears the capability bit in the first packet (the handshake v10) before it is sent.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;

/// `CLIENT_DEPRECATE_EOF` as a bit of the upper two capability bytes.
const DEPRECATE_EOF_UPPER: u16 = 0x0100;

/// An [`AsyncWrite`] that patches the server greeting, then passes bytes through.
pub struct Greeting<W> {
    inner: W,
    /// The greeting while it is gathered (`None` once it went out).
    pending: Option<Vec<u8>>,
    /// How much of the patched greeting the inner writer took.
    sent: usize,
    patched: bool,
}

impl<W> Greeting<W> {
    /// Wraps `inner`, whose first packet is the server greeting.
    pub fn new(inner: W) -> Self {
        Greeting { inner, pending: Some(Vec::new()), sent: 0, patched: false }
    }
}

/// Clears the bit in a complete greeting packet; `false` when it is not yet complete.
fn patch(packet: &mut [u8]) -> bool {
    if packet.len() < 4 {
        return false;
    }
    let len = usize::from(packet[0]) | usize::from(packet[1]) << 8 | usize::from(packet[2]) << 16;
    if packet.len() < 4 + len {
        return false;
    }
    let payload = &mut packet[4..4 + len];
    // protocol version, server version (NUL-terminated), connection id, scramble part 1, filler,
    // capabilities (lower), charset, status, then capabilities (upper).
    if let Some(nul) = payload.iter().skip(1).position(|b| *b == 0) {
        let upper = 1 + nul + 1 + 4 + 8 + 1 + 2 + 1 + 2;
        if payload.len() >= upper + 2 {
            let flags = u16::from_le_bytes([payload[upper], payload[upper + 1]]);
            let cleared = (flags & !DEPRECATE_EOF_UPPER).to_le_bytes();
            payload[upper] = cleared[0];
            payload[upper + 1] = cleared[1];
        }
    }
    true
}

impl<W: AsyncWrite + Unpin> Greeting<W> {
    /// Sends what is left of the patched greeting; `Ready(Ok)` once it is all out.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.patched {
            return Poll::Ready(Ok(()));
        }
        while let Some(buf) = &self.pending {
            if self.sent == buf.len() {
                self.pending = None;
                break;
            }
            match Pin::new(&mut self.inner).poll_write(cx, &buf[self.sent..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => self.sent += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for Greeting<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if !this.patched {
            if let Some(pending) = this.pending.as_mut() {
                pending.extend_from_slice(buf);
                this.patched = patch(pending);
                return Poll::Ready(Ok(buf.len()));
            }
        }
        match this.drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_write(cx, buf),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match this.drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match this.drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_shutdown(cx),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clears_only_the_deprecate_eof_bit() {
        let mut payload = vec![0x0a];
        payload.extend_from_slice(b"10.11.14-MariaDB\0");
        payload.extend_from_slice(&[1, 0, 0, 0]); // connection id
        payload.extend_from_slice(&[7; 8]); // scramble part 1
        payload.push(0); // filler
        payload.extend_from_slice(&[0xff, 0xf7]); // capabilities (lower)
        payload.push(33); // charset
        payload.extend_from_slice(&[2, 0]); // status
        payload.extend_from_slice(&[0xff, 0x01]); // capabilities (upper): DEPRECATE_EOF set
        payload.extend_from_slice(&[21, 0, 0, 0]);
        let len = payload.len();
        let mut packet = vec![len as u8, 0, 0, 0];
        packet.extend_from_slice(&payload);
        assert!(!patch(&mut packet[..10].to_vec()), "incomplete");
        assert!(patch(&mut packet));
        let upper = 4 + 1 + 17 + 4 + 8 + 1 + 2 + 1 + 2;
        assert_eq!(&packet[upper..upper + 2], &[0xff, 0x00]);
        assert_eq!(&packet[upper - 5..upper - 3], &[0xff, 0xf7], "lower flags untouched");
    }
}
