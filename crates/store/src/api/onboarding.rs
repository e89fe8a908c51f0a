//! A user's way onto the platform after its creation: the codes that verify its phone, the development
//! SMS outbox, its KYC levels and their history, its unsubscription; and what the platform's follow-up
//! looks for (verified users without a wallet, wallets whose registration or level never reached the
//! chain). Times of codes are the caller's clock, so that tests can move it.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::{Result, Store, WalletRow, read::wallet_columns};

/// How long a code is good for.
pub const CODE_LIFETIME: Duration = Duration::minutes(5);
/// Wrong tries that end a code.
pub const CODE_TRIES: i16 = 5;
/// Codes a user may be sent per minute…
pub const CODES_PER_MINUTE: i64 = 1;
/// …and per day.
pub const CODES_PER_DAY: i64 = 10;

/// A code about to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCode {
    /// Its id.
    pub id: Uuid,
    /// The user.
    pub user_id: Uuid,
    /// The phone it is sent to (the user's, as the caller read it).
    pub mobile_phone: String,
    /// Random salt.
    pub salt: [u8; 16],
    /// SHA-256 of salt and code.
    pub code_hash: [u8; 32],
    /// Now, by the caller's clock.
    pub now: DateTime<Utc>,
}

/// Whether a code may be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeIssue {
    /// Recorded (SENDING): send it, then [`Store::code_sent`].
    Issued,
    /// A code was sent less than a minute ago: the next one from this time.
    TooSoon(DateTime<Utc>),
    /// Ten codes were sent in the last 24 hours: the next one from this time.
    DailyLimit(DateTime<Utc>),
    /// The user's phone was changed meanwhile (the code would go to the old one).
    PhoneChanged,
    /// The user's phone is verified already, or the user is unsubscribed.
    NotNeeded,
}

/// What a code given back was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// The user has no live code (none sent, used, replaced, or too many wrong tries).
    NoCode,
    /// The live code expired.
    Expired,
    /// Wrong: tries left on this code (0: it is dead).
    Wrong(i16),
    /// Right: the phone is verified. `first`: the user was CREATED and is now VERIFIED at KYC 0.
    Verified {
        /// The user's first verification.
        first: bool,
    },
}

/// What changing a user's phone gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneChange {
    /// Changed: the user needs a code for the new number.
    Changed,
    /// The user has this number already.
    Same,
    /// Another of the client's users has it (its id).
    Taken(Uuid),
    /// The user is unsubscribed.
    Unsubscribed,
}

/// A message of the development SMS outbox.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxMessage {
    /// Its number, in order of sending.
    pub id: i64,
    /// The user it was for.
    pub user_id: Option<Uuid>,
    /// Where it went.
    pub mobile_phone: String,
    /// Its text.
    pub text: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A level of a user's KYC history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct KycEntry {
    /// Its id.
    pub id: Uuid,
    /// The user.
    pub user_id: Uuid,
    /// The level.
    pub level: i16,
    /// The level before.
    pub previous: Option<i16>,
    /// The evidence the compliance side gave (None: the phone's verification).
    pub evidence: Option<String>,
    /// Who set it (an API client; None: the platform, on verification).
    pub set_by: Option<Uuid>,
    /// That client's name.
    pub set_by_name: Option<String>,
    /// The request that set it on the user's wallets.
    pub request_id: Option<Uuid>,
    /// PENDING, APPLIED or REFUSED.
    pub state: String,
    /// That request's state.
    pub request_state: Option<String>,
    /// That request's (latest) transaction.
    pub tx_hash: Option<Vec<u8>>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A KYC level about to be set on a user's wallets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKycLevel {
    /// Its id.
    pub id: Uuid,
    /// The user.
    pub user_id: Uuid,
    /// The level.
    pub level: u8,
    /// The evidence.
    pub evidence: String,
    /// Who sets it.
    pub set_by: Uuid,
    /// The request that will set it on chain.
    pub request_id: Uuid,
}

/// Whether a KYC level may be set now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KycBegin {
    /// Recorded (PENDING): send the request, then [`Store::settle_kyc_level`].
    Begun,
    /// Another level of the user's is on its way.
    Busy,
}

