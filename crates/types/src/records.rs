//! What the records say: movement types and statuses, record kinds, hold and order states, wallet
//! statuses, users, the platform's requests and clients (docs/records.md, docs/api.md).

use std::{fmt, str::FromStr};

use crate::{HoldStatus, MintKind, OrderStatus, PayoutStatus, Unknown};

named!(
    /// What a movement is, for its wallet.
    MovementType {
        /// Money in from a card payment.
        CardCashin = "CARD_CASHIN",
        /// Money in from a bank transfer (SEPA), minted directly or by a fund order.
        BankAccountCashin = "BANK_ACCOUNT_CASHIN",
        /// Money out to a bank account (a payout).
        BankAccountCashout = "BANK_ACCOUNT_CASHOUT",
        /// Received from another wallet.
        TransferIn = "TRANSFER_IN",
        /// Sent to another wallet.
        TransferOut = "TRANSFER_OUT",
        /// Put on hold.
        Lock = "LOCK",
        /// Released from a hold.
        Release = "RELEASE",
        /// A payout's funds reaching the suspense account.
        SuspenseIn = "SUSPENSE_IN",
        /// A payout's funds leaving the suspense account (burnt or sent back).
        SuspenseOut = "SUSPENSE_OUT",
        /// A commission the wallet paid for one of its operations (to the fee account).
        Commission = "COMMISSION",
        /// A commission reaching the fee account (from the wallet that paid it).
        CommissionIn = "COMMISSION_IN",
        /// Funds of a frozen wallet burnt by a court order or a regulator's decision.
        Wipe = "WIPE",
    }
);

impl From<MintKind> for MovementType {
    fn from(kind: MintKind) -> Self {
        match kind {
            MintKind::Card => MovementType::CardCashin,
            MintKind::BankTransfer => MovementType::BankAccountCashin,
        }
    }
}

named!(
    /// Where a movement stands: its outcome once the deciding block is final, PENDING before.
    MovementStatus {
        /// Not decided, or decided in a block that is not final yet.
        Pending = "PENDING",
        /// Done, final.
        Success = "SUCCESS",
        /// Did not happen (rejected, cancelled, failed), final.
        Error = "ERROR",
    }
);

named!(
    /// How a movement ended (before its block is final it still shows PENDING).
    Outcome {
        /// It happened.
        Success = "SUCCESS",
        /// It did not.
        Error = "ERROR",
    }
);

impl From<Outcome> for MovementStatus {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Success => MovementStatus::Success,
            Outcome::Error => MovementStatus::Error,
        }
    }
}

named!(
    /// The record a movement belongs to.
    RecordKind {
        /// A hold.
        Hold = "HOLD",
        /// A two-step transfer.
        Transfer = "TRANSFER",
        /// A fund order.
        Fund = "FUND",
        /// A payout.
        Payout = "PAYOUT",
        /// An operator transfer (the platform's transfers: a record so it can be named before it is mined).
        OperatorTransfer = "OPERATOR_TRANSFER",
    }
);

named!(
    /// The three kinds of order.
    OrderKind {
        /// A two-step transfer.
        Transfer = "TRANSFER",
        /// A fund order.
        Fund = "FUND",
        /// A payout.
        Payout = "PAYOUT",
    }
);

impl From<OrderKind> for RecordKind {
    fn from(kind: OrderKind) -> Self {
        match kind {
            OrderKind::Transfer => RecordKind::Transfer,
            OrderKind::Fund => RecordKind::Fund,
            OrderKind::Payout => RecordKind::Payout,
        }
    }
}

named!(
    /// A hold's status in the index.
    HoldState {
        /// Open, as created.
        Created = "CREATED",
        /// Open, its expiration or amount renewed.
        Renewed = "RENEWED",
        /// Partly executed, still open.
        ExecutedAndKeptOpen = "EXECUTED_AND_KEPT_OPEN",
        /// Executed (closed).
        Executed = "EXECUTED",
        /// Released by its notary (closed).
        ReleasedByNotary = "RELEASED_BY_NOTARY",
        /// Released by its payee (closed).
        ReleasedByPayee = "RELEASED_BY_PAYEE",
        /// Released after it expired (closed).
        ReleasedOnExpiration = "RELEASED_ON_EXPIRATION",
    }
);

