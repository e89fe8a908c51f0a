//! Reads beside `serve` on the embedded database. The embedded PostgreSQL serves one process, so
//! while `serve` holds its folder it answers the read commands (`wallets`, `movements`, `holds`,
//! `sms outbox`, `api-key list`) on a Unix socket in that folder, [`SOCKET`], running their store
//! queries on its own connection; the commands print its answer as they print what they read
//! themselves. A PostgreSQL server needs none of this: every process connects to it.
//!
//! The protocol is private to this binary. A connection carries one request line and one answer
//! line, both JSON, then closes:
//!
//! - request: `{"v":1,"command":"wallets","system":false}`. `command` is `wallets` (`system`),
//!   `movements` (`wallet`), `holds` (`wallet` or `notary`, `status`), `sms outbox` (`user`) or
//!   `api-key list` (`client`, `revoked`); the other fields are the command's parsed filters;
//! - answer: `{"v":1,"rows":[…]}`, the rows the command prints (as its `--json` prints them), or
//!   `{"v":1,"error":"…","causes":["…"]}`, the error it would have printed.
//!
//! Each side refuses a message of another version than [`VERSION`], saying so. Access control is the
//! file system's: the socket is created 0600 in the data folder, whose readers may read the data
//! anyway. It is removed when serve stops cleanly; one a killed serve left answers nothing
//! (connection refused): readers then open the folder themselves, and the next serve replaces it.

use std::{
    os::unix::fs::{FileTypeExt, PermissionsExt},
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::Context;
use emtoken_store::{Store, WalletRef};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::{UnixListener, UnixStream},
    sync::oneshot,
    task::{JoinHandle, JoinSet},
};

use super::{api_key, database::DatabaseArgs, holds, lookup::Index, movements, sms, wallets};
use crate::format;

/// The protocol's version, `"v"` in every message.
pub(crate) const VERSION: u64 = 1;

/// The socket's name in the embedded database's folder.
pub(crate) const SOCKET: &str = "serve.sock";

/// Where the socket is bound before it is made 0600 and renamed to [`SOCKET`] (no longer a name, so
/// a folder whose socket path fits fits this one too).
const BINDING: &str = ".serve.tmp";

/// The longest request serve reads.
const MAX_REQUEST: u64 = 64 * 1024;

/// How long serve waits for a request once connected.
const REQUEST_WAIT: Duration = Duration::from_secs(10);

/// How long a reader waits for serve's answer (serve's own wait for its one connection is 30 s).
const ANSWER_WAIT: Duration = Duration::from_secs(120);

/// How long a stopping serve lets the reads in flight finish.
const DRAIN: Duration = Duration::from_secs(5);

/// A read command's query: its name (`command`) and its parsed filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command")]
pub(crate) enum Query {
    /// `emtoken wallets`.
    #[serde(rename = "wallets")]
    Wallets(wallets::Query),
    /// `emtoken movements`.
    #[serde(rename = "movements")]
    Movements(movements::Query),
    /// `emtoken holds`.
    #[serde(rename = "holds")]
    Holds(holds::Query),
    /// `emtoken sms outbox`.
    #[serde(rename = "sms outbox")]
    SmsOutbox(sms::Query),
    /// `emtoken api-key list`.
    #[serde(rename = "api-key list")]
    ApiKeys(api_key::Query),
}

impl Query {
    /// The command's name, as the request carries it.
    fn name(&self) -> &'static str {
        match self {
            Self::Wallets(_) => "wallets",
            Self::Movements(_) => "movements",
            Self::Holds(_) => "holds",
            Self::SmsOutbox(_) => "sms outbox",
            Self::ApiKeys(_) => "api-key list",
        }
    }
}

/// A wallet as `--wallet` takes it: its address (0x and lowercase hex) or its id.
pub(crate) fn wallet_text(which: WalletRef) -> String {
    match which {
        WalletRef::Address(address) => format::hex(&address),
        WalletRef::Id(id) => id.to_string(),
    }
}

/// A request on the wire.
#[derive(Serialize)]
struct Request<'a> {
    v: u64,
    #[serde(flatten)]
    query: &'a Query,
}

/// The request line asking `query` (without its newline).
pub(crate) fn encode_request(query: &Query) -> anyhow::Result<String> {
    serde_json::to_string(&Request { v: VERSION, query })
        .context("cannot write the request for serve")
}

