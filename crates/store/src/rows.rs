//! Row types: what the indexer writes and what readers get back. Amounts are token base units (integers,
//! scale 0) in a `Decimal` (the SDK's `Amount::from_units` turns them into the token's amounts at the edges);
//! types, kinds and statuses are the vocabulary's enums (emtoken-types).

use chrono::{DateTime, Utc};
use emtoken_types::{
    HoldState, MovementStatus, MovementType, OrderKind, OrderState, Outcome, RecordKind,
    WalletStatus,
};
use rust_decimal::Decimal;
use uuid::Uuid;

/// A 20-byte account address.
pub type Addr = [u8; 20];
/// A 32-byte hash or key.
pub type Hash = [u8; 32];

/// The indexed chain: which contract, from which block, on which genesis.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChainRow {
    /// EIP-155 chain id.
    pub chain_id: i64,
    /// Hash of block 0: a restarted devnet has another one.
    pub genesis_hash: Hash,
    /// The EmToken contract.
    pub contract: Addr,
    /// First block indexed (the deployment block unless told otherwise).
    pub from_block: i64,
    /// The token's decimals.
    pub decimals: i16,
    /// Blocks a block needs on top of it to count as final (0: final at once).
    pub confirmations: i64,
    /// The network's name, shown as `dltNetwork`.
    pub network: String,
    /// The chain a further token's ledger is on (`chain_id` is then its ledger id, see
    /// [`crate::ids::ledger_id`]); None when `chain_id` is the chain's own id.
    pub evm_chain_id: Option<i64>,
}

/// How far indexing has gone.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Checkpoint {
    /// Chain id.
    pub chain_id: i64,
    /// Last block indexed.
    pub block_number: i64,
    /// Its hash.
    pub block_hash: Hash,
    /// Last block applied as final.
    pub final_block: i64,
}

/// A block of the recent window.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BlockRow {
    /// Its number.
    pub number: i64,
    /// Its hash.
    pub hash: Hash,
    /// Its parent's hash.
    pub parent_hash: Hash,
    /// Its timestamp.
    pub time: DateTime<Utc>,
}

/// A decoded EmToken log.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    /// Block hash (with `log_index`, the natural key).
    pub block_hash: Hash,
    /// Index of the log in its block.
    pub log_index: i64,
    /// Block number.
    pub block_number: i64,
    /// Block timestamp.
    pub block_time: DateTime<Utc>,
    /// Transaction hash.
    pub tx_hash: Hash,
    /// Index of the transaction in its block.
    pub tx_index: i64,
    /// Position of the log among the contract's logs of its transaction.
    pub tx_ordinal: i32,
    /// Event name, e.g. `HoldCreated`.
    pub name: String,
    /// The hold or order key the event is about, if any.
    pub record_key: Option<Hash>,
    /// Decoded arguments by name; integers and bytes as strings.
    pub args: serde_json::Value,
    /// Raw topics.
    pub topics: Vec<Vec<u8>>,
    /// Raw data.
    pub data: Vec<u8>,
}

/// What one event did to one address's balances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaRow {
    /// The event's block hash.
    pub block_hash: Hash,
    /// The event's log index.
    pub log_index: i64,
    /// The event's block number.
    pub block_number: i64,
    /// The address.
    pub address: Addr,
    /// Change of the gross balance.
    pub total: Decimal,
    /// Change of the held balance.
    pub held: Decimal,
}

/// An address seen on chain at a block (creates its wallet row when new).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenAddress {
    /// The address.
    pub address: Addr,
    /// The wallet id to use if it is new.
    pub wallet_id: Uuid,
    /// First block it appears in (within the batch).
    pub block_number: i64,
    /// That block's timestamp.
    pub time: DateTime<Utc>,
}

/// A change of a wallet's on-chain compliance state (WalletRegistered / KycLevelChanged / Frozen /
/// Unfrozen): fields left `None` keep their stored value, unless `reset` starts from an unregistered,
/// unfrozen wallet (re-derivation after a reorganisation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplianceRow {
    /// The address.
    pub address: Addr,
    /// Registered on chain.
    pub registered: Option<bool>,
    /// KYC level.
    pub kyc_level: Option<i16>,
    /// Frozen.
    pub frozen: Option<bool>,
    /// Start from the default state instead of the stored one.
    pub reset: bool,
}