/// What unsubscribing a user gave.
#[derive(Debug, Clone, PartialEq)]
pub enum UserUnsubscription {
    /// Unsubscribed, with its wallets (unsubscribed too): freeze those the chain has.
    Done(Vec<WalletRow>),
    /// Already unsubscribed.
    Already,
    /// A wallet has money, or something on its way (the wallet).
    Busy(Box<WalletRow>),
}

/// A live code as read: id, salt, hash, wrong tries, expiry, the phone it went to.
type LiveCode = (Uuid, Vec<u8>, Vec<u8>, i16, DateTime<Utc>, String);

/// The condition of a wallet that may be unsubscribed: every balance at 0 and nothing of the
/// platform's on its way for it.
macro_rules! wallet_is_empty {
    () => {
        "w.balance = 0 AND w.final_held = 0 AND w.head_total = 0 AND w.held = 0
         AND NOT EXISTS (SELECT 1 FROM api_requests r WHERE r.wallet_id = w.id
                         AND r.state IN ('REQUESTED', 'PENDING_DLT')
                         AND NOT (r.tx_hash IS NOT NULL
                                  AND EXISTS (SELECT 1 FROM events e WHERE e.tx_hash = r.tx_hash)))"
    };
}
pub(super) use wallet_is_empty;

impl Store {
    /// Records `code` as the user's live one (SENDING) if the user needs one, its phone is still
    /// `code.mobile_phone`, and the limits allow (one a minute, ten a day, codes the gateway refused
    /// not counted); an older live code is REPLACED. Concurrent calls for a user are taken in turn.
    pub async fn issue_code(&self, code: &NewCode) -> Result<CodeIssue> {
        let mut tx = self.pool().begin().await?;
        let user: Option<(String, String, Option<DateTime<Utc>>)> = sqlx::query_as(
            "SELECT status, mobile_phone, phone_verified_at FROM users WHERE id = $1 FOR UPDATE",
        )
        .bind(code.user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((status, phone, verified)) = user else {
            return Ok(CodeIssue::NotNeeded);
        };
        if status == "UNSUBSCRIBED" || verified.is_some() {
            return Ok(CodeIssue::NotNeeded);
        }
        if phone != code.mobile_phone {
            return Ok(CodeIssue::PhoneChanged);
        }
        let sent: Vec<(DateTime<Utc>,)> = sqlx::query_as(
            "SELECT created_at FROM user_codes
             WHERE user_id = $1 AND state <> 'UNSENT' AND created_at > $2
             ORDER BY created_at DESC",
        )
        .bind(code.user_id)
        .bind(code.now - Duration::days(1))
        .fetch_all(&mut *tx)
        .await?;
        let minute_ago = code.now - Duration::minutes(1);
        let in_last_minute = sent.iter().filter(|(t,)| *t > minute_ago).count();
        if i64::try_from(in_last_minute).unwrap_or(i64::MAX) >= CODES_PER_MINUTE
            && let Some((latest,)) = sent.first()
        {
            return Ok(CodeIssue::TooSoon(*latest + Duration::minutes(1)));
        }
        if i64::try_from(sent.len()).unwrap_or(i64::MAX) >= CODES_PER_DAY {
            let oldest_counted = sent[usize::try_from(CODES_PER_DAY - 1).unwrap_or(0)].0;
            return Ok(CodeIssue::DailyLimit(oldest_counted + Duration::days(1)));
        }
        sqlx::query(
            "UPDATE user_codes SET state = 'REPLACED'
             WHERE user_id = $1 AND state IN ('SENDING', 'LIVE')",
        )
        .bind(code.user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO user_codes (id, user_id, mobile_phone, salt, code_hash, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(code.id)
        .bind(code.user_id)
        .bind(&code.mobile_phone)
        .bind(code.salt.as_slice())
        .bind(code.code_hash.as_slice())
        .bind(code.now)
        .bind(code.now + CODE_LIFETIME)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(CodeIssue::Issued)
    }

    /// The SMS of code `id` went out (LIVE: it can be given back) or not (UNSENT: never valid, never
    /// counted). Returns false when the code was replaced meanwhile.
    pub async fn code_sent(&self, id: Uuid, delivered: bool) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE user_codes SET state = CASE WHEN $2 THEN 'LIVE' ELSE 'UNSENT' END
             WHERE id = $1 AND state = 'SENDING'",
        )
        .bind(id)
        .bind(delivered)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Checks a code given back for user `user_id` at `now`: `matches(salt, hash)` says whether it is
    /// the live code (the caller hashes and compares in constant time). A wrong code counts a try (the
    /// fifth ends it); the right one verifies the phone, and the first time makes the user VERIFIED
    /// at KYC level 0 (with its history's first line).
    pub async fn check_code(
        &self,
        user_id: Uuid,
        now: DateTime<Utc>,
        matches: impl FnOnce(&[u8], &[u8]) -> bool + Send,
    ) -> Result<CodeCheck> {
        let mut tx = self.pool().begin().await?;
        // The user first, then its code: the order issue_code takes them in.
        let user: Option<(String, String)> =
            sqlx::query_as("SELECT status, mobile_phone FROM users WHERE id = $1 FOR UPDATE")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((status, phone)) = user else {
            return Ok(CodeCheck::NoCode);
        };
        let live: Option<LiveCode> = sqlx::query_as(
            "SELECT id, salt, code_hash, wrong_tries, expires_at, mobile_phone FROM user_codes
             WHERE user_id = $1 AND state = 'LIVE' FOR UPDATE",
        )
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id, salt, hash, tries, expires_at, code_phone)) = live else {
            return Ok(CodeCheck::NoCode);
        };
        if code_phone != phone || status == "UNSUBSCRIBED" {
            return Ok(CodeCheck::NoCode);
        }
        if now >= expires_at {
            return Ok(CodeCheck::Expired);
        }
        if !matches(&salt, &hash) {
            let tries = tries + 1;
            sqlx::query(
                "UPDATE user_codes
                 SET wrong_tries = $2, state = CASE WHEN $2 >= $3 THEN 'EXHAUSTED' ELSE state END
                 WHERE id = $1",
            )
            .bind(id)
            .bind(tries)
            .bind(CODE_TRIES)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(CodeCheck::Wrong((CODE_TRIES - tries).max(0)));
        }
        sqlx::query("UPDATE user_codes SET state = 'USED' WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let first = status == "CREATED";
        sqlx::query(
            "UPDATE users
             SET phone_verified_at = $2, updated_at = clock_timestamp(),
                 status = CASE WHEN status = 'CREATED' THEN 'VERIFIED' ELSE status END,
                 kyc_level = COALESCE(kyc_level, 0)
             WHERE id = $1",
        )
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if first {
            sqlx::query(
                "INSERT INTO user_kyc_levels (id, user_id, level, state) VALUES ($1, $2, 0, 'APPLIED')",
            )
            .bind(Uuid::new_v4())
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(CodeCheck::Verified { first })
    }

    /// Gives user `user_id` a new mobile phone (E.164, checked by the caller): its phone needs a code
    /// again, and its codes for the old one are void.
    pub async fn change_phone(&self, user_id: Uuid, phone: &str) -> Result<PhoneChange> {
        let mut tx = self.pool().begin().await?;
        let user: Option<(Uuid, String, String)> = sqlx::query_as(
            "SELECT client_id, status, mobile_phone FROM users WHERE id = $1 FOR UPDATE",
        )
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((client_id, status, current)) = user else {
            return Ok(PhoneChange::Unsubscribed);
        };
        if status == "UNSUBSCRIBED" {
            return Ok(PhoneChange::Unsubscribed);
        }
        if current == phone {
            return Ok(PhoneChange::Same);
        }
        let other: Option<(Uuid,)> = sqlx::query_as(
            "SELECT id FROM users
             WHERE client_id = $1 AND mobile_phone = $2 AND status <> 'UNSUBSCRIBED' AND id <> $3",
        )
        .bind(client_id)
        .bind(phone)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((other,)) = other {
            return Ok(PhoneChange::Taken(other));
        }
        let changed = sqlx::query(
            "UPDATE users SET mobile_phone = $2, phone_verified_at = NULL,
                              updated_at = clock_timestamp()
             WHERE id = $1",
        )
        .bind(user_id)
        .bind(phone)
        .execute(&mut *tx)
        .await;
        match changed {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Ok(PhoneChange::Taken(Uuid::nil()));
            }
            Err(e) => return Err(e.into()),
        }
        sqlx::query(
            "UPDATE user_codes SET state = 'REPLACED'
             WHERE user_id = $1 AND state IN ('SENDING', 'LIVE')",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(PhoneChange::Changed)
    }

    /// Keeps an SMS in the development outbox.
    pub async fn outbox_add(&self, user_id: Option<Uuid>, phone: &str, text: &str) -> Result<()> {
        sqlx::query("INSERT INTO sms_outbox (user_id, mobile_phone, text) VALUES ($1, $2, $3)")
            .bind(user_id)
            .bind(phone)
            .bind(text)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The development outbox's messages, oldest first; only user `user_id`'s when given.
    pub async fn outbox(&self, user_id: Option<Uuid>) -> Result<Vec<OutboxMessage>> {
        Ok(sqlx::query_as(
            "SELECT id, user_id, mobile_phone, text, created_at FROM sms_outbox
             WHERE $1::uuid IS NULL OR user_id = $1 ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// The user whose (first) wallet address is `address`, if any.
    pub async fn user_with_address(&self, address: &[u8]) -> Result<Option<Uuid>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM users WHERE dlt_address = $1")
                .bind(address)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// The wallets of user `user_id` (unsubscribed ones too), oldest first.
    pub async fn user_wallets(&self, user_id: Uuid) -> Result<Vec<WalletRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            wallet_columns!(),
            " FROM wallets WHERE user_id = $1 ORDER BY registered_at, id"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Records that `level` is to be set on a user's wallets (PENDING), unless another is on its way.
    pub async fn begin_kyc_level(&self, k: &NewKycLevel) -> Result<KycBegin> {
        let inserted = sqlx::query(
            "INSERT INTO user_kyc_levels (id, user_id, level, previous, evidence, set_by, request_id,
                                          state)
             SELECT $1, $2, $3, kyc_level, $4, $5, $6, 'PENDING' FROM users WHERE id = $2",
        )
        .bind(k.id)
        .bind(k.user_id)
        .bind(i16::from(k.level))
        .bind(&k.evidence)
        .bind(k.set_by)
        .bind(k.request_id)
        .execute(self.pool())
        .await;
        match inserted {
            Ok(_) => Ok(KycBegin::Begun),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(KycBegin::Busy),
            Err(e) => Err(e.into()),
        }
    }

    /// Settles KYC level `id`: APPLIED (the user's level from now on: its request is with the node)
    /// or REFUSED (it never reached the chain). False if it was settled already.
    pub async fn settle_kyc_level(&self, id: Uuid, applied: bool) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let row: Option<(Uuid, i16)> = sqlx::query_as(
            "UPDATE user_kyc_levels
             SET state = CASE WHEN $2 THEN 'APPLIED' ELSE 'REFUSED' END, updated_at = clock_timestamp()
             WHERE id = $1 AND state = 'PENDING' RETURNING user_id, level",
        )
        .bind(id)
        .bind(applied)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((user_id, level)) = row else {
            return Ok(false);
        };
        if applied {
            sqlx::query(
                "UPDATE users SET kyc_level = $2, updated_at = clock_timestamp()
                 WHERE id = $1 AND status <> 'UNSUBSCRIBED'",
            )
            .bind(user_id)
            .bind(level)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// A user's KYC levels, oldest first, with the request that set each and its transaction.
    pub async fn kyc_history(&self, user_id: Uuid) -> Result<Vec<KycEntry>> {
        Ok(sqlx::query_as(
            "SELECT k.id, k.user_id, k.level, k.previous, k.evidence, k.set_by,
                    c.name AS set_by_name, k.request_id, k.state, r.state AS request_state,
                    r.tx_hash, k.created_at, k.updated_at
             FROM user_kyc_levels k
             LEFT JOIN api_clients c ON c.id = k.set_by
             LEFT JOIN api_requests r ON r.id = k.request_id
             WHERE k.user_id = $1 ORDER BY k.created_at, k.id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// KYC levels still PENDING whose request is older than `older_than` (left by a process that
    /// died): (level id, its request's id).
    pub async fn stale_kyc_levels(
        &self,
        older_than: std::time::Duration,
    ) -> Result<Vec<(Uuid, Option<Uuid>)>> {
        let secs = older_than.as_secs_f64();
        Ok(sqlx::query_as(
            "SELECT k.id, k.request_id FROM user_kyc_levels k
             WHERE k.state = 'PENDING'
               AND k.created_at < clock_timestamp() - make_interval(secs => $1)",
        )
        .bind(secs)
        .fetch_all(self.pool())
        .await?)
    }

    /// Unsubscribes user `user_id` and all its wallets, if every wallet is empty with nothing on its
    /// way; the user is UNSUBSCRIBED for good.
    pub async fn unsubscribe_user(&self, user_id: Uuid) -> Result<UserUnsubscription> {
        let mut tx = self.pool().begin().await?;
        let status: Option<(String,)> =
            sqlx::query_as("SELECT status FROM users WHERE id = $1 FOR UPDATE")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
        match status {
            None => return Ok(UserUnsubscription::Already),
            Some((s,)) if s == "UNSUBSCRIBED" => return Ok(UserUnsubscription::Already),
            Some(_) => {}
        }
        let wallets: Vec<WalletRow> = sqlx::query_as(concat!(
            "SELECT ",
            wallet_columns!(),
            " FROM wallets WHERE user_id = $1 ORDER BY registered_at, id FOR UPDATE"
        ))
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await?;
        let busy: Option<(Uuid,)> = sqlx::query_as(concat!(
            "SELECT w.id FROM wallets w
             WHERE w.user_id = $1 AND w.status <> 'UNSUBSCRIBED' AND NOT (",
            wallet_is_empty!(),
            ") LIMIT 1"
        ))
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((id,)) = busy
            && let Some(w) = wallets.into_iter().find(|w| w.id == id)
        {
            return Ok(UserUnsubscription::Busy(Box::new(w)));
        }
        let done: Vec<WalletRow> = sqlx::query_as(concat!(
            "UPDATE wallets SET status = 'UNSUBSCRIBED', updated_at = clock_timestamp()
             WHERE user_id = $1 RETURNING ",
            wallet_columns!()
        ))
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await?;
        // Their scheduled operations end with them.
        sqlx::query(
            "UPDATE scheduled_operations SET status = 'DELETED', next_due = NULL,
                                            updated_at = clock_timestamp()
             WHERE status = 'ACTIVE' AND wallet_id IN (SELECT id FROM wallets WHERE user_id = $1)",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE users SET status = 'UNSUBSCRIBED', unsubscribed_at = clock_timestamp(),
                              updated_at = clock_timestamp()
             WHERE id = $1",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE user_codes SET state = 'REPLACED' WHERE user_id = $1 AND state IN ('SENDING', 'LIVE')",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(UserUnsubscription::Done(done))
    }

    /// Gives wallet `id` its IBAN if it has none; the row (None: it had one already).
    pub async fn set_iban(&self, id: Uuid, iban: &str) -> Result<Option<WalletRow>> {
        Ok(sqlx::query_as(concat!(
            "UPDATE wallets SET iban = $2, updated_at = clock_timestamp()
             WHERE id = $1 AND iban IS NULL RETURNING ",
            wallet_columns!()
        ))
        .bind(id)
        .bind(iban)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Verified users with no wallet: their first wallet was never started (a process died between
    /// the verification and the wallet). An ACTIVATED user has a READY wallet by definition.
    pub async fn users_without_wallet(&self) -> Result<Vec<Uuid>> {
        Ok(sqlx::query_scalar(
            "SELECT u.id FROM users u
             WHERE u.status = 'VERIFIED'
               AND NOT EXISTS (SELECT 1 FROM wallets w WHERE w.user_id = u.id)
             LIMIT 100",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Users' wallets the chain does not have, registered by the platform more than `older_than` ago,
    /// of which no registration was ever recorded (a process died before sending it, or it was
    /// forgotten as never sent), with their user's level.
    pub async fn unregistered_wallets(
        &self,
        older_than: std::time::Duration,
    ) -> Result<Vec<(WalletRow, i16)>> {
        let secs = older_than.as_secs_f64();
        let rows: Vec<(Uuid, i16)> = sqlx::query_as(
            "SELECT w.id, u.kyc_level FROM wallets w JOIN users u ON u.id = w.user_id
             WHERE NOT w.registered AND w.status = 'PENDING' AND u.kyc_level IS NOT NULL
               AND w.registered_at < clock_timestamp() - make_interval(secs => $1)
               AND NOT EXISTS (SELECT 1 FROM api_requests r
                               WHERE r.record_id = w.id AND r.kind = 'REGISTER_WALLET')
             LIMIT 100",
        )
        .bind(secs)
        .fetch_all(self.pool())
        .await?;
        self.with_levels(rows).await
    }

    /// The wallets of `rows` (wallet id, level) with their level.
    async fn with_levels(&self, rows: Vec<(Uuid, i16)>) -> Result<Vec<(WalletRow, i16)>> {
        let ids: Vec<Uuid> = rows.iter().map(|(id, _)| *id).collect();
        let wallets = self.wallets_by_ids(&ids).await?;
        Ok(wallets
            .into_iter()
            .filter_map(|w| {
                let level = rows.iter().find(|(id, _)| *id == w.id)?.1;
                Some((w, level))
            })
            .collect())
    }

    /// Registered wallets of users (not unsubscribed, no KYC level of theirs on its way) whose level
    /// on chain is not their user's, with no level or registration request for them on its way,
    /// mined but not indexed yet, or refused within `quiet`; and the user's level.
    pub async fn wallets_off_level(
        &self,
        quiet: std::time::Duration,
    ) -> Result<Vec<(WalletRow, i16)>> {
        let secs = quiet.as_secs_f64();
        // Only users whose level or wallets changed in the last day are looked at (indexed), not
        // every wallet every round.
        let rows: Vec<(Uuid, i16)> = sqlx::query_as(
            "WITH recent AS (
                 SELECT user_id FROM user_kyc_levels
                 WHERE updated_at > clock_timestamp() - interval '1 day'
                 UNION
                 SELECT user_id FROM wallets
                 WHERE user_id IS NOT NULL AND registered_at > clock_timestamp() - interval '1 day')
             SELECT w.id, u.kyc_level FROM recent
             JOIN users u ON u.id = recent.user_id
             JOIN wallets w ON w.user_id = u.id
             WHERE w.registered AND NOT w.frozen AND w.status = 'READY'
               AND u.status IN ('VERIFIED', 'ACTIVATED') AND u.kyc_level IS NOT NULL
               AND w.kyc_level IS DISTINCT FROM u.kyc_level
               AND NOT EXISTS (SELECT 1 FROM user_kyc_levels k
                               WHERE k.user_id = u.id AND k.state = 'PENDING')
               AND NOT EXISTS (SELECT 1 FROM api_requests r
                               WHERE r.kind IN ('SET_KYC_LEVEL', 'REGISTER_WALLET')
                                 AND (r.wallet_id = w.id OR r.record_id IN (w.id, u.id))
                                 AND (r.state IN ('REQUESTED', 'PENDING_DLT')
                                      -- mined, and the index has not seen it yet
                                      OR (r.state = 'MINED' AND r.tx_hash IS NOT NULL
                                          AND NOT EXISTS (SELECT 1 FROM events e
                                                          WHERE e.tx_hash = r.tx_hash))
                                      -- refused lately: not again at once
                                      OR (r.state = 'FAILED' AND r.updated_at
                                          > clock_timestamp() - make_interval(secs => $1))))
             LIMIT 100",
        )
        .bind(secs)
        .fetch_all(self.pool())
        .await?;
        self.with_levels(rows).await
    }

    /// Wallets of unsubscribed users the chain has not frozen, with no request for them on its way.
    pub async fn wallets_to_freeze(&self) -> Result<Vec<WalletRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            wallet_columns!(),
            " FROM wallets w
             WHERE w.status = 'UNSUBSCRIBED' AND w.registered AND NOT w.frozen
               AND EXISTS (SELECT 1 FROM users u WHERE u.id = w.user_id AND u.status = 'UNSUBSCRIBED')
               AND NOT EXISTS (SELECT 1 FROM api_requests r
                               WHERE r.record_id = w.id AND r.kind = 'UNSUBSCRIBE'
                                 AND (r.state IN ('REQUESTED', 'PENDING_DLT')
                                      OR r.updated_at > clock_timestamp() - interval '30 seconds'))
             LIMIT 100"
        ))
        .fetch_all(self.pool())
        .await?)
    }
}
