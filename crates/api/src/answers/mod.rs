//! Every answer of the API as a type: what handlers build, what `/api/v1/openapi.json` describes
//! (`ToSchema`), and what clients such as the CLI's demo read back (`Deserialize`). Field names and values
//! are those of the platform's guide: amounts as exact decimal strings ("12.50"), times in RFC 3339 (UTC,
//! milliseconds), addresses and hashes as 0x hex, ids as UUIDs; an absent value is `null`.

mod accepted;
mod admin;
mod audit;
mod bank;
mod cards;
mod favourites;
mod holds;
mod movements;
mod onboarding;
mod page;
mod scheduled;
pub(crate) mod text;
mod top_ups;
mod users;
mod wallets;
mod webhooks;

pub use accepted::{
    CardCashInAccepted, CardPaymentPage, CashInAccepted, CashOutAccepted, CashOutDecision,
    KycLevelAccepted, TransferAccepted, TransferLinks,
};
pub use admin::{
    Bank, BankList, CommissionLinks, CommissionProfile, CommissionProfileList, CommissionQuote,
    CommissionVersion, Currency, CurrencyList, Issuer, IssuerLinks, IssuerList,
};
pub use audit::{AuditEntry, AuditList, AuditedRequest};
pub use bank::{
    CommissionReport, CommissionReportLine, NotaryHold, NotaryHoldList, NotaryHolds,
    PendingCashOut, PendingCashOuts, SystemAccount, SystemAccountLinks, SystemAccounts,
};
pub use cards::TemporalPk;
/// The vocabulary's words the answers use as they are (their schemas come from the enums).
pub use emtoken_types::{
    DocumentType, HoldState, MovementStatus, MovementType, RecordKind, UserKind, UserStatus,
    WalletStatus,
};
pub use favourites::{
    Favourite, FavouriteCashOutAccepted, FavouriteChanged, FavouriteLinks, FavouriteList,
    FavouriteStatus,
};
pub use holds::{Hold, HoldLinks};
pub use movements::{Movement, MovementCard, MovementLinks};
pub use onboarding::{CodeSent, KycChange, KycHistory, KycLevelEntry, KycLinks};
pub use page::{
    CashOutList, HoldList, HrefPage, Link, MovementList, Page, PageInfo, PageLinks, SelfLink,
    SystemAccountList, UserList, WalletList,
};
pub use scheduled::{
    DurationType, Execution, ExecutionLinks, ExecutionList, ExecutionStatus, Receiver,
    ReceiverType, ScheduleAnswer, ScheduleDuration, ScheduleFrequency, ScheduledExecution,
    ScheduledLinks, ScheduledList, ScheduledOperation, ScheduledStatus,
};
pub use text::{
    Accepted, DecimalAmount, Decision, HexAddress, HexBytes, HoldStatus, PayoutStatus, SystemRole,
    Timestamp,
};
pub use top_ups::{
    Screening, TopUpDecision, TopUpDecisionKind, TopUpRequest, TopUpRequestList, TopUpRequests,
};
pub use users::{Address, LegalRepresentative, User, UserCreated, UserLinks};
pub use wallets::{Wallet, WalletLinks, WalletRegistered, WalletUnsubscribed};
pub use webhooks::{
    Delivery, DeliveryAttempt, DeliveryList, DeliveryState, Webhook, WebhookCreated, WebhookEvent,
    WebhookList, WebhookStatus,
};

use serde::{Deserialize, Serialize};

/// The body of every error answer: `{"errors":[{"status":…,"detail":…}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Errors {
    /// One entry (the API reports the first problem it finds).
    pub errors: Vec<ErrorEntry>,
}

/// One error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorEntry {
    /// The HTTP status, repeated.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// What was wrong and what to do; a field's problem starts with the field's name (`amount: …`).
    pub detail: String,
}
