//! The administrator's catalogue: currencies, their issuers (one token deployment each) and the banks
//! top-ups and withdrawals name (see migration 0020).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Addr, Result, Store, api::Paging};

/// A currency.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CurrencyRow {
    /// Its id.
    pub id: Uuid,
    /// Three capital letters (ISO 4217's form), unique.
    pub code: String,
    /// Its name.
    pub name: String,
    /// The decimals of its tokens.
    pub decimals: i16,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// An issuer of a currency and its token.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IssuerRow {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its legal identifier (e.g. its LEI or registration number), unique.
    pub legal_id: String,
    /// The currency it issues.
    pub currency_id: Uuid,
    /// That currency's code.
    pub currency_code: String,
    /// The token's chain.
    pub chain_id: i64,
    /// The token (its EmToken proxy).
    pub token_address: Addr,
    /// The token's name, as the contract says.
    pub token_name: String,
    /// The token's symbol, as the contract says.
    pub token_symbol: String,
    /// Registered.
    pub created_at: DateTime<Utc>,
}

/// A bank of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BankRow {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its BIC (ISO 9362, the SWIFT code), unique (an 8-character code and the same with branch XXX
    /// are one).
    pub bic: String,
    /// Its country (ISO 3166-1 alpha-2: the BIC's country letters).
    pub country: String,
    /// Added.
    pub created_at: DateTime<Utc>,
}

/// What adding to the catalogue came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added<T> {
    /// Added.
    Added(T),
    /// A unique field is taken: which field, and the id of the row that has it.
    Taken(&'static str, Uuid),
}

/// An issuer to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIssuer {
    /// Its name.
    pub name: String,
    /// Its legal identifier.
    pub legal_id: String,
    /// The currency it issues.
    pub currency_id: Uuid,
    /// The token's chain.
    pub chain_id: i64,
    /// The token.
    pub token_address: Addr,
    /// The token's name.
    pub token_name: String,
    /// The token's symbol.
    pub token_symbol: String,
}

macro_rules! issuer_columns {
    () => {
        "i.id, i.name, i.legal_id, i.currency_id, c.code AS currency_code, i.chain_id, i.token_address,
         i.token_name, i.token_symbol, i.created_at"
    };
}

impl Store {
    /// Adds a currency, unless its code is taken.
    pub async fn add_currency(
        &self,
        code: &str,
        name: &str,
        decimals: u8,
    ) -> Result<Added<CurrencyRow>> {
        let row: Option<CurrencyRow> = sqlx::query_as(
            "INSERT INTO currencies (id, code, name, decimals) VALUES ($1, $2, $3, $4)
             ON CONFLICT (code) DO NOTHING
             RETURNING id, code, name, decimals, created_at",
        )
        .bind(Uuid::new_v4())
        .bind(code)
        .bind(name)
        .bind(i16::from(decimals))
        .fetch_optional(self.pool())
        .await?;
        Ok(match row {
            Some(row) => Added::Added(row),
            None => {
                let taken = self.currency_by_code(code).await?.ok_or_else(|| {
                    crate::Error::Invalid(format!("currency {code} neither added nor found"))
                })?;
                Added::Taken("code", taken.id)
            }
        })
    }

