//! Renders the store's rows as the API's answers (see [`crate::answers`]): amounts as exact decimal
//! strings ("12.50"), times in RFC 3339 (UTC), addresses and hashes as 0x hex.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use emtoken_sdk::{Amount, OperationId};
use emtoken_store::{
    WalletRow,
    api::{HoldView, MovementView, RequestKind, RequestState, UserRow},
    ids,
    vocabulary::MovementType,
};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::{
    ApiState, ChainInfo,
    answers::{
        Address, Hold, HoldLinks, HoldStatus, Link, Movement, MovementCard, MovementLinks, User,
        UserLinks, Wallet, WalletLinks,
    },
};

/// Base of the public endpoints.
pub(crate) const PUBLIC: &str = "/api/v1/public";
/// Base of the bank's endpoints.
pub(crate) const BANK: &str = "/api/v1/bank";

/// A decimal amount from base units as stored (whole, at most the supply cap: the schema's and the
/// indexer's checks; anything else would be a corrupt row, shown as its raw base units and logged).
pub(crate) fn amount(chain: &ChainInfo, units: Decimal) -> String {
    Amount::from_units(units, chain.decimals).map_or_else(
        |e| {
            tracing::error!(%units, error = %e, "stored amount outside the token's range");
            units.to_string()
        },
        |a| a.to_string(),
    )
}

/// RFC 3339, milliseconds, UTC.
pub(crate) fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// 0x hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    format!("0x{}", alloy::hex::encode(bytes))
}

/// A wallet.
pub(crate) fn wallet(chain: &ChainInfo, w: &WalletRow, client_alias: Option<&str>) -> Wallet {
    Wallet {
        links: WalletLinks {
            this: Link::new(format!("{PUBLIC}/wallets/{}", w.id)),
            movements: Link::new(format!("{PUBLIC}/wallets/{}/movements", w.id)),
            holds: Link::new(format!("{PUBLIC}/wallets/{}/holds", w.id)),
        },
        id: w.id,
        available_balance: amount(chain, w.available()),
        balance: amount(chain, w.balance),
        held_balance: amount(chain, w.held),
        client_alias: client_alias.map(str::to_owned),
        client_id: w.client_id,
        dlt_address: hex(&w.address),
        dlt_network: chain.network.clone(),
        iban: w.iban.clone(),
        currency: chain.currency.clone(),
        issuer_id: chain.issuer_id,
        contract_address: hex(chain.contract.as_slice()),
        kyc_level: w.kyc_level,
        status: w.status,
        user_id: w.user_id,
        created_at: w.registered_at.or(w.created_at).map(time),
    }
}

/// Owners of the wallets a page of movements or holds names: the wallets by id, and their users'
/// full names by user id.
#[derive(Debug, Default)]
pub(crate) struct Owners {
    wallets: HashMap<Uuid, WalletRow>,
    names: HashMap<Uuid, String>,
    /// The cards of card cash-in movements, by movement id.
    cards: HashMap<Uuid, MovementCard>,
}

impl Owners {
    fn get(&self, wallet: &Uuid) -> Option<&WalletRow> {
        self.wallets.get(wallet)
    }

    /// A user's full name, if the platform knows the user.
    fn name(&self, user: Option<Uuid>) -> Option<String> {
        user.and_then(|u| self.names.get(&u)).cloned()
    }

    /// The same, with the cards of those of `movements` that are card cash-ins.
    pub(crate) async fn with_cards<'a>(
        mut self,
        state: &ApiState,
        movements: impl Iterator<Item = &'a MovementView>,
    ) -> Result<Self, crate::Problem> {
        let ids: Vec<Uuid> = movements
            .filter(|m| m.r#type == MovementType::CardCashin)
            .map(|m| m.id)
            .collect();
        if !ids.is_empty() {
            self.cards = state
                .store
                .card_cash_in_cards(&ids)
                .await?
                .into_iter()
                .map(|(id, brand, last4)| (id, MovementCard { brand, last4 }))
                .collect();
        }
        Ok(self)
    }
}

/// Loads the wallets of these addresses on `chain`'s ledger and their users' names.
pub(crate) async fn owners(
    state: &ApiState,
    chain: &ChainInfo,
    addresses: impl Iterator<Item = Option<Vec<u8>>>,
) -> Result<Owners, crate::Problem> {
    let ids: Vec<Uuid> = addresses
        .flatten()
        .filter_map(|a| <[u8; 20]>::try_from(a.as_slice()).ok())
        .map(|a| ids::wallet_id(chain.chain_id, &a))
        .collect();
    let wallets: HashMap<Uuid, WalletRow> = state
        .store
        .wallets_by_ids(&ids)
        .await?
        .into_iter()
        .map(|w| (w.id, w))
        .collect();
    let users: Vec<Uuid> = wallets.values().filter_map(|w| w.user_id).collect();
    let names = state.store.user_names(&users).await?.into_iter().collect();
    Ok(Owners {
        wallets,
        names,
        cards: HashMap::new(),
    })
}

