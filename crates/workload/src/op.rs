//! One generated transaction: what to call, with which key, and how to send it through the SDK.

use std::time::Duration;

use alloy::primitives::{Address, B256, U256};
use emtoken_sdk::{Amount, EmTokenClient, MintKind, OperationId, TxOutcome};
use emtoken_test_utils::Role;

use crate::{Deployed, OpKind};

/// Why rejected orders were rejected (on chain in the reject events).
pub(crate) const REJECT_REASON: &str = "workload: rejected";

/// A generated transaction.
#[derive(Debug, Clone)]
pub(crate) struct Op {
    pub(crate) kind: OpKind,
    pub(crate) call: Call,
}

/// The contract call of an [`Op`], with every argument fixed when it is planned. Amounts are base units.
#[derive(Debug, Clone)]
pub(crate) enum Call {
    Register {
        wallet: Address,
        level: u8,
    },
    Mint {
        to: Address,
        value: u128,
        kind: MintKind,
        reference: B256,
    },
    OperatorTransfer {
        operation: OperationId,
        from: Address,
        to: Address,
        value: u128,
    },
    UserTransfer {
        user: Role,
        to: Address,
        value: u128,
    },
    HoldFrom {
        operation: OperationId,
        from: Address,
        to: Address,
        notary: Address,
        value: u128,
        expires_in: Option<Duration>,
    },
    ExecuteHold {
        notary: Role,
        id: B256,
        value: u128,
        keep_open: bool,
    },
    ReleaseHold {
        notary: Role,
        id: B256,
    },
    RenewHold {
        id: B256,
        expires_in: Option<Duration>,
    },
    OrderTransfer {
        operation: OperationId,
        from: Address,
        to: Address,
        value: u128,
    },
    OrderFund {
        operation: OperationId,
        wallet: Address,
        value: u128,
        instructions: B256,
    },
    OrderPayout {
        operation: OperationId,
        wallet: Address,
        value: u128,
        instructions: B256,
    },
    /// A step of an existing order (two-step transfer, fund order or payout), by the operator: which one
    /// is the op's kind.
    Step {
        id: B256,
    },
}

impl Op {
    /// Sends the call with the key it needs and waits for its receipt.
    pub(crate) async fn send(&self, d: &Deployed) -> emtoken_sdk::Result<TxOutcome> {
        let op = &d.operator;
        let amount = |value: u128| Amount::from_base_units(U256::from(value), op.decimals());
        Ok(match &self.call {
            Call::Register { wallet, level } => {
                d.compliance.register_wallet(*wallet, *level).await?
            }
            Call::Mint {
                to,
                value,
                kind,
                reference,
            } => op.mint(*to, amount(*value)?, *kind, *reference).await?,
            Call::OperatorTransfer {
                operation,
                from,
                to,
                value,
            } => {
                op.operator_transfer(*operation, *from, *to, amount(*value)?)
                    .await?
                    .outcome
            }
            Call::UserTransfer { user, to, value } => {
                d.client(*user).transfer(*to, amount(*value)?).await?
            }
            Call::HoldFrom {
                operation,
                from,
                to,
                notary,
                value,
                expires_in,
            } => {
                op.hold_from(
                    *operation,
                    *from,
                    *to,
                    *notary,
                    amount(*value)?,
                    *expires_in,
                )
                .await?
                .outcome
            }
            Call::ExecuteHold {
                notary,
                id,
                value,
                keep_open: false,
            } => d.client(*notary).execute_hold(*id, amount(*value)?).await?,
            Call::ExecuteHold {
                notary,
                id,
                value,
                keep_open: true,
            } => {
                d.client(*notary)
                    .execute_hold_and_keep_open(*id, amount(*value)?)
                    .await?
            }
            Call::ReleaseHold { notary, id } => d.client(*notary).release_hold(*id).await?,
            Call::RenewHold { id, expires_in } => op.renew_hold(*id, *expires_in).await?,
            Call::OrderTransfer {
                operation,
                from,
                to,
                value,
            } => {
                op.order_transfer_from(*operation, *from, *to, amount(*value)?)
                    .await?
                    .outcome
            }
            Call::OrderFund {
                operation,
                wallet,
                value,
                instructions,
            } => {
                op.order_fund_from(*operation, *wallet, amount(*value)?, *instructions)
                    .await?
                    .outcome
            }
            Call::OrderPayout {
                operation,
                wallet,
                value,
                instructions,
            } => {
                op.order_payout_from(*operation, *wallet, amount(*value)?, *instructions)
                    .await?
                    .outcome
            }
            Call::Step { id } => step(op, self.kind, *id).await?,
        })
    }
}

/// A step of an order by the operator.
async fn step(op: &EmTokenClient, kind: OpKind, id: B256) -> emtoken_sdk::Result<TxOutcome> {
    match kind {
        OpKind::TwoStepProcess => op.process_clearable_transfer(id).await,
        OpKind::TwoStepExecute => op.execute_clearable_transfer(id).await,
        OpKind::TwoStepReject => op.reject_clearable_transfer(id, REJECT_REASON).await,
        OpKind::TwoStepCancel => op.cancel_transfer(id).await,
        OpKind::FundProcess => op.process_fund(id).await,
        OpKind::FundExecute => op.execute_fund(id).await,
        OpKind::FundReject => op.reject_fund(id, REJECT_REASON).await,
        OpKind::PayoutProcess => op.process_payout(id).await,
        OpKind::PayoutToSuspense => op.put_funds_in_suspense(id).await,
        OpKind::PayoutExecute | OpKind::PayoutExecuteFromSuspense => op.execute_payout(id).await,
        OpKind::PayoutReject | OpKind::PayoutRefundFromSuspense => {
            op.reject_payout(id, REJECT_REASON).await
        }
        OpKind::PayoutCancel => op.cancel_payout(id).await,
        other => Err(emtoken_sdk::Error::Invalid(format!(
            "{other} is not a step of an order"
        ))),
    }
}
