//! What the HTTP API reads and writes beyond the index: clients and their keys (API keys, and the RSA
//! keys that seal their card keys), requests (idempotency, transactions sent, their fate), the movements
//! requests expect, a client's users, and paged views of wallets, movements and holds that merge the
//! chain's records with the requests not yet mined.

mod audit;
mod card_cash_ins;
mod catalogue;
mod clients;
mod commissions;
mod favourites;
mod hold_expiry;
mod holds;
mod movements;
mod onboarding;
mod requests;
mod rsa_keys;
mod scheduled;
mod top_ups;
mod users;
mod wallets;
mod webhooks;

pub use audit::{AuditQuery, AuditRow, NewAuditEntry};
pub use card_cash_ins::{CardCashInRow, NewCardCashIn, NewCardPage};
pub use catalogue::{Added, BankRow, CurrencyRow, IssuerRow, NewIssuer};
pub use clients::{ApiKeyRow, ClientRole, ClientRow, KeysToRevoke, PLATFORM_CLIENT};
pub use commissions::{
    CommissionProfileRow, CommissionReportLine, CommissionVersionRow, NewVersion, VersionAdded,
};
pub use emtoken_types::{RequestKind, RequestState};
pub use favourites::{FavouriteAdded, FavouriteRow, NewFavourite};
pub use hold_expiry::ExpiredHold;
pub use holds::{HoldView, HoldsQuery};
pub use movements::{MovementView, MovementsQuery};
pub use onboarding::{
    CODE_LIFETIME, CODE_TRIES, CODES_PER_DAY, CODES_PER_MINUTE, CodeCheck, CodeIssue, KycBegin,
    KycEntry, NewCode, NewKycLevel, OutboxMessage, PhoneChange, UserUnsubscription,
};
pub use requests::{Begun, ExpectedMovement, NewRequest, RequestRow, SentTx};
pub use rsa_keys::RsaKeyRow;
pub use scheduled::{
    Claim, ExecutionToSend, ExecutionView, ScheduledCreated, ScheduledDeleted, ScheduledRow,
};
pub use top_ups::{NewScreening, ScreeningRow, TopUpRow};
pub use users::{NewUser, PostalAddress, Taken, UserCreation, UserRow, UsersQuery};
pub use wallets::{NewWallet, Registration, WalletsQuery};
pub use webhooks::{AttemptOutcome, DeliveryRow, DueDelivery, WEBHOOK_EVENTS, WebhookEndpointRow};

/// A page request: zero-based page number and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// Page number, from 0.
    pub page: i64,
    /// Rows per page (at least 1).
    pub size: i64,
}

impl Paging {
    pub(crate) fn offset(&self) -> i64 {
        self.page.saturating_mul(self.size)
    }
}

/// Sort direction and field (the field names are the API's, e.g. `createdAt`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    /// The API field name; each query documents which it accepts.
    pub field: String,
    /// Descending.
    pub desc: bool,
}