fn party(
    chain: &ChainInfo,
    owners: &Owners,
    address: Option<&[u8]>,
) -> (Option<Uuid>, Option<Uuid>) {
    let Some(address) = address.and_then(|a| <[u8; 20]>::try_from(a).ok()) else {
        return (None, None);
    };
    let id = ids::wallet_id(chain.chain_id, &address);
    (Some(id), owners.get(&id).and_then(|w| w.user_id))
}

/// A movement of `wallet`.
pub(crate) fn movement(
    chain: &ChainInfo,
    wallet: &WalletRow,
    m: &MovementView,
    owners: &Owners,
) -> Movement {
    let transfer = matches!(
        m.r#type,
        MovementType::TransferIn | MovementType::TransferOut
    );
    let (origin_wallet, origin_user) = party(chain, owners, m.origin_address.as_deref());
    let (target_wallet, target_user) = party(chain, owners, m.target_address.as_deref());
    let to_wallet = |id: Uuid| Link::new(format!("{PUBLIC}/wallets/{id}"));
    let to_user = |id: Uuid| Link::new(format!("{PUBLIC}/users/{id}"));
    // The payer of a cash-out is the wallet's user (the bank's transfer names them).
    let payer_name = (m.r#type == MovementType::BankAccountCashout)
        .then(|| owners.name(wallet.user_id))
        .flatten();
    Movement {
        links: MovementLinks {
            this: Some(Link::new(format!(
                "{PUBLIC}/wallets/{}/movements/{}",
                wallet.id, m.id
            ))),
            wallet: Some(to_wallet(wallet.id)),
            origin_wallet: origin_wallet.map(to_wallet),
            target_wallet: target_wallet.map(to_wallet),
            origin_user: origin_user.map(to_user),
            target_user: target_user.map(to_user),
            ..MovementLinks::default()
        },
        id: m.id,
        wallet_id: m.wallet_id,
        kind: m.r#type,
        status: m.status,
        amount: amount(chain, m.amount),
        concept: m.concept.clone(),
        created_at: time(m.created_at),
        updated_at: time(m.updated_at),
        origin_user_id: origin_user,
        target_user_id: target_user,
        origin_dlt_address: m.origin_address.as_deref().map(hex),
        target_dlt_address: m.target_address.as_deref().map(hex),
        origin_wallet_id: origin_wallet,
        target_wallet_id: target_wallet,
        user_id: if transfer { None } else { wallet.user_id },
        client_id: wallet.client_id,
        payer_name,
        dlt_network: chain.network.clone(),
        iban: m.iban.clone(),
        scheduled_operation_id: m.scheduled_operation_id.map(|id| id.to_string()),
        chain_id: chain.evm_chain_id,
        currency: chain.currency.clone(),
        issuer_id: chain.issuer_id,
        contract_address: hex(chain.contract.as_slice()),
        tx_hash: m.tx_hash.as_deref().map(hex),
        block_number: m.block_number,
        block_hash: m.block_hash.as_deref().map(hex),
        log_index: m.log_index,
        record_kind: m.record_kind,
        record_key: m.record_key.as_deref().map(hex),
        payment_reference: m.payment_reference.as_deref().map(hex),
        card: owners.cards.get(&m.id).cloned(),
    }
}

/// The status of a hold as the platform's guide has it: the platform's latest request about it
/// while that is on its way or failed, else what the chain says.
pub(crate) fn hold_status(h: &HoldView) -> HoldStatus {
    use HoldStatus as S;
    let chain = h.chain_status.map(HoldStatus::from);
    let (Some(kind), Some(state)) = (h.request_kind, h.request_state) else {
        return chain.unwrap_or(S::PendingDltCreation);
    };
    let (requested, pending, failed) = match kind {
        RequestKind::Hold => (
            S::CreationRequested,
            S::PendingDltCreation,
            S::CreationFailed,
        ),
        RequestKind::ExecuteHold => (
            S::ExecutionRequested,
            S::PendingDltExecution,
            S::ExecutionFailed,
        ),
        RequestKind::ExecuteHoldAndKeepOpen => (
            S::ExecutionAndKeepOpenRequested,
            S::PendingDltExecuteAndKeptOpen,
            S::ExecutionAndKeptOpenFailed,
        ),
        RequestKind::ReleaseHold => (S::ReleaseRequested, S::PendingDltRelease, S::ReleaseFailed),
        // The platform's release of an expired hold: pending from the start; failed, the hold is as
        // the chain has it (the follow-up tries again).
        RequestKind::ReleaseExpiredHold => (
            S::PendingDltExpiration,
            S::PendingDltExpiration,
            chain.unwrap_or(S::PendingDltExpiration),
        ),
        _ => (S::RenewalRequested, S::PendingDltRenewal, S::RenewalFailed),
    };
    match state {
        RequestState::Requested => requested,
        RequestState::Failed => failed,
        // Mined and indexed (the receipt may be recorded a moment after the indexer saw it).
        RequestState::Mined | RequestState::PendingDlt if h.request_indexed == Some(true) => {
            chain.unwrap_or(pending)
        }
        _ => pending,
    }
}

/// Whether a hold can still be executed, released or renewed.
pub(crate) fn hold_open(h: &HoldView) -> bool {
    h.chain_status.is_some_and(|s| s.is_open())
}

/// A hold seen from `wallet`.
pub(crate) fn hold(chain: &ChainInfo, wallet: &WalletRow, h: &HoldView, owners: &Owners) -> Hold {
    let (payer_wallet, payer_user) = party(chain, owners, Some(&h.payer));
    let (payee_wallet, _) = party(chain, owners, Some(&h.payee));
    let payer_row = payer_wallet.and_then(|id| owners.get(&id));
    let operation = <[u8; 32]>::try_from(h.operation_id.as_slice())
        .ok()
        .map(|b| {
            let op = OperationId::from(alloy::primitives::B256::from(b));
            op.as_uuid().map_or_else(|| hex(&b), |u| u.to_string())
        });
    let to_wallet =
        |id: Option<Uuid>| Link::new(format!("{PUBLIC}/wallets/{}", id.unwrap_or_default()));
    Hold {
        links: HoldLinks {
            this: Link::new(format!("{PUBLIC}/wallets/{}/holds/{}", wallet.id, h.id)),
            payer_wallet: to_wallet(payer_wallet),
            payee_wallet: to_wallet(payee_wallet),
        },
        id: h.id,
        user_id: payer_user,
        client_id: payer_row.and_then(|w| w.client_id),
        issuer_dlt_address: hex(&h.issuer),
        payer_dlt_address: hex(&h.payer),
        payee_dlt_address: hex(&h.payee),
        notary_dlt_address: hex(&h.notary),
        held_value: amount(chain, h.held_value),
        executed_value: amount(chain, h.executed_value),
        remaining_value: amount(chain, h.remaining),
        status: hold_status(h),
        dlt_network: chain.network.clone(),
        contract_address: hex(chain.contract.as_slice()),
        currency: chain.currency.clone(),
        issuer_id: chain.issuer_id,
        operation_id: operation,
        hold_key: hex(&h.hold_key),
        payer_wallet_id: payer_wallet,
        payee_wallet_id: payee_wallet,
        created_at: time(h.created_at),
        updated_at: time(h.updated_at),
        expiration: h.expiration.map(time),
    }
}

/// A user.
pub(crate) fn user(u: &UserRow) -> User {
    let representative = u.legal_representative.as_ref().and_then(|value| {
        serde_json::from_value(value.clone())
            .map_err(|e| tracing::error!(user = %u.id, error = %e, "stored legal representative unreadable"))
            .ok()
    });
    User {
        links: UserLinks {
            this: Link::new(format!("{PUBLIC}/users/{}", u.id)),
            wallets: Link::new(format!("{PUBLIC}/wallets?userId={}", u.id)),
        },
        id: u.id,
        kind: u.kind,
        status: u.status,
        kyc_level: u.kyc_level,
        client_id: u.client_id,
        client_alias: u.client_name.clone(),
        name: u.name.clone(),
        first_surname: u.first_surname.clone(),
        second_surname: u.second_surname.clone(),
        document_type: u.document_type,
        document_number: u.document_number.clone(),
        birth_date: u.birth_date,
        nationality: u.nationality.clone(),
        incorporation_date: u.incorporation_date,
        country: u.country.clone(),
        legal_representative: representative,
        email: u.email.clone(),
        mobile_phone: u.mobile_phone.clone(),
        mobile_phone_verified: u.phone_verified_at.is_some(),
        address: Address {
            street: u.address_street.clone(),
            city: u.address_city.clone(),
            postal_code: u.address_postal_code.clone(),
            region: u.address_region.clone(),
            country: u.address_country.clone(),
        },
        dlt_address: hex(&u.dlt_address),
        created_at: time(u.created_at),
        updated_at: time(u.updated_at),
    }
}

#[cfg(test)]
mod tests {
    use emtoken_store::vocabulary::HoldState;

    use super::*;

    fn view(
        chain: Option<HoldState>,
        request: Option<(RequestKind, RequestState)>,
        indexed: bool,
    ) -> HoldView {
        HoldView {
            id: Uuid::nil(),
            hold_key: vec![],
            operation_id: vec![],
            issuer: vec![],
            payer: vec![],
            payee: vec![],
            notary: vec![],
            held_value: Decimal::ZERO,
            executed_value: Decimal::ZERO,
            remaining: Decimal::ZERO,
            chain_status: chain,
            expiration: None,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
            request_kind: request.map(|(k, _)| k),
            request_state: request.map(|(_, s)| s),
            request_indexed: Some(indexed),
        }
    }

    /// The guide's statuses of a hold: the platform's request while it is on its way or failed, the
    /// chain's once the indexer has seen the request's transaction.
    #[test]
    fn a_hold_shows_its_request_until_the_index_has_it() {
        use RequestKind as K;
        use RequestState as R;
        let cases = [
            (None, None, false, "PENDING_DLT_CREATION"),
            (
                None,
                Some((K::Hold, R::Requested)),
                false,
                "CREATION_REQUESTED",
            ),
            (
                None,
                Some((K::Hold, R::PendingDlt)),
                false,
                "PENDING_DLT_CREATION",
            ),
            (None, Some((K::Hold, R::Failed)), false, "CREATION_FAILED"),
            (
                Some(HoldState::Created),
                Some((K::Hold, R::Mined)),
                true,
                "CREATED",
            ),
            (
                Some(HoldState::Created),
                Some((K::ExecuteHold, R::PendingDlt)),
                false,
                "PENDING_DLT_EXECUTION",
            ),
            (
                Some(HoldState::Executed),
                Some((K::ExecuteHold, R::PendingDlt)),
                true,
                "EXECUTED",
            ),
            (
                Some(HoldState::Created),
                Some((K::ExecuteHoldAndKeepOpen, R::Requested)),
                false,
                "EXECUTION_AND_KEEP_OPEN_REQUESTED",
            ),
            (
                Some(HoldState::Created),
                Some((K::ExecuteHoldAndKeepOpen, R::PendingDlt)),
                false,
                "PENDING_DLT_EXECUTE_AND_KEPT_OPEN",
            ),
            (
                Some(HoldState::Created),
                Some((K::ReleaseHold, R::Failed)),
                false,
                "RELEASE_FAILED",
            ),
            (
                Some(HoldState::Renewed),
                Some((K::RenewHold, R::Mined)),
                true,
                "RENEWED",
            ),
            (
                Some(HoldState::Created),
                Some((K::RenewHold, R::Mined)),
                false,
                "PENDING_DLT_RENEWAL",
            ),
            (
                Some(HoldState::Created),
                Some((K::ReleaseExpiredHold, R::Requested)),
                false,
                "PENDING_DLT_EXPIRATION",
            ),
            (
                Some(HoldState::Renewed),
                Some((K::ReleaseExpiredHold, R::PendingDlt)),
                false,
                "PENDING_DLT_EXPIRATION",
            ),
            (
                Some(HoldState::Created),
                Some((K::ReleaseExpiredHold, R::Mined)),
                false,
                "PENDING_DLT_EXPIRATION",
            ),
            (
                Some(HoldState::ReleasedOnExpiration),
                Some((K::ReleaseExpiredHold, R::Mined)),
                true,
                "RELEASED_ON_EXPIRATION",
            ),
            (
                Some(HoldState::Created),
                Some((K::ReleaseExpiredHold, R::Failed)),
                false,
                "CREATED",
            ),
            (
                Some(HoldState::ReleasedByNotary),
                Some((K::ReleaseExpiredHold, R::Failed)),
                false,
                "RELEASED_BY_NOTARY",
            ),
        ];
        for (chain, request, indexed, expected) in cases {
            let status = hold_status(&view(chain, request, indexed));
            assert_eq!(
                status.to_string(),
                expected,
                "{chain:?} {request:?} {indexed}"
            );
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::json!(expected)
            );
        }
    }
}
