//! Commission profiles and their versions (see migration 0021).

use chrono::{DateTime, Utc};
use emtoken_types::{CommissionOperation, Rounding};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::{Result, Store, api::Paging};

/// A commission profile: an operation of a currency, for one KYC level or every level.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CommissionProfileRow {
    /// Its id.
    pub id: Uuid,
    /// The operation it prices.
    pub operation: CommissionOperation,
    /// The currency.
    pub currency_id: Uuid,
    /// That currency's code.
    pub currency_code: String,
    /// The KYC level it is for (None: every level without a profile of its own).
    pub kyc_level: Option<i16>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// A version of a profile's terms.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CommissionVersionRow {
    /// Its id.
    pub id: Uuid,
    /// Its profile.
    pub profile_id: Uuid,
    /// From when it applies.
    pub valid_from: DateTime<Utc>,
    /// False: from then on the profile charges nothing of its own (the every-level profile applies).
    pub active: bool,
    /// The fixed part.
    pub fixed: Decimal,
    /// The percentage of the amount.
    pub percent: Decimal,
    /// The least commission.
    pub minimum: Decimal,
    /// The most commission.
    pub maximum: Option<Decimal>,
    /// The rounding to the currency's decimals.
    pub rounding: Rounding,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// Terms to record as a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVersion {
    /// From when it applies.
    pub valid_from: DateTime<Utc>,
    /// Whether the profile charges from then on.
    pub active: bool,
    /// The fixed part.
    pub fixed: Decimal,
    /// The percentage.
    pub percent: Decimal,
    /// The least commission.
    pub minimum: Decimal,
    /// The most commission.
    pub maximum: Option<Decimal>,
    /// The rounding.
    pub rounding: Rounding,
}

/// What recording a profile or a version came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionAdded {
    /// Recorded: the profile and the new version.
    Added(CommissionProfileRow, CommissionVersionRow),
    /// A profile for this operation, currency and level exists: its id.
    ProfileExists(Uuid),
    /// The profile has a version from this very time: its id.
    VersionExists(Uuid),
}

macro_rules! profile_columns {
    () => {
        "p.id, p.operation, p.currency_id, c.code AS currency_code, p.kyc_level, p.created_at"
    };
}

macro_rules! version_columns {
    () => {
        "id, profile_id, valid_from, active, fixed, percent, minimum, maximum, rounding, created_at"
    };
}

impl Store {
    /// Creates a profile with its first version, unless one exists for the operation, currency and level.
    pub async fn add_commission_profile(
        &self,
        operation: CommissionOperation,
        currency_id: Uuid,
        kyc_level: Option<u8>,
        version: &NewVersion,
    ) -> Result<VersionAdded> {
        let mut tx = self.pool().begin().await?;
        let id: Option<Uuid> = sqlx::query_scalar(
            "INSERT INTO commission_profiles (id, operation, currency_id, kyc_level) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(Uuid::new_v4())
        .bind(operation)
        .bind(currency_id)
        .bind(kyc_level.map(i16::from))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            let existing: Uuid = sqlx::query_scalar(
                "SELECT id FROM commission_profiles
                 WHERE operation = $1 AND currency_id = $2 AND kyc_level IS NOT DISTINCT FROM $3",
            )
            .bind(operation)
            .bind(currency_id)
            .bind(kyc_level.map(i16::from))
            .fetch_one(&mut *tx)
            .await?;
            return Ok(VersionAdded::ProfileExists(existing));
        };
        let version = insert_version(&mut tx, id, version).await?;
        tx.commit().await?;
        let profile = self.commission_profile(id).await?.ok_or_else(|| {
            crate::Error::Invalid(format!(
                "commission profile {id} not found after it was added"
            ))
        })?;
        Ok(VersionAdded::Added(profile, version))
    }

    /// Adds a version to profile `profile_id`, unless it has one from the same time. None when there is
    /// no such profile.
    pub async fn add_commission_version(
        &self,
        profile_id: Uuid,
        version: &NewVersion,
    ) -> Result<Option<VersionAdded>> {
        let Some(profile) = self.commission_profile(profile_id).await? else {
            return Ok(None);
        };
        let mut tx = self.pool().begin().await?;
        let existing: Option<Uuid> = sqlx::query_scalar(
            "SELECT id FROM commission_versions WHERE profile_id = $1 AND valid_from = $2",
        )
        .bind(profile_id)
        .bind(version.valid_from)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = existing {
            return Ok(Some(VersionAdded::VersionExists(id)));
        }
        let row = insert_version(&mut tx, profile_id, version).await?;
        tx.commit().await?;
        Ok(Some(VersionAdded::Added(profile, row)))
    }

