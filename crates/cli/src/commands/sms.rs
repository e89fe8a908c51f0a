//! `emtoken sms outbox`: the development SMS sender's messages.

use anyhow::Context;
use clap::{Args, Subcommand};
use emtoken_store::{Store, api::OutboxMessage};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{database::DatabaseArgs, lookup::read_rows, socket};
use crate::output::Output;

/// SMS the platform sent.
#[derive(Debug, Subcommand)]
pub(crate) enum SmsCommand {
    /// The messages `emtoken serve --sms-outbox` (development) kept instead of sending, oldest first.
    ///
    /// Phone codes are in them: the outbox exists only on development platforms.
    ///
    /// Example: `emtoken sms outbox --user 1b4e28ba-2fa1-4d2c-9b1e-0c3f7a9d2e11`.
    Outbox(OutboxArgs),
}

/// Arguments of `sms outbox`.
#[derive(Debug, Args)]
pub(crate) struct OutboxArgs {
    /// Only this user's messages.
    #[arg(long, value_name = "USER_ID")]
    user: Option<Uuid>,

    #[command(flatten)]
    database: DatabaseArgs,
}

/// What `sms outbox` asks: whose messages, as serve's socket carries it too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Query {
    /// Only this user's messages.
    #[serde(default)]
    pub(crate) user: Option<Uuid>,
}

/// A message as `sms outbox --json` prints it, and as `serve --sms-outbox-file` writes it (a line each).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Message {
    id: i64,
    user_id: Option<Uuid>,
    to: String,
    text: String,
    created_at: String,
}

impl From<OutboxMessage> for Message {
    fn from(m: OutboxMessage) -> Self {
        Self {
            id: m.id,
            user_id: m.user_id,
            to: m.mobile_phone,
            text: m.text,
            created_at: m
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        }
    }
}

/// Runs `emtoken sms …`: through serve's socket while serve holds the embedded database, else on the
/// database.
pub(crate) async fn run(command: SmsCommand, output: Output) -> anyhow::Result<()> {
    let SmsCommand::Outbox(args) = command;
    let query = Query { user: args.user };
    let messages = read_rows(
        &args.database,
        socket::Query::SmsOutbox(query.clone()),
        async |index| rows(index.store(), &query).await,
    )
    .await?;
    output.print(&messages, |messages| {
        if messages.is_empty() {
            return "no messages".to_owned();
        }
        messages
            .iter()
            .map(|m| {
                let user = m
                    .user_id
                    .map(|u| u.to_string())
                    .unwrap_or_else(|| "-".into());
                format!("{}  {}  {}  {}", m.created_at, user, m.to, m.text)
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// The messages `query` asks for, as `sms outbox` prints them (serve answers its socket with them too).
pub(crate) async fn rows(store: &Store, query: &Query) -> anyhow::Result<Vec<Message>> {
    Ok(store
        .outbox(query.user)
        .await
        .context("cannot read the SMS outbox")?
        .into_iter()
        .map(Message::from)
        .collect())
}