impl HoldState {
    /// The states of a hold that still locks funds.
    pub const OPEN: [HoldState; 3] = [
        HoldState::Created,
        HoldState::Renewed,
        HoldState::ExecutedAndKeptOpen,
    ];

    /// Whether the hold still locks funds.
    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    /// The state of a hold the contract reports as `status` (`None` for a hold that does not exist).
    pub fn from_chain(status: HoldStatus) -> Option<Self> {
        Some(match status {
            HoldStatus::Nonexistent => return None,
            HoldStatus::Ordered => HoldState::Created,
            HoldStatus::ExecutedAndKeptOpen => HoldState::ExecutedAndKeptOpen,
            HoldStatus::Executed => HoldState::Executed,
            HoldStatus::ReleasedByNotary => HoldState::ReleasedByNotary,
            HoldStatus::ReleasedByPayee => HoldState::ReleasedByPayee,
            HoldStatus::ReleasedOnExpiration => HoldState::ReleasedOnExpiration,
        })
    }
}

named!(
    /// An order's status in the index, for the three kinds (only payouts reach FUNDS_IN_SUSPENSE).
    OrderState {
        /// Waiting for the operator.
        Ordered = "ORDERED",
        /// Taken in process: can no longer be cancelled.
        InProcess = "IN_PROCESS",
        /// A payout's funds are in the suspense account.
        FundsInSuspense = "FUNDS_IN_SUSPENSE",
        /// Executed.
        Executed = "EXECUTED",
        /// Rejected by the operator.
        Rejected = "REJECTED",
        /// Cancelled by the orderer or the wallet.
        Cancelled = "CANCELLED",
    }
);

impl OrderState {
    /// How the order's movements end once it reaches this state (`None` while it is open).
    pub fn outcome(self) -> Option<Outcome> {
        match self {
            OrderState::Executed => Some(Outcome::Success),
            OrderState::Rejected | OrderState::Cancelled => Some(Outcome::Error),
            OrderState::Ordered | OrderState::InProcess | OrderState::FundsInSuspense => None,
        }
    }

    /// The state of an order of `kind` whose contract status number is `status` (`None` for an order
    /// that does not exist).
    pub fn from_chain(kind: OrderKind, status: u8) -> Result<Option<Self>, Unknown> {
        Ok(match kind {
            OrderKind::Transfer | OrderKind::Fund => match OrderStatus::try_from(status)? {
                OrderStatus::Nonexistent => None,
                OrderStatus::Ordered => Some(OrderState::Ordered),
                OrderStatus::InProcess => Some(OrderState::InProcess),
                OrderStatus::Executed => Some(OrderState::Executed),
                OrderStatus::Rejected => Some(OrderState::Rejected),
                OrderStatus::Cancelled => Some(OrderState::Cancelled),
            },
            OrderKind::Payout => match PayoutStatus::try_from(status)? {
                PayoutStatus::Nonexistent => None,
                PayoutStatus::Ordered => Some(OrderState::Ordered),
                PayoutStatus::InProcess => Some(OrderState::InProcess),
                PayoutStatus::FundsInSuspense => Some(OrderState::FundsInSuspense),
                PayoutStatus::Executed => Some(OrderState::Executed),
                PayoutStatus::Rejected => Some(OrderState::Rejected),
                PayoutStatus::Cancelled => Some(OrderState::Cancelled),
            },
        })
    }
}

named!(
    /// A wallet's status.
    WalletStatus {
        /// Registered on chain: can move money.
        Ready = "READY",
        /// Known, not (yet) registered on chain.
        Pending = "PENDING",
        /// Closed by its client.
        Unsubscribed = "UNSUBSCRIBED",
    }
);