    /// The profile with this id.
    pub async fn commission_profile(&self, id: Uuid) -> Result<Option<CommissionProfileRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            profile_columns!(),
            " FROM commission_profiles p JOIN currencies c ON c.id = p.currency_id WHERE p.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Every version of a profile, oldest first: its history.
    pub async fn commission_versions(&self, profile_id: Uuid) -> Result<Vec<CommissionVersionRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            version_columns!(),
            " FROM commission_versions WHERE profile_id = $1 ORDER BY valid_from"
        ))
        .bind(profile_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// A page of the profiles (of one currency and one operation, when given), by currency, operation and
    /// level, and how many there are.
    pub async fn commission_profiles_page(
        &self,
        currency: Option<Uuid>,
        operation: Option<CommissionOperation>,
        paging: Paging,
    ) -> Result<(Vec<CommissionProfileRow>, i64)> {
        let rows = sqlx::query_as(concat!(
            "SELECT ",
            profile_columns!(),
            " FROM commission_profiles p JOIN currencies c ON c.id = p.currency_id
             WHERE ($1::uuid IS NULL OR p.currency_id = $1) AND ($2::text IS NULL OR p.operation = $2)
             ORDER BY c.code, p.operation, p.kyc_level NULLS FIRST, p.id LIMIT $3 OFFSET $4"
        ))
        .bind(currency)
        .bind(operation)
        .bind(paging.size)
        .bind(paging.offset())
        .fetch_all(self.pool())
        .await?;
        let total = sqlx::query_scalar(
            "SELECT count(*) FROM commission_profiles
             WHERE ($1::uuid IS NULL OR currency_id = $1) AND ($2::text IS NULL OR operation = $2)",
        )
        .bind(currency)
        .bind(operation)
        .fetch_one(self.pool())
        .await?;
        Ok((rows, total))
    }

    /// The terms that price `operation` of `currency_id` for a wallet of `kyc_level` at `at`: the
    /// version in force of the level's own profile when it is active, else the every-level profile's
    /// (when active); None when neither charges.
    pub async fn commission_in_force(
        &self,
        operation: CommissionOperation,
        currency_id: Uuid,
        kyc_level: Option<u8>,
        at: DateTime<Utc>,
    ) -> Result<Option<CommissionVersionRow>> {
        let rows: Vec<CommissionVersionRow> = sqlx::query_as(
            "SELECT DISTINCT ON (p.kyc_level IS NULL)
                    v.id, v.profile_id, v.valid_from, v.active, v.fixed, v.percent, v.minimum, v.maximum,
                    v.rounding, v.created_at
             FROM commission_profiles p JOIN commission_versions v ON v.profile_id = p.id
             WHERE p.operation = $1 AND p.currency_id = $2
               AND (p.kyc_level IS NULL OR p.kyc_level = $3) AND v.valid_from <= $4
             ORDER BY (p.kyc_level IS NULL), v.valid_from DESC",
        )
        .bind(operation)
        .bind(currency_id)
        .bind(kyc_level.map(i16::from))
        .bind(at)
        .fetch_all(self.pool())
        .await?;
        // Rows come level-specific first: the first active one prices the operation.
        Ok(rows.into_iter().find(|v| v.active))
    }
}

async fn insert_version(
    tx: &mut sqlx::PgConnection,
    profile_id: Uuid,
    v: &NewVersion,
) -> Result<CommissionVersionRow> {
    Ok(sqlx::query_as(concat!(
        "INSERT INTO commission_versions (id, profile_id, valid_from, active, fixed, percent, minimum,
             maximum, rounding)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ",
        version_columns!()
    ))
    .bind(Uuid::new_v4())
    .bind(profile_id)
    .bind(v.valid_from)
    .bind(v.active)
    .bind(v.fixed)
    .bind(v.percent)
    .bind(v.minimum)
    .bind(v.maximum)
    .bind(v.rounding)
    .fetch_one(tx)
    .await?)
}

/// One line of the commission report: what one operation of one currency charged in the period.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CommissionReportLine {
    /// The currency's code (None: a token with no issuer registered).
    pub currency: Option<String>,
    /// The token's decimals.
    pub decimals: i16,
    /// CARD_CASHIN, BANK_TOP_UP, TRANSFER, CASH_OUT or HOLD_EXECUTION.
    pub operation: String,
    /// How many commissions.
    pub count: i64,
    /// Their sum, base units.
    pub total: Decimal,
}

impl Store {
    /// Commissions charged (SUCCESS COMMISSION movements, by their block's time) from `from` (included)
    /// to `to` (excluded), summed by currency and operation, optionally of one currency (code) and one
    /// operation. A mint's commission is the cash-in's: CARD_CASHIN, or BANK_TOP_UP for a bank cash-in.
    pub async fn commission_report(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        currency: Option<&str>,
        operation: Option<&str>,
    ) -> Result<Vec<CommissionReportLine>> {
        Ok(sqlx::query_as(
            "SELECT currency, decimals, operation, count(*) AS count, sum(amount) AS total FROM (
                SELECT c.code AS currency, ch.decimals, m.amount,
                       CASE m.record_kind
                         WHEN 'OPERATOR_TRANSFER' THEN 'TRANSFER'
                         WHEN 'HOLD' THEN 'HOLD_EXECUTION'
                         WHEN 'PAYOUT' THEN 'CASH_OUT'
                         WHEN 'FUND' THEN 'BANK_TOP_UP'
                         ELSE COALESCE((SELECT CASE x.type WHEN 'BANK_ACCOUNT_CASHIN' THEN 'BANK_TOP_UP'
                                                             ELSE 'CARD_CASHIN' END
                                        FROM movements x
                                        WHERE x.chain_id = m.chain_id
                                          AND x.payment_reference = m.payment_reference
                                          AND x.type IN ('CARD_CASHIN', 'BANK_ACCOUNT_CASHIN')
                                        LIMIT 1), 'CARD_CASHIN')
                       END AS operation
                FROM movements m
                JOIN chains ch ON ch.chain_id = m.chain_id
                LEFT JOIN issuers i ON i.chain_id = COALESCE(ch.evm_chain_id, ch.chain_id)
                                   AND i.token_address = ch.contract
                LEFT JOIN currencies c ON c.id = i.currency_id
                WHERE m.type = 'COMMISSION' AND m.status = 'SUCCESS'
                  AND m.created_at >= $1 AND m.created_at < $2
             ) charged
             WHERE ($3::text IS NULL OR currency = $3) AND ($4::text IS NULL OR operation = $4)
             GROUP BY currency, decimals, operation
             ORDER BY currency NULLS LAST, operation",
        )
        .bind(from)
        .bind(to)
        .bind(currency)
        .bind(operation)
        .fetch_all(self.pool())
        .await?)
    }
}