    /// The currency with this id.
    pub async fn currency(&self, id: Uuid) -> Result<Option<CurrencyRow>> {
        Ok(sqlx::query_as(
            "SELECT id, code, name, decimals, created_at FROM currencies WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// The currency with this code.
    pub async fn currency_by_code(&self, code: &str) -> Result<Option<CurrencyRow>> {
        Ok(sqlx::query_as(
            "SELECT id, code, name, decimals, created_at FROM currencies WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(self.pool())
        .await?)
    }

    /// A page of the currencies, by code, and how many there are.
    pub async fn currencies_page(&self, paging: Paging) -> Result<(Vec<CurrencyRow>, i64)> {
        let rows = sqlx::query_as(
            "SELECT id, code, name, decimals, created_at FROM currencies ORDER BY code
             LIMIT $1 OFFSET $2",
        )
        .bind(paging.size)
        .bind(paging.offset())
        .fetch_all(self.pool())
        .await?;
        let total = sqlx::query_scalar("SELECT count(*) FROM currencies")
            .fetch_one(self.pool())
            .await?;
        Ok((rows, total))
    }

    /// Registers an issuer, unless its legal id or its token is registered already.
    pub async fn add_issuer(&self, issuer: &NewIssuer) -> Result<Added<IssuerRow>> {
        let mut tx = self.pool().begin().await?;
        // One registration at a time: the two unique checks and the insert agree.
        sqlx::query("LOCK TABLE issuers IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        let legal: Option<Uuid> = sqlx::query_scalar("SELECT id FROM issuers WHERE legal_id = $1")
            .bind(&issuer.legal_id)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(id) = legal {
            return Ok(Added::Taken("legalId", id));
        }
        let token: Option<Uuid> =
            sqlx::query_scalar("SELECT id FROM issuers WHERE chain_id = $1 AND token_address = $2")
                .bind(issuer.chain_id)
                .bind(issuer.token_address)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(id) = token {
            return Ok(Added::Taken("tokenAddress", id));
        }
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO issuers (id, name, legal_id, currency_id, chain_id, token_address, token_name,
                 token_symbol)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(&issuer.name)
        .bind(&issuer.legal_id)
        .bind(issuer.currency_id)
        .bind(issuer.chain_id)
        .bind(issuer.token_address)
        .bind(&issuer.token_name)
        .bind(&issuer.token_symbol)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let row = self.issuer(id).await?.ok_or_else(|| {
            crate::Error::Invalid(format!("issuer {id} not found after it was added"))
        })?;
        Ok(Added::Added(row))
    }

    /// The issuer with this id.
    pub async fn issuer(&self, id: Uuid) -> Result<Option<IssuerRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            issuer_columns!(),
            " FROM issuers i JOIN currencies c ON c.id = i.currency_id WHERE i.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// A page of the issuers (of one currency, when given), in the order they were registered, and how
    /// many there are.
    pub async fn issuers_page(
        &self,
        currency: Option<Uuid>,
        paging: Paging,
    ) -> Result<(Vec<IssuerRow>, i64)> {
        let rows = sqlx::query_as(concat!(
            "SELECT ",
            issuer_columns!(),
            " FROM issuers i JOIN currencies c ON c.id = i.currency_id
             WHERE $1::uuid IS NULL OR i.currency_id = $1
             ORDER BY i.created_at, i.id LIMIT $2 OFFSET $3"
        ))
        .bind(currency)
        .bind(paging.size)
        .bind(paging.offset())
        .fetch_all(self.pool())
        .await?;
        let total = sqlx::query_scalar(
            "SELECT count(*) FROM issuers WHERE $1::uuid IS NULL OR currency_id = $1",
        )
        .bind(currency)
        .fetch_one(self.pool())
        .await?;
        Ok((rows, total))
    }

    /// Adds a bank, unless its BIC is in the catalogue (an 8-character BIC and the same with branch
    /// XXX are one).
    pub async fn add_bank(&self, name: &str, bic: &str, country: &str) -> Result<Added<BankRow>> {
        let row: Option<BankRow> = sqlx::query_as(
            "INSERT INTO bank_catalog (id, name, bic, country) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING
             RETURNING id, name, bic, country, created_at",
        )
        .bind(Uuid::new_v4())
        .bind(name)
        .bind(bic)
        .bind(country)
        .fetch_optional(self.pool())
        .await?;
        if let Some(row) = row {
            return Ok(Added::Added(row));
        }
        let taken: Uuid = sqlx::query_scalar(
            "SELECT id FROM bank_catalog WHERE rpad(bic, 11, 'X') = rpad($1, 11, 'X')",
        )
        .bind(bic)
        .fetch_one(self.pool())
        .await?;
        Ok(Added::Taken("bic", taken))
    }

    /// The bank with this id.
    pub async fn bank(&self, id: Uuid) -> Result<Option<BankRow>> {
        Ok(sqlx::query_as(
            "SELECT id, name, bic, country, created_at FROM bank_catalog WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// A page of the banks (of one country, when given), by name, and how many there are.
    pub async fn banks_page(
        &self,
        country: Option<&str>,
        paging: Paging,
    ) -> Result<(Vec<BankRow>, i64)> {
        let rows = sqlx::query_as(
            "SELECT id, name, bic, country, created_at FROM bank_catalog
             WHERE $1::text IS NULL OR country = $1
             ORDER BY name, bic LIMIT $2 OFFSET $3",
        )
        .bind(country)
        .bind(paging.size)
        .bind(paging.offset())
        .fetch_all(self.pool())
        .await?;
        let total = sqlx::query_scalar(
            "SELECT count(*) FROM bank_catalog WHERE $1::text IS NULL OR country = $1",
        )
        .bind(country)
        .fetch_one(self.pool())
        .await?;
        Ok((rows, total))
    }

    /// The tokens registered for issuers on chain `chain_id` (its id, not a ledger's), in the order
    /// registered: what `index` and `serve` follow besides the token they are given.
    pub async fn registered_tokens(&self, chain_id: i64) -> Result<Vec<Addr>> {
        Ok(sqlx::query_scalar(
            "SELECT token_address FROM issuers WHERE chain_id = $1 ORDER BY created_at, id",
        )
        .bind(chain_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Every token registered for an issuer, on any chain, as (chain id, address), in the order
    /// registered.
    pub async fn all_registered_tokens(&self) -> Result<Vec<(i64, Addr)>> {
        Ok(
            sqlx::query_as("SELECT chain_id, token_address FROM issuers ORDER BY created_at, id")
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// The issuer registered with legal id `legal_id`, if any.
    pub async fn issuer_with_legal_id(&self, legal_id: &str) -> Result<Option<Uuid>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM issuers WHERE legal_id = $1")
                .bind(legal_id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// Whether ledger `chain_id` is indexed (its `chains` row exists: its indexer has started).
    pub async fn ledger_indexed(&self, chain_id: i64) -> Result<bool> {
        Ok(
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM chains WHERE chain_id = $1)")
                .bind(chain_id)
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// The issuer whose token is `token` on `chain_id`.
    pub async fn issuer_of_token(&self, chain_id: i64, token: Addr) -> Result<Option<IssuerRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            issuer_columns!(),
            " FROM issuers i JOIN currencies c ON c.id = i.currency_id
             WHERE i.chain_id = $1 AND i.token_address = $2"
        ))
        .bind(chain_id)
        .bind(token)
        .fetch_optional(self.pool())
        .await?)
    }
}