/// The query of a request line; what is wrong with it otherwise.
pub(crate) fn decode_request(line: &str) -> Result<Query, String> {
    let mut value: Value = serde_json::from_str(line)
        .map_err(|e| format!("the request is not one JSON line ({e})"))?;
    let object = value
        .as_object_mut()
        .ok_or("the request is not a JSON object")?;
    check_version(object.remove("v"), "request")?;
    serde_json::from_value(value).map_err(|e| format!("the request is not one serve knows ({e})"))
}

/// An answer on the wire.
#[derive(Serialize)]
#[serde(untagged)]
enum Answering<'a> {
    Rows {
        v: u64,
        rows: &'a Value,
    },
    Refused {
        v: u64,
        error: String,
        causes: Vec<String>,
    },
}

/// The answer line (without its newline) of a query's rows, or of its error.
pub(crate) fn encode_answer(result: &anyhow::Result<Value>) -> String {
    let answer = match result {
        Ok(rows) => Answering::Rows { v: VERSION, rows },
        Err(error) => Answering::Refused {
            v: VERSION,
            error: error.to_string(),
            causes: error.chain().skip(1).map(ToString::to_string).collect(),
        },
    };
    // Strings and JSON values always serialize.
    serde_json::to_string(&answer).unwrap_or_default()
}

/// What an answer says: the rows, or the error the query met (its causes kept, so it prints as it
/// would have printed in the reader).
#[derive(Debug)]
pub(crate) enum Answer<T> {
    /// The rows.
    Rows(Vec<T>),
    /// The query's error.
    Refused(anyhow::Error),
}

/// The answer of an answer line; what is wrong with it otherwise.
pub(crate) fn decode_answer<T: DeserializeOwned>(line: &str) -> Result<Answer<T>, String> {
    let mut value: Value =
        serde_json::from_str(line).map_err(|e| format!("an answer that is not JSON ({e})"))?;
    let object = value
        .as_object_mut()
        .ok_or("an answer that is not a JSON object")?;
    check_version(object.remove("v"), "answer")?;
    if let Some(error) = object.remove("error") {
        let error = error.as_str().unwrap_or_default().to_owned();
        let causes: Vec<String> = object
            .remove("causes")
            .and_then(|c| serde_json::from_value(c).ok())
            .unwrap_or_default();
        return Ok(Answer::Refused(rebuilt(error, causes)));
    }
    let rows = object
        .remove("rows")
        .ok_or("an answer with neither rows nor an error")?;
    serde_json::from_value(rows)
        .map(Answer::Rows)
        .map_err(|e| format!("rows this emtoken cannot read ({e})"))
}

/// An error with these messages, outermost first.
fn rebuilt(error: String, causes: Vec<String>) -> anyhow::Error {
    let mut inner = causes.into_iter().rev();
    match inner.next() {
        None => anyhow::Error::msg(error),
        Some(deepest) => inner
            .fold(anyhow::Error::msg(deepest), |e, cause| e.context(cause))
            .context(error),
    }
}

/// Accepts version 1 only.
fn check_version(v: Option<Value>, what: &str) -> Result<(), String> {
    match v {
        Some(v) if v.as_u64() == Some(VERSION) => Ok(()),
        Some(v) => Err(format!(
            "the {what} is of protocol version {v}, and this emtoken speaks version {VERSION} only: \
             run serve and the reads from the same emtoken"
        )),
        None => Err(format!(
            "the {what} names no protocol version (\"v\"); this emtoken speaks version {VERSION}"
        )),
    }
}

/// Whether a serve answers on `socket` (connects: one a killed serve left refuses the connection).
pub(crate) async fn answers(socket: &Path) -> bool {
    UnixStream::connect(socket).await.is_ok()
}

/// A connection to the serve that holds the embedded database.
#[derive(Debug)]
pub(crate) struct Serve {
    socket: PathBuf,
    stream: UnixStream,
}

impl Serve {
    /// The serve holding the embedded database of `database`, when one answers on its socket; None
    /// on a PostgreSQL server, without a socket, or with one a killed serve left.
    pub(crate) async fn answering(database: &DatabaseArgs) -> Option<Self> {
        let socket = database.serve_socket()?;
        match UnixStream::connect(&socket).await {
            Ok(stream) => {
                tracing::debug!(socket = %socket.display(), "serve holds the embedded database: reading through its socket");
                Some(Self { socket, stream })
            }
            Err(error) => {
                if error.kind() != std::io::ErrorKind::NotFound {
                    tracing::debug!(socket = %socket.display(), %error, "no serve answers on the socket: reading the folder");
                }
                None
            }
        }
    }

