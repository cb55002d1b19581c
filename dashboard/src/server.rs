//! The HTTP/1 connection loop: bounded, so that idle or half-open sockets cannot make the
//! dashboard stop answering (issue 15).
//!
//! * a connection that has not sent a complete request head within
//!   [`Limits::header_read_timeout`] is closed (hyper's header-read timer, which also runs
//!   between keep-alive requests);
//! * a connection without any I/O progress and no request in flight for
//!   [`Limits::idle_timeout`] is closed (silent sockets, keep-alive connections nobody reuses,
//!   clients that stop reading a response);
//! * a request whose handler has not answered within [`Limits::request_timeout`] gets a
//!   `503` problem (the handler is dropped);
//! * at most [`Limits::max_connections`] connections are open at once. A new connection
//!   beyond the cap closes the oldest connection that has no request in flight (a silent
//!   socket, an idle keep-alive connection); when every connection is busy it waits up to
//!   [`Limits::accept_wait`] for one to finish, and is closed otherwise. Accepting never
//!   stops, so the server answers again as soon as sockets free up.

use axum::Router;
use hyper::body::Incoming;
use hyper::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// Connection limits of the dashboard's server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Time a connection has to send a complete request head (also between keep-alive
    /// requests). Default 10 s.
    pub header_read_timeout: Duration,
    /// Time a connection may stay without I/O progress while no request is in flight.
    /// Default 30 s (the header-read timeout closes a silent new connection first).
    pub idle_timeout: Duration,
    /// Time a handler has to produce a response head. Default 120 s (a refresh or a
    /// "fetch all versions" talks to registries).
    pub request_timeout: Duration,
    /// Most connections open at once. Default 1,024.
    pub max_connections: usize,
    /// How long a connection beyond the cap waits for a busy one to finish when none is idle.
    /// Default 2 s.
    pub accept_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(120),
            max_connections: 1024,
            accept_wait: Duration::from_secs(2),
        }
    }
}

/// One open connection, as the accept loop sees it.
struct Conn {
    /// Requests whose handler is running.
    busy: AtomicUsize,
    /// Milliseconds since the server's epoch of the last read or write that moved bytes.
    last_io: AtomicU64,
    /// Told to close (evicted beyond the cap, or the server is stopping).
    close: Notify,
}

struct Table {
    epoch: Instant,
    /// Id (accept order) → connection; the lowest id is the oldest.
    open: Mutex<BTreeMap<u64, Arc<Conn>>>,
    /// Signalled whenever a connection ends.
    freed: Notify,
}

