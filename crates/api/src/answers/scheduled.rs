//! Scheduled and recurrent operations and their executions, in the guide's shapes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Link;

/// ACTIVE, DELETED or COMPLETED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum ScheduledStatus {
    /// Dates are left.
    Active,
    /// Cancelled by its user: no date of it comes any more.
    Deleted,
    /// Its last date came.
    Completed,
}

/// ONCE, DAILY, WEEKLY, MONTHLY or YEARLY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum ScheduleFrequency {
    /// Once, at the start date.
    Once,
    /// Every day at the start's time of day.
    Daily,
    /// Every 7 days.
    Weekly,
    /// Every month on the start's day (the month's last day when it is shorter).
    Monthly,
    /// Every year on the start's day (29 February: the 28th in common years).
    Yearly,
}

/// ENDLESS, NUMBER_OF_REPETITIONS or END_DATE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DurationType {
    /// No end.
    Endless,
    /// A number of dates.
    NumberOfRepetitions,
    /// Every date up to a day, inclusive.
    EndDate,
}

/// IOCASH_WALLET, FAVOURITE_EXTERNAL_BANK_ACCOUNT or EXTERNAL_BANK_ACCOUNT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReceiverType {
    /// Another wallet of the platform (a transfer).
    IocashWallet,
    /// A favourite external account of the paying wallet (a cash-out to its IBAN).
    FavouriteExternalBankAccount,
    /// A bank account by IBAN (a cash-out).
    ExternalBankAccount,
}

/// How long a schedule lasts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleDuration {
    /// The kind of end.
    #[serde(rename = "type")]
    pub kind: DurationType,
    /// The repetitions ("4") or the end date ("2030-05-07"); null when ENDLESS.
    pub value: Option<String>,
    /// The last day (END_DATE only), yyyy-MM-dd.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// How many dates the schedule has (not with ENDLESS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_repetitions: Option<u32>,
}

/// When a scheduled operation pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleAnswer {
    /// The first date, in the UTC offset it was given with.
    pub start_date: String,
    /// The next date not triggered yet, in the same offset; null unless ACTIVE.
    pub next_date: Option<String>,
    /// How often.
    pub frequency: ScheduleFrequency,
    /// How long; null when ONCE.
    pub duration: Option<ScheduleDuration>,
}

/// Who receives a scheduled operation's payments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Receiver {
    /// The kind of receiver.
    #[serde(rename = "type")]
    pub kind: ReceiverType,
    /// A wallet id, a favourite external account's id, or an IBAN, as `type` says.
    pub account: String,
}

/// A scheduled operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledOperation {
    /// Links: itself and its executions.
    #[serde(rename = "_links")]
    pub links: ScheduledLinks,
    /// Its id.
    pub id: Uuid,
    /// The paying wallet.
    pub wallet_id: Uuid,
    /// Its name, one not-deleted operation's per wallet.
    pub alias: String,
    /// The concept of its movements.
    pub concept: String,
    /// The amount of each payment.
    #[schema(value_type = super::DecimalAmount)]
    pub amount: String,
    /// ACTIVE, DELETED or COMPLETED.
    pub status: ScheduledStatus,
    /// When it pays.
    pub schedule: ScheduleAnswer,
    /// Who receives.
    pub receiver: Receiver,
    /// When it was created.
    #[schema(value_type = super::Timestamp)]
    pub created_at: String,
}

/// Links of a scheduled operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScheduledLinks {
    /// The operation.
    #[serde(rename = "self")]
    pub this: Link,
    /// Its executions.
    pub executions: Link,
}

/// Scheduled operations, under `scheduledOperations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledList {
    /// The operations.
    pub scheduled_operations: Vec<ScheduledOperation>,
}

/// TRIGGERED, EXECUTED or FAILED; SCHEDULED for a date to come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum ExecutionStatus {
    /// Its date came: its payment is on its way.
    Triggered,
    /// The chain has its payment (a cash-out's movement stays PENDING until the bank side decides).
    Executed,
    /// Not paid: `reason` says why.
    Failed,
    /// A date to come.
    Scheduled,
}

/// An execution of a scheduled operation: a date that came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    /// Links: its movement, once sent.
    #[serde(rename = "_links")]
    pub links: ExecutionLinks,
    /// Its id.
    pub id: Uuid,
    /// TRIGGERED, EXECUTED or FAILED.
    pub status: ExecutionStatus,
    /// When the scheduler triggered it (later than `dueDate` after downtime).
    #[schema(value_type = super::Timestamp)]
    pub date: String,
    /// The date of the schedule it stands for, in the start date's offset.
    pub due_date: String,
    /// Why it failed (the contract's reason, a balance too low, a wallet not READY, too late).
    pub reason: Option<String>,
    /// Its movement (TRANSFER_OUT or BANK_ACCOUNT_CASHOUT), once sent.
    pub movement_id: Option<Uuid>,
}

/// Links of an execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExecutionLinks {
    /// Its movement, once sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub movement: Option<Link>,
}

/// A date to come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScheduledExecution {
    /// SCHEDULED.
    pub status: ExecutionStatus,
    /// The date, in the start date's offset.
    pub date: String,
}

/// A page of executions (`executions`), and the next dates to come (`scheduledExecutions`, at most
/// 10, whatever the page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionList {
    /// Executions: TRIGGERED, EXECUTED or FAILED.
    pub executions: Vec<Execution>,
    /// Up to 10 dates to come, SCHEDULED (none unless the operation is ACTIVE).
    pub scheduled_executions: Vec<ScheduledExecution>,
}