named!(
    /// A client's user: a person or a company.
    UserKind {
        /// A person (`POST /api/v2/public/users/natural`).
        Natural = "NATURAL",
        /// A company, which names its legal representative (`POST /api/v2/public/users/juridical`).
        Juridical = "JURIDICAL",
    }
);

named!(
    /// Where a user stands in onboarding.
    UserStatus {
        /// Created: its phone not yet verified, no KYC level.
        Created = "CREATED",
        /// Its phone verified: KYC level 0.
        Verified = "VERIFIED",
        /// Its first wallet is READY.
        Activated = "ACTIVATED",
        /// Closed by its client.
        Unsubscribed = "UNSUBSCRIBED",
    }
);

named!(
    /// The identity document a user is known by.
    DocumentType {
        /// Spanish national identity document: 8 digits and a check letter.
        Dni = "DNI",
        /// Spanish foreigner's identity number: X, Y or Z, 7 digits and a check letter.
        Nie = "NIE",
        /// Spanish company tax id: a letter, 7 digits and a check digit or letter.
        Cif = "CIF",
        /// A passport.
        Passport = "PASSPORT",
        /// Another country's identity card.
        IdCard = "ID_CARD",
        /// Another country's company tax or registration number.
        TaxId = "TAX_ID",
    }
);

impl DocumentType {
    /// The documents a person may give.
    pub const PERSON: [DocumentType; 4] = [
        DocumentType::Dni,
        DocumentType::Nie,
        DocumentType::Passport,
        DocumentType::IdCard,
    ];
    /// The documents a company may give.
    pub const COMPANY: [DocumentType; 2] = [DocumentType::Cif, DocumentType::TaxId];
}

named!(
    /// What a platform request asked for.
    RequestKind {
        /// Register a new wallet on chain.
        RegisterWallet = "REGISTER_WALLET",
        /// Close a wallet.
        Unsubscribe = "UNSUBSCRIBE",
        /// A transfer between wallets.
        Transfer = "TRANSFER",
        /// A cash-out to a bank account.
        CashOut = "CASH_OUT",
        /// Create a hold.
        Hold = "HOLD",
        /// Execute a hold.
        ExecuteHold = "EXECUTE_HOLD",
        /// Execute part of a hold, keeping it open.
        ExecuteHoldAndKeepOpen = "EXECUTE_HOLD_AND_KEEP_OPEN",
        /// Release a hold.
        ReleaseHold = "RELEASE_HOLD",
        /// Release a hold whose expiration the chain has reached (the platform's follow-up, for any
        /// open hold it knows).
        ReleaseExpiredHold = "RELEASE_EXPIRED_HOLD",
        /// Renew a hold.
        RenewHold = "RENEW_HOLD",
        /// A SEPA cash-in (the bank side).
        SepaCashIn = "SEPA_CASH_IN",
        /// Change a wallet's KYC level (the bank side).
        SetKycLevel = "SET_KYC_LEVEL",
        /// Execute a cash-out (the bank side).
        ExecuteCashOut = "EXECUTE_CASH_OUT",
        /// Reject a cash-out (the bank side).
        RejectCashOut = "REJECT_CASH_OUT",
        /// Create a user (nothing sent to the chain).
        CreateUser = "CREATE_USER",
        /// A card cash-in: the card charged, then the money minted.
        CardCashIn = "CARD_CASH_IN",
        /// Add a favourite external account (nothing sent to the chain).
        AddFavouriteAccount = "ADD_FAVOURITE_ACCOUNT",
        /// Create a scheduled operation (nothing sent to the chain).
        CreateScheduledOperation = "CREATE_SCHEDULED_OPERATION",
        /// A top-up request: a fund order for a wallet, which the bank side accepts or declines.
        TopUpRequest = "TOP_UP_REQUEST",
        /// Accept a top-up request (the bank side): the fund order executed, the money minted.
        AcceptTopUp = "ACCEPT_TOP_UP",
        /// Decline a top-up request (the bank side): the fund order rejected.
        DeclineTopUp = "DECLINE_TOP_UP",
    }
);