impl Table {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn open(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<Conn>>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Make room for one more connection: `true` when there is room (possibly after closing
    /// the oldest connection with no request in flight).
    fn make_room(&self, max: usize) -> bool {
        let mut open = self.open();
        if open.len() < max {
            return true;
        }
        let victim = open
            .iter()
            .find(|(_, c)| c.busy.load(Ordering::SeqCst) == 0)
            .map(|(id, _)| *id);
        match victim.and_then(|id| open.remove(&id)) {
            Some(c) => {
                c.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// A socket that records when bytes last moved.
struct Tracked {
    inner: TcpStream,
    conn: Arc<Conn>,
    table: Arc<Table>,
}

impl Tracked {
    fn touch(&self) {
        self.conn
            .last_io
            .store(self.table.now_ms(), Ordering::SeqCst);
    }
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.touch();
        }
        r
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Counts a request as in flight while alive.
struct Busy(Arc<Conn>);

impl Busy {
    fn new(c: &Arc<Conn>) -> Busy {
        c.busy.fetch_add(1, Ordering::SeqCst);
        Busy(c.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Accept errors that concern one connection only (the next accept may succeed at once).
fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

/// The answer for a handler that ran out of time.
fn timed_out(limit: Duration) -> axum::response::Response {
    let mut r = crate::api::problem(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        format!(
            "the request did not complete within {} s; try again",
            limit.as_secs()
        ),
    );
    r.headers_mut().insert(
        axum::http::header::CONNECTION,
        axum::http::HeaderValue::from_static("close"),
    );
    r
}

/// Pending connections the kernel queues before `accept` (capped by `net.core.somaxconn`):
/// a burst of connections waits there instead of being refused.
pub const BACKLOG: u32 = 4096;

/// Bind `addr` for [`serve_app`] with a [`BACKLOG`]-long accept queue.
pub fn bind(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Serve `app` on `listener` with `limits` until `shutdown` resolves; then stop accepting,
/// close idle connections, and give busy ones up to the request timeout to finish.
pub async fn serve_app(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let table = Arc::new(Table {
        epoch: Instant::now(),
        open: Mutex::new(BTreeMap::new()),
        freed: Notify::new(),
    });
    let limits = Arc::new(limits);
    let max = limits.max_connections.max(1);
    let mut next_id: u64 = 0;
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = &mut shutdown => break,
        };
        let stream = match accepted {
            Ok((s, _)) => s,
            Err(e) if is_connection_error(&e) => continue,
            Err(_) => {
                // Out of file descriptors or similar: back off instead of spinning; the
                // timeouts free descriptors.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if !table.make_room(max) {
            // Every connection has a request in flight: wait briefly for one to end.
            let deadline = tokio::time::Instant::now() + limits.accept_wait;
            let mut room = false;
            while tokio::time::Instant::now() < deadline {
                let freed = table.freed.notified();
                if table.make_room(max) {
                    room = true;
                    break;
                }
                if tokio::time::timeout_at(deadline, freed).await.is_err() {
                    break;
                }
            }
            if !room && !table.make_room(max) {
                drop(stream);
                continue;
            }
        }
        let _ = stream.set_nodelay(true);
        next_id += 1;
        let conn = Arc::new(Conn {
            busy: AtomicUsize::new(0),
            last_io: AtomicU64::new(table.now_ms()),
            close: Notify::new(),
        });
        table.open().insert(next_id, conn.clone());
        tokio::spawn(connection(
            next_id,
            stream,
            conn,
            table.clone(),
            app.clone(),
            limits.clone(),
        ));
    }
    // Stopping: no new connections; close the idle ones, let busy ones finish.
    let open: Vec<Arc<Conn>> = table.open().values().cloned().collect();
    for c in open {
        c.close.notify_one();
    }
    let deadline = tokio::time::Instant::now() + limits.request_timeout;
    while tokio::time::Instant::now() < deadline {
        let freed = table.freed.notified();
        if table.open().is_empty() {
            break;
        }
        let _ = tokio::time::timeout_at(deadline, freed).await;
    }
    Ok(())
}

async fn connection(
    id: u64,
    stream: TcpStream,
    conn: Arc<Conn>,
    table: Arc<Table>,
    app: Router,
    limits: Arc<Limits>,
) {
    let io = TokioIo::new(Tracked {
        inner: stream,
        conn: conn.clone(),
        table: table.clone(),
    });
    let (c, request_timeout) = (conn.clone(), limits.request_timeout);
    let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
        let busy = Busy::new(&c);
        let mut app = app.clone();
        async move {
            let req = req.map(axum::body::Body::new);
            let answer =
                tokio::time::timeout(request_timeout, tower_service::Service::call(&mut app, req))
                    .await;
            drop(busy);
            match answer {
                Ok(Ok(r)) => Ok::<_, std::convert::Infallible>(r),
                Ok(Err(never)) => match never {},
                Err(_) => Ok(timed_out(request_timeout)),
            }
        }
    });
    let served = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true)
        .serve_connection(io, svc);
    tokio::pin!(served);
    let idle_ms = u64::try_from(limits.idle_timeout.as_millis()).unwrap_or(u64::MAX);
    loop {
        let wait = if conn.busy.load(Ordering::SeqCst) > 0 {
            limits.idle_timeout
        } else {
            let last = conn.last_io.load(Ordering::SeqCst);
            Duration::from_millis(last.saturating_add(idle_ms).saturating_sub(table.now_ms()))
        }
        .max(Duration::from_millis(10));
        tokio::select! {
            _ = served.as_mut() => break,
            _ = conn.close.notified() => {
                if conn.busy.load(Ordering::SeqCst) > 0 {
                    // Finish the request in flight, then close.
                    served.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(limits.request_timeout, served.as_mut()).await;
                }
                break;
            }
            _ = tokio::time::sleep(wait) => {
                let quiet = table.now_ms().saturating_sub(conn.last_io.load(Ordering::SeqCst));
                if conn.busy.load(Ordering::SeqCst) == 0 && quiet >= idle_ms {
                    break;
                }
            }
        }
    }
    table.open().remove(&id);
    table.freed.notify_waiters();
}
