//! Shared server plumbing for the sandbox emulators: serve an axum router on an ephemeral
//! loopback port inside the current tokio runtime, and stop it gracefully.
//!
//! Invariants: servers bind `127.0.0.1` only (never a routable address); the bound address is
//! known before the first request; dropping a [`RunningServer`] signals shutdown, and
//! [`RunningServer::shutdown`] also waits until in-flight requests are finished.

use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A sandbox server running on the current tokio runtime.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningServer {
    /// The bound address (`127.0.0.1:<port>`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits for the server.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => match task.await {
                Ok(result) => result,
                Err(join) => Err(std::io::Error::other(format!(
                    "sandbox server task failed: {join}"
                ))),
            },
            None => Ok(()),
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Binds `127.0.0.1:0` and serves `router` on the current tokio runtime.
pub async fn serve(router: Router) -> std::io::Result<RunningServer> {
    serve_on(router, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Binds `addr` (must be a loopback address) and serves `router` on the current tokio runtime.
pub async fn serve_on(router: Router, addr: SocketAddr) -> std::io::Result<RunningServer> {
    if !addr.ip().is_loopback() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("sandbox servers bind loopback addresses only, not {addr}"),
        ));
    }
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await
    });
    Ok(RunningServer {
        addr,
        shutdown: Some(tx),
        task: Some(task),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;

    #[tokio::test]
    async fn serves_on_loopback_and_stops() {
        let server = serve(Router::new().route("/ping", get(|| async { "pong" })))
            .await
            .unwrap();
        assert!(server.addr().ip().is_loopback());
        let url = format!("{}/ping", server.base_url());
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let body = http.get(&url).send().await.unwrap().text().await.unwrap();
        assert_eq!(body, "pong");
        server.shutdown().await.unwrap();
        assert!(http.get(&url).send().await.is_err());
    }

    #[tokio::test]
    async fn refuses_routable_addresses() {
        let err = serve_on(Router::new(), SocketAddr::from(([0, 0, 0, 0], 0)))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }
}