    /// Asks `query`; the rows serve read, or the error it met.
    pub(crate) async fn ask<T: DeserializeOwned>(self, query: &Query) -> anyhow::Result<Vec<T>> {
        let Self { socket, mut stream } = self;
        let mut line = encode_request(query)?;
        line.push('\n');
        let exchange = async {
            stream.write_all(line.as_bytes()).await?;
            stream.flush().await?;
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer).await?;
            std::io::Result::Ok(answer)
        };
        let answer = tokio::time::timeout(ANSWER_WAIT, exchange)
            .await
            .map_err(|_| {
                anyhow::anyhow!(
                    "serve did not answer `{}` on {} within {} s: try again, or use the HTTP API",
                    query.name(),
                    socket.display(),
                    ANSWER_WAIT.as_secs()
                )
            })?
            .with_context(|| {
                format!(
                    "cannot ask serve through its socket {}: try again once it runs or has stopped",
                    socket.display()
                )
            })?;
        let text = String::from_utf8_lossy(&answer);
        anyhow::ensure!(
            !text.trim().is_empty(),
            "serve closed its socket {} without answering (it may be stopping): try again",
            socket.display()
        );
        match decode_answer(text.trim_end()) {
            Ok(Answer::Rows(rows)) => Ok(rows),
            Ok(Answer::Refused(error)) => Err(error),
            Err(problem) => anyhow::bail!("serve's socket {} gave {problem}", socket.display()),
        }
    }
}

/// serve's socket for reads beside it, listening until [`Listening::stop`] (or dropped).
#[derive(Debug)]
pub(crate) struct Listening {
    socket: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Starts answering reads on the socket of `database`'s folder when `store` is the embedded database
/// (None otherwise). A socket that cannot be made is a warning: serve runs without it.
pub(crate) fn listen(database: &DatabaseArgs, store: &Store) -> Option<Listening> {
    let socket = database.serve_socket()?;
    if !store.is_embedded() {
        return None;
    }
    match bind(&socket) {
        Ok(listener) => {
            tracing::info!(
                socket = %socket.display(),
                "reads beside serve: `emtoken wallets`, `movements`, `holds`, `sms outbox` and `api-key list` on this folder ask this process"
            );
            let (stop, stopped) = oneshot::channel();
            let task = tokio::spawn(accept(listener, store.clone(), stopped));
            Some(Listening {
                socket,
                stop: Some(stop),
                task: Some(task),
            })
        }
        Err(error) => {
            tracing::warn!(
                socket = %socket.display(),
                error = %format!("{error:#}"),
                "cannot listen for reads beside serve: `emtoken wallets` and the other reads of this folder fail while serve runs (use the HTTP API)"
            );
            None
        }
    }
}

impl Listening {
    /// Stops answering: removes the socket, lets the reads in flight finish (at most 5 s) and lets go
    /// of the store.
    pub(crate) async fn stop(mut self) {
        remove(&self.socket);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            remove(&self.socket);
        }
    }
}

/// Removes the socket file, if there.
fn remove(socket: &Path) {
    match std::fs::remove_file(socket) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            tracing::warn!(socket = %socket.display(), %error, "cannot remove the socket of reads beside serve");
        }
        _ => {}
    }
}