/// A change of a wallet's platform role (SuspenseAccountChanged; FeeAccountChanged; RoleGranted /
/// RoleRevoked of OPERATOR_ROLE): fields left `None` keep their stored value, unless `reset` starts from
/// no role (re-derivation after a reorganisation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemRoleRow {
    /// The address.
    pub address: Addr,
    /// It is the contract's suspense account.
    pub suspense: Option<bool>,
    /// It is the account fees are paid to.
    pub fee_account: Option<bool>,
    /// It holds OPERATOR_ROLE.
    pub operator: Option<bool>,
    /// Start from no role instead of the stored ones.
    pub reset: bool,
}

/// A wallet as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct WalletRow {
    /// Wallet id.
    pub id: Uuid,
    /// Chain id.
    pub chain_id: i64,
    /// Its address.
    pub address: Addr,
    /// Gross balance as of the last final block ("system balance").
    pub balance: Decimal,
    /// Held balance as of the last final block.
    pub final_held: Decimal,
    /// Gross balance at the last indexed block.
    pub head_total: Decimal,
    /// Held balance at the last indexed block.
    pub held: Decimal,
    /// Registered on chain.
    pub registered: bool,
    /// KYC level on chain.
    pub kyc_level: Option<i16>,
    /// Frozen on chain.
    pub frozen: bool,
    /// READY, PENDING or UNSUBSCRIBED.
    pub status: WalletStatus,
    /// The platform user owning it, if registered off chain.
    pub user_id: Option<Uuid>,
    /// The platform client of that user.
    pub client_id: Option<Uuid>,
    /// Its IBAN, if any.
    pub iban: Option<String>,
    /// First block it appears in on the canonical chain (None: not seen on chain).
    pub first_block: Option<i64>,
    /// That block's timestamp.
    pub created_at: Option<DateTime<Utc>>,
    /// When the platform registered it (None: only seen on chain).
    pub registered_at: Option<DateTime<Utc>>,
    /// SUSPENSE or OPERATOR for the platform's own accounts (never a user's wallet); None otherwise.
    pub system_role: Option<String>,
}

impl WalletRow {
    /// Available balance at the head: gross minus held.
    pub fn available(&self) -> Decimal {
        self.head_total - self.held
    }
}

/// A movement, as written by the indexer and read back.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct MovementRow {
    /// Movement id.
    pub id: Uuid,
    /// The wallet it belongs to.
    pub wallet_id: Uuid,
    /// CARD_CASHIN, BANK_ACCOUNT_CASHIN, BANK_ACCOUNT_CASHOUT, TRANSFER_IN, TRANSFER_OUT, LOCK, RELEASE,
    /// COMMISSION, WIPE; SUSPENSE_IN, SUSPENSE_OUT on the suspense account; COMMISSION_IN on the fee
    /// account.
    pub r#type: MovementType,
    /// PENDING, SUCCESS or ERROR.
    pub status: MovementStatus,
    /// The status once the deciding event is final; None while waiting for an agent.
    pub outcome: Option<Outcome>,
    /// Amount in base units.
    pub amount: Decimal,
    /// The purpose, when the platform knows it.
    pub concept: Option<String>,
    /// Sender (transfers).
    pub origin_address: Option<Addr>,
    /// Receiver (transfers).
    pub target_address: Option<Addr>,
    /// Bank account (cash-in/out), when known.
    pub iban: Option<String>,
    /// HOLD, TRANSFER, FUND, PAYOUT or OPERATOR_TRANSFER, when tied to a record.
    pub record_kind: Option<RecordKind>,
    /// That record's key.
    pub record_key: Option<Hash>,
    /// The payment reference a direct mint was made against (CARD_CASHIN / BANK_ACCOUNT_CASHIN of a
    /// `mint`): the card payment's or SEPA transfer's id, to match the cash-in to the fiat payment.
    pub payment_reference: Option<Hash>,
    /// Transaction that created it.
    pub tx_hash: Hash,
    /// Its block.
    pub block_number: i64,
    /// Its block hash.
    pub block_hash: Hash,
    /// Its log index.
    pub log_index: i64,
    /// Block of the event that decides the outcome.
    pub decided_block: Option<i64>,
    /// Removed by a reorganisation and not mined again.
    pub dropped: bool,
    /// Creation time (block time).
    pub created_at: DateTime<Utc>,
    /// Last change (block time of the last deciding event).
    pub updated_at: DateTime<Utc>,
}