named!(
    /// Where a platform request stands.
    RequestState {
        /// Accepted, its transaction not yet handed to the node.
        Requested = "REQUESTED",
        /// Its transaction is with the node.
        PendingDlt = "PENDING_DLT",
        /// Its transaction was mined and succeeded.
        Mined = "MINED",
        /// The contract refused it, or its transaction failed or was dropped.
        Failed = "FAILED",
    }
);

named!(
    /// An operation a commission profile prices.
    CommissionOperation {
        /// A card cash-in: the commission is taken from the money that comes in.
        CardCashin = "CARD_CASHIN",
        /// A bank top-up: the commission is taken from the money that comes in.
        BankTopUp = "BANK_TOP_UP",
        /// A transfer to another wallet: the payer pays it on top.
        Transfer = "TRANSFER",
        /// A cash-out to a bank account: the wallet pays it on top.
        CashOut = "CASH_OUT",
        /// A hold's execution: the payer pays it on top.
        HoldExecution = "HOLD_EXECUTION",
    }
);

impl CommissionOperation {
    /// Whether the commission is taken from the money that comes in (cash-ins) rather than paid on top.
    pub fn is_incoming(self) -> bool {
        matches!(self, Self::CardCashin | Self::BankTopUp)
    }
}

named!(
    /// How a commission is rounded to the currency's decimals.
    Rounding {
        /// Half away from zero (the default).
        HalfUp = "HALF_UP",
        /// Half to even (banker's rounding).
        HalfEven = "HALF_EVEN",
        /// Always up (away from zero).
        Up = "UP",
        /// Always down (towards zero).
        Down = "DOWN",
    }
);

named!(
    /// What an API client may do.
    ClientRole {
        /// A platform customer: its users' wallets.
        Client = "CLIENT",
        /// The bank integration: SEPA cash-ins, executing and rejecting payouts, KYC levels.
        Bank = "BANK",
        /// The administrator: currencies, issuers, the bank catalogue.
        Admin = "ADMIN",
    }
);

/// The part a movement plays in its record or event; with the record (or the event) it makes the
/// movement's id, so its names are part of the ids and never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The payer's side of a transfer.
    Out,
    /// The payee's side of a transfer.
    In,
    /// A cash-in.
    Cashin,
    /// A cash-out.
    Cashout,
    /// A hold's lock.
    Lock,
    /// A release of held funds.
    Release,
    /// A payout's funds reaching the suspense account.
    SuspenseIn,
    /// A payout's funds leaving the suspense account.
    SuspenseOut,
    /// The payer's side of a commission.
    Commission,
    /// The fee account's side of a commission.
    CommissionIn,
    /// A wipe of a frozen wallet's funds.
    Wipe,
}

impl Role {
    /// Every role.
    pub const ALL: &'static [Role] = &[
        Role::Out,
        Role::In,
        Role::Cashin,
        Role::Cashout,
        Role::Lock,
        Role::Release,
        Role::SuspenseIn,
        Role::SuspenseOut,
        Role::Commission,
        Role::CommissionIn,
        Role::Wipe,
    ];

    /// Its name in ids.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Out => "out",
            Role::In => "in",
            Role::Cashin => "cashin",
            Role::Cashout => "cashout",
            Role::Lock => "lock",
            Role::Release => "release",
            Role::SuspenseIn => "suspense_in",
            Role::SuspenseOut => "suspense_out",
            Role::Commission => "commission",
            Role::CommissionIn => "commission_in",
            Role::Wipe => "wipe",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Unknown;

    fn from_str(text: &str) -> Result<Self, Unknown> {
        Role::ALL
            .iter()
            .copied()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| Unknown::Name {
                vocabulary: "Role",
                text: text.to_owned(),
                known: "out, in, cashin, cashout, lock, release, suspense_in, suspense_out, commission, \
                        commission_in, wipe"
                    .to_owned(),
            })
    }
}