/// Binds `socket`, 0600, replacing one a killed serve left (this process holds the folder, so no
/// other serve can answer there).
fn bind(socket: &Path) -> anyhow::Result<UnixListener> {
    match std::fs::symlink_metadata(socket) {
        Ok(found) => {
            anyhow::ensure!(
                found.file_type().is_socket(),
                "{} is there and is not a socket: remove it",
                socket.display()
            );
            anyhow::ensure!(
                std::os::unix::net::UnixStream::connect(socket).is_err(),
                "another process answers on {}: stop it",
                socket.display()
            );
            std::fs::remove_file(socket).with_context(|| {
                format!(
                    "cannot remove {}, left by a serve that did not stop cleanly",
                    socket.display()
                )
            })?;
            tracing::info!(socket = %socket.display(), "replaced the socket a serve that did not stop cleanly left");
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => {
            return Err(error).with_context(|| format!("cannot look at {}", socket.display()));
        }
    }
    let binding = socket.with_file_name(BINDING);
    let _ = std::fs::remove_file(&binding);
    let made = (|| {
        let listener = std::os::unix::net::UnixListener::bind(&binding)
            .with_context(|| format!("cannot bind {}", binding.display()))?;
        std::fs::set_permissions(&binding, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot make {} 0600", binding.display()))?;
        std::fs::rename(&binding, socket).with_context(|| {
            format!(
                "cannot rename {} to {}",
                binding.display(),
                socket.display()
            )
        })?;
        listener.set_nonblocking(true)?;
        anyhow::Ok(UnixListener::from_std(listener)?)
    })();
    if made.is_err() {
        let _ = std::fs::remove_file(&binding);
    }
    made
}

/// Answers each connection on its own task until stopped; then lets those in flight finish (at most
/// [`DRAIN`]).
async fn accept(listener: UnixListener, store: Store, mut stopped: oneshot::Receiver<()>) {
    let mut answering = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    answering.spawn(answer(stream, store.clone()));
                }
                Err(error) => {
                    tracing::warn!(%error, "reads beside serve: cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = answering.join_next(), if !answering.is_empty() => {}
        }
    }
    drop(listener);
    let finished = tokio::time::timeout(DRAIN, async {
        while answering.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        tracing::warn!(
            left = answering.len(),
            "reads beside serve still running {DRAIN:?} after the stop: cut"
        );
    }
    answering.shutdown().await;
}

/// Reads one request from `stream` and writes its answer.
async fn answer(stream: UnixStream, store: Store) {
    let (reader, mut writer) = stream.into_split();
    let mut line = String::new();
    let mut reader = BufReader::new(reader.take(MAX_REQUEST));
    let read = reader.read_line(&mut line);
    match tokio::time::timeout(REQUEST_WAIT, read).await {
        // Connected and gone: someone checking whether serve answers.
        Ok(Ok(0)) => return,
        Ok(Ok(_)) => {}
        Ok(Err(error)) => {
            tracing::debug!(%error, "reads beside serve: cannot read a request");
            return;
        }
        Err(_) => {
            tracing::debug!("reads beside serve: no request within {REQUEST_WAIT:?}");
            return;
        }
    }
    let result = match decode_request(line.trim_end()) {
        Ok(query) => {
            tracing::debug!(command = query.name(), "reads beside serve: a request");
            let _turn = store.read_permit().await;
            rows(&store, query).await
        }
        Err(problem) => Err(anyhow::Error::msg(problem)),
    };
    let mut text = encode_answer(&result);
    text.push('\n');
    if let Err(error) = async {
        writer.write_all(text.as_bytes()).await?;
        writer.shutdown().await
    }
    .await
    {
        tracing::debug!(%error, "reads beside serve: cannot write an answer");
    }
}

/// The rows `query` asks for, read by the command's own query on `store`.
async fn rows(store: &Store, query: Query) -> anyhow::Result<Value> {
    let mut index = Index::new(store.clone()).await?;
    Ok(match query {
        Query::Wallets(q) => serde_json::to_value(wallets::rows(&mut index, &q).await?)?,
        Query::Movements(q) => serde_json::to_value(movements::rows(&mut index, &q).await?)?,
        Query::Holds(q) => serde_json::to_value(holds::rows(&mut index, &q).await?)?,
        Query::SmsOutbox(q) => serde_json::to_value(sms::rows(index.store(), &q).await?)?,
        Query::ApiKeys(q) => serde_json::to_value(api_key::rows(index.store(), &q).await?)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_query() -> Vec<Query> {
        vec![
            Query::Wallets(wallets::Query { system: true }),
            Query::Movements(movements::Query {
                wallet: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8".into(),
            }),
            Query::Holds(holds::Query {
                wallet: None,
                notary: Some("0x70997970c51812dc3a010c7d01b50e0d17dc79c8".into()),
                status: emtoken_store::parse_hold_statuses("open").unwrap(),
            }),
            Query::SmsOutbox(sms::Query {
                user: Some(uuid::Uuid::nil()),
            }),
            Query::ApiKeys(api_key::Query {
                client: Some("acme".into()),
                revoked: true,
            }),
        ]
    }

    #[test]
    fn requests_carry_the_version_the_command_and_its_filters() {
        let line = encode_request(&Query::Wallets(wallets::Query { system: false })).unwrap();
        assert_eq!(line, r#"{"v":1,"command":"wallets","system":false}"#);
        let line = encode_request(&every_query()[2]).unwrap();
        assert_eq!(
            line,
            r#"{"v":1,"command":"holds","wallet":null,"notary":"0x70997970c51812dc3a010c7d01b50e0d17dc79c8","status":["CREATED","RENEWED","EXECUTED_AND_KEPT_OPEN"]}"#
        );
        for query in every_query() {
            let line = encode_request(&query).unwrap();
            assert!(!line.contains('\n'), "{line}");
            assert_eq!(decode_request(&line), Ok(query), "{line}");
        }
        // Filters left out take their defaults.
        assert_eq!(
            decode_request(r#"{"v":1,"command":"api-key list"}"#),
            Ok(Query::ApiKeys(api_key::Query {
                client: None,
                revoked: false
            }))
        );
    }

    #[test]
    fn requests_of_another_version_or_unknown_are_refused() {
        let error = decode_request(r#"{"v":2,"command":"wallets","system":false}"#).unwrap_err();
        assert!(
            error.contains("protocol version 2") && error.contains("version 1"),
            "{error}"
        );
        let error = decode_request(r#"{"command":"wallets"}"#).unwrap_err();
        assert!(error.contains("no protocol version"), "{error}");
        let error = decode_request(r#"{"v":"1","command":"wallets"}"#).unwrap_err();
        assert!(error.contains("protocol version \"1\""), "{error}");
        let error = decode_request(r#"{"v":1,"command":"currencies add"}"#).unwrap_err();
        assert!(error.contains("currencies add"), "{error}");
        let error = decode_request(r#"{"v":1,"command":"wallets","sytem":true}"#).unwrap_err();
        assert!(error.contains("sytem"), "{error}");
        let error = decode_request("wallets").unwrap_err();
        assert!(error.contains("not one JSON line"), "{error}");
        let error = decode_request("[1]").unwrap_err();
        assert!(error.contains("not a JSON object"), "{error}");
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Row {
        amount: String,
    }

    #[test]
    fn answers_carry_rows_or_the_error_with_its_causes() {
        let rows = serde_json::to_value(vec![Row {
            amount: "12.50".into(),
        }])
        .unwrap();
        let line = encode_answer(&Ok(rows));
        assert_eq!(line, r#"{"v":1,"rows":[{"amount":"12.50"}]}"#);
        match decode_answer::<Row>(&line) {
            Ok(Answer::Rows(rows)) => assert_eq!(
                rows,
                [Row {
                    amount: "12.50".into()
                }]
            ),
            other => panic!("{other:?}"),
        }

        let error = anyhow::Error::msg("connection reset")
            .context("pool timed out")
            .context("no wallet 0x00 in the index");
        let line = encode_answer(&Err(error));
        match decode_answer::<Row>(&line) {
            Ok(Answer::Refused(error)) => {
                assert_eq!(
                    format!("{error:#}"),
                    "no wallet 0x00 in the index: pool timed out: connection reset"
                );
                assert_eq!(error.chain().count(), 3);
            }
            other => panic!("{other:?}"),
        }
        match decode_answer::<Row>(r#"{"v":1,"error":"no wallet","causes":[]}"#) {
            Ok(Answer::Refused(error)) => assert_eq!(format!("{error:#}"), "no wallet"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn answers_of_another_version_or_shape_are_refused() {
        let error = decode_answer::<Row>(r#"{"v":2,"rows":[]}"#).unwrap_err();
        assert!(
            error.contains("protocol version 2") && error.contains("version 1"),
            "{error}"
        );
        let error = decode_answer::<Row>(r#"{"rows":[]}"#).unwrap_err();
        assert!(error.contains("no protocol version"), "{error}");
        let error = decode_answer::<Row>(r#"{"v":1}"#).unwrap_err();
        assert!(error.contains("neither rows nor an error"), "{error}");
        let error = decode_answer::<Row>(r#"{"v":1,"rows":[{"amount":1}]}"#).unwrap_err();
        assert!(error.contains("cannot read"), "{error}");
    }

    #[tokio::test]
    async fn a_socket_a_killed_serve_left_is_replaced_and_answers_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join(SOCKET);
        // A listener gone without removing its file: what a SIGKILL leaves.
        drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
        assert!(socket.exists());
        assert!(
            !answers(&socket).await,
            "a stale socket refuses connections"
        );

        let listener = bind(&socket).unwrap();
        let mode = std::fs::metadata(&socket).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        assert!(!dir.path().join(BINDING).exists());
        assert!(answers(&socket).await);
        // A second bind while it answers is refused, and leaves it in place.
        let error = bind(&socket).unwrap_err();
        assert!(
            format!("{error:#}").contains("another process answers"),
            "{error:#}"
        );
        assert!(answers(&socket).await);
        drop(listener);

        // A file that is not a socket is not removed.
        std::fs::remove_file(&socket).unwrap();
        std::fs::write(&socket, "data").unwrap();
        let error = bind(&socket).unwrap_err();
        assert!(format!("{error:#}").contains("not a socket"), "{error:#}");
        assert_eq!(std::fs::read_to_string(&socket).unwrap(), "data");
    }
}