/// A hold as the chain has it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct HoldRow {
    /// Hold id.
    pub id: Uuid,
    /// The contract's hold key.
    pub hold_key: Hash,
    /// The issuer's operation id.
    pub operation_id: Hash,
    /// Who created it.
    pub issuer: Addr,
    /// Whose money is held.
    pub payer: Addr,
    /// Who receives it on execution.
    pub payee: Addr,
    /// Who may execute or release it.
    pub notary: Addr,
    /// Amount originally held.
    pub held_value: Decimal,
    /// Sent to the payee so far.
    pub executed_value: Decimal,
    /// Returned to the payer so far.
    pub released_value: Decimal,
    /// Still held.
    pub remaining: Decimal,
    /// CREATED, RENEWED, EXECUTED, EXECUTED_AND_KEPT_OPEN, RELEASED_BY_NOTARY, RELEASED_BY_PAYEE, RELEASED_ON_EXPIRATION.
    pub status: HoldState,
    /// Expiry (None: perpetual).
    pub expiration: Option<DateTime<Utc>>,
    /// Block of its creation.
    pub created_block: i64,
    /// Transaction of its creation.
    pub created_tx: Hash,
    /// Creation time (block time).
    pub created_at: DateTime<Utc>,
    /// Last change (block time).
    pub updated_at: DateTime<Utc>,
}

/// A two-step transfer, fund order or payout as the chain has it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct OrderRow {
    /// Order id.
    pub id: Uuid,
    /// TRANSFER, FUND or PAYOUT.
    pub kind: OrderKind,
    /// The contract's order key.
    pub order_key: Hash,
    /// The orderer's operation id.
    pub operation_id: Hash,
    /// Who ordered it.
    pub orderer: Addr,
    /// Payer (transfer, payout) or wallet to fund.
    pub payer: Addr,
    /// Payee of a transfer.
    pub payee: Option<Addr>,
    /// Amount.
    pub value: Decimal,
    /// ORDERED, IN_PROCESS, FUNDS_IN_SUSPENSE, EXECUTED, REJECTED, CANCELLED.
    pub status: OrderState,
    /// Still kept on hold by the order.
    pub locked: Decimal,
    /// Whose balance holds `locked`.
    pub lock_holder: Addr,
    /// Rejection reason.
    pub reason: Option<String>,
    /// Hash of off-chain instructions (fund, payout).
    pub instructions_hash: Option<Hash>,
    /// Block of its creation.
    pub created_block: i64,
    /// Transaction of its creation.
    pub created_tx: Hash,
    /// Block of the executing, rejecting or cancelling event.
    pub decided_block: Option<i64>,
    /// Creation time (block time).
    pub created_at: DateTime<Utc>,
    /// Last change (block time).
    pub updated_at: DateTime<Utc>,
}

/// A reconciliation finding.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct FindingRow {
    /// Finding id.
    pub id: i64,
    /// Block compared at.
    pub block_number: i64,
    /// Its hash.
    pub block_hash: Hash,
    /// The wallet's address.
    pub address: Addr,
    /// Gross balance the indexer had.
    pub indexed_total: Decimal,
    /// `balanceOf` on chain.
    pub chain_total: Decimal,
    /// Held balance the indexer had.
    pub indexed_held: Decimal,
    /// `balanceOnHold` on chain.
    pub chain_held: Decimal,
    /// A rescan did not mend it.
    pub persistent: bool,
    /// When it was found.
    pub created_at: DateTime<Utc>,
}
