//! The MySQL wire protocol of the simulated servers (through `opensrv-mysql`): one listener per
//! server, closed while the server is dead, connections held unanswered while it hangs, answers
//! delayed while it is slow.

use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

use app::core::InstanceKey;
use opensrv_mysql::{
    AsyncMysqlIntermediary, AsyncMysqlShim, Column, ColumnFlags, ColumnType, ErrorKind, OkResponse,
    ParamParser, QueryResultWriter, StatementMetaWriter,
};
use tokio::io::{AsyncReadExt, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::answer::{answer, Reply};
use super::greeting::Greeting;
use super::server::Fault;
use super::state::FleetState;

/// The shared state and the signal that a fault changed.
#[derive(Clone)]
pub struct Shared {
    /// The fleet.
    pub state: Arc<Mutex<FleetState>>,
    /// Bumped whenever a server's fault changes, so listeners close or reopen.
    pub changed: watch::Sender<u64>,
    /// How long each answered connection lasted (accept to close), microseconds, since the
    /// last [`Shared::take_durations`].
    pub durations: Arc<Mutex<Vec<u32>>>,
}

impl Shared {
    /// The state, even if a holder panicked.
    pub fn lock(&self) -> MutexGuard<'_, FleetState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The recorded connection durations, emptied.
    pub fn take_durations(&self) -> Vec<u32> {
        std::mem::take(&mut *self.durations.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Counts a connection to `key`; its fault.
    fn accepted(&self, key: &InstanceKey) -> Fault {
        let mut state = self.lock();
        match state.servers.get_mut(key) {
            Some(s) => {
                s.connections += 1;
                s.fault
            }
            None => Fault::Dead,
        }
    }

    fn fault(&self, key: &InstanceKey) -> Fault {
        self.lock().servers.get(key).map_or(Fault::Dead, |s| s.fault)
    }
}

/// Serves `key` on `listener` until the fleet is dropped: refuses (port closed) while dead.
pub async fn serve(shared: Shared, key: InstanceKey, listener: TcpListener) {
    let mut changed = shared.changed.subscribe();
    let mut listener = Some(listener);
    loop {
        if shared.fault(&key) == Fault::Dead {
            listener = None;
        } else if listener.is_none() {
            match TcpListener::bind((key.hostname.as_str(), key.port)).await {
                Ok(l) => listener = Some(l),
                Err(e) => {
                    tracing::warn!(%key, error = %e, "simulated server cannot reopen its port")
                }
            }
        }
        let accepted = match &listener {
            Some(l) => tokio::select! {
                accepted = l.accept() => Some(accepted),
                r = changed.changed() => { if r.is_err() { return; } None }
            },
            None => {
                if changed.changed().await.is_err() {
                    return;
                }
                None
            }
        };
        if let Some(Ok((stream, _))) = accepted {
            let _ = stream.set_nodelay(true);
            tokio::spawn(connection(shared.clone(), key.clone(), stream));
        }
    }
}

async fn connection(shared: Shared, key: InstanceKey, mut stream: TcpStream) {
    let started = std::time::Instant::now();
    match shared.accepted(&key) {
        Fault::Dead => {}
        Fault::Hung => {
            // Accepted by the kernel, never answered: wait for the client to give up.
            let mut sink = [0u8; 512];
            while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
        }
        Fault::Healthy | Fault::Slow(_) => {
            let version = shared.lock().servers.get(&key).map(|s| s.version.clone());
            let Some(version) = version else { return };
            let (read, write) = stream.into_split();
            let shim = Shim { shared: shared.clone(), key, version, pending: Vec::new() };
            let _ = AsyncMysqlIntermediary::run_on(shim, read, Greeting::new(write)).await;
            let micros = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
            shared.durations.lock().unwrap_or_else(|e| e.into_inner()).push(micros);
        }
    }
}

/// How long a connection from a cut-off client is held unanswered before it is dropped.
const CUT_HOLD: std::time::Duration = std::time::Duration::from_secs(30);

/// One connection's backend.
struct Shim {
    shared: Shared,
    key: InstanceKey,
    version: String,
    /// The replies of the statement being answered, with their column definitions (kept here so
    /// the writer can borrow them for the whole answer).
    pending: Vec<(Vec<Column>, Reply)>,
}

fn column(name: &str) -> Column {
    Column {
        table: String::new(),
        column: name.to_string(),
        coltype: ColumnType::MYSQL_TYPE_VAR_STRING,
        colflags: ColumnFlags::empty(),
    }
}

fn error_kind(code: u16) -> ErrorKind {
    ErrorKind::from(code)
}

#[async_trait::async_trait]
impl<W: AsyncWrite + Send + Unpin> AsyncMysqlShim<W> for Shim {
    type Error = io::Error;

    fn version(&self) -> String {
        self.version.clone()
    }

    fn connect_id(&self) -> u32 {
        u32::from(self.key.port)
    }

    async fn authenticate(
        &self,
        _auth_plugin: &str,
        username: &[u8],
        _salt: &[u8],
        _auth_data: &[u8],
    ) -> bool {
        let user = String::from_utf8_lossy(username);
        let cut = {
            let state = self.shared.lock();
            state.servers.get(&self.key).is_some_and(|s| s.cut_users.contains(user.as_ref()))
        };
        if cut {
            // The network between this client and the server is cut: nothing comes back until
            // the client gives up (its connect timeout is far shorter).
            tokio::time::sleep(CUT_HOLD).await;
            return false;
        }
        true
    }

    async fn on_prepare<'a>(
        &'a mut self,
        _query: &'a str,
        info: StatementMetaWriter<'a, W>,
    ) -> io::Result<()> {
        info.error(
            ErrorKind::ER_UNKNOWN_COM_ERROR,
            b"the simulated server has no prepared statements",
        )
        .await
    }

    async fn on_execute<'a>(
        &'a mut self,
        _id: u32,
        _params: ParamParser<'a>,
        results: QueryResultWriter<'a, W>,
    ) -> io::Result<()> {
        results
            .error(
                ErrorKind::ER_UNKNOWN_COM_ERROR,
                b"the simulated server has no prepared statements",
            )
            .await
    }

    async fn on_close<'a>(&'a mut self, _stmt: u32)
    where
        W: 'async_trait,
    {
    }

    async fn on_query<'a>(
        &'a mut self,
        query: &'a str,
        results: QueryResultWriter<'a, W>,
    ) -> io::Result<()> {
        let delay = self.shared.fault(&self.key).delay();
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        let replies = answer(&mut self.shared.lock(), &self.key, query);
        self.pending = replies
            .into_iter()
            .map(|r| {
                let columns = match &r {
                    Reply::Rows { columns, .. } => columns.iter().map(|c| column(c)).collect(),
                    _ => Vec::new(),
                };
                (columns, r)
            })
            .collect();
        if self.pending.is_empty() {
            return results.completed(OkResponse::default()).await;
        }
        let this: &'a Shim = self;
        let mut results = results;
        for (columns, reply) in &this.pending {
            match reply {
                Reply::Rows { rows, .. } => {
                    let mut writer = results.start(columns).await?;
                    for row in rows {
                        for value in row {
                            writer.write_col(value.as_deref())?;
                        }
                        writer.end_row().await?;
                    }
                    results = writer.finish_one().await?;
                }
                Reply::Ok => results = results.complete_one(OkResponse::default()).await?,
                Reply::Error(code, message) => {
                    return results.error(error_kind(*code), message.as_bytes()).await;
                }
            }
        }
        results.no_more_results().await
    }
}
