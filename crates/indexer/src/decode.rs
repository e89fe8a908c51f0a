//! From RPC logs to stored event rows and typed events.

use std::{collections::HashMap, sync::OnceLock};

use alloy::{
    dyn_abi::{DynSolEvent, DynSolValue, Specifier},
    json_abi::{Event, JsonAbi},
    primitives::{B256, U256},
    rpc::types::Log,
    sol_types::SolEventInterface,
};
use chrono::{DateTime, Utc};
use emtoken_sdk::EmTokenEvents;
use emtoken_store::{EventRow, Hash};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::{Error, Result};

/// A log of the contract, decoded, with its stored form.
#[derive(Debug, Clone)]
pub(crate) struct Decoded {
    /// As stored.
    pub row: EventRow,
    /// As typed by the bindings.
    pub event: EmTokenEvents,
}

/// The contract's events by selector: the ABI entry and its decoder (resolved once, not per log).
fn events_by_selector() -> &'static HashMap<B256, (Event, DynSolEvent)> {
    static EVENTS: OnceLock<HashMap<B256, (Event, DynSolEvent)>> = OnceLock::new();
    EVENTS.get_or_init(|| {
        let artifact: Value = serde_json::from_str(emtoken_sdk::bindings::ARTIFACT_JSON)
            .expect("the committed artifact is JSON");
        let abi: JsonAbi = serde_json::from_value(artifact["abi"].clone())
            .expect("the committed artifact has an ABI");
        abi.events()
            .map(|e| {
                let decoder = e
                    .resolve()
                    .expect("the committed ABI's event types resolve");
                (e.selector(), (e.clone(), decoder))
            })
            .collect()
    })
}

/// Decodes the logs of one `eth_getLogs` answer (all from the contract), numbering each log's position
/// among the contract's logs of its transaction. Logs must come in chain order. `times` gives block
/// timestamps for logs that carry none.
pub(crate) fn decode_logs(
    logs: &[Log],
    times: &HashMap<u64, DateTime<Utc>>,
) -> Result<Vec<Decoded>> {
    let mut out = Vec::with_capacity(logs.len());
    let mut current_tx: Option<B256> = None;
    let mut ordinal = 0i32;
    for log in logs {
        let missing = |what: &str| Error::Node(format!("log without {what}: {log:?}"));
        let tx_hash = log
            .transaction_hash
            .ok_or_else(|| missing("transaction hash"))?;
        if current_tx == Some(tx_hash) {
            ordinal += 1;
        } else {
            current_tx = Some(tx_hash);
            ordinal = 0;
        }
        let block_number = log.block_number.ok_or_else(|| missing("block number"))?;
        let block_time = match log.block_timestamp {
            Some(seconds) => timestamp(seconds)?,
            None => *times
                .get(&block_number)
                .ok_or_else(|| missing("block timestamp"))?,
        };
        let event = EmTokenEvents::decode_log(&log.inner)
            .map_err(|e| Error::Node(format!("undecodable EmToken log {log:?}: {e}")))?
            .data;
        let (name, args) = arguments(log)?;
        out.push(Decoded {
            row: EventRow {
                block_hash: log.block_hash.ok_or_else(|| missing("block hash"))?.0,
                log_index: to_i64(log.log_index.ok_or_else(|| missing("log index"))?)?,
                block_number: to_i64(block_number)?,
                block_time,
                tx_hash: tx_hash.0,
                tx_index: to_i64(
                    log.transaction_index
                        .ok_or_else(|| missing("transaction index"))?,
                )?,
                tx_ordinal: ordinal,
                name,
                record_key: record_key(&event),
                args,
                topics: log.topics().iter().map(|t| t.to_vec()).collect(),
                data: log.data().data.to_vec(),
            },
            event,
        });
    }
    Ok(out)
}

/// Re-decodes a stored event.
pub(crate) fn decode_row(row: &EventRow) -> Result<Decoded> {
    let topics = row
        .topics
        .iter()
        .map(|t| B256::try_from(t.as_slice()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Store(emtoken_store::Error::Invalid(format!("stored topic: {e}"))))?;
    let data = alloy::primitives::LogData::new_unchecked(topics, row.data.clone().into());
    let log = alloy::primitives::Log {
        address: Default::default(),
        data,
    };
    let event = EmTokenEvents::decode_log(&log)
        .map_err(|e| {
            Error::Store(emtoken_store::Error::Invalid(format!(
                "stored event {}: {e}",
                row.name
            )))
        })?
        .data;
    Ok(Decoded {
        row: row.clone(),
        event,
    })
}

/// The event's name and its arguments by name (addresses and bytes as 0x hex, integers as decimal text).
fn arguments(log: &Log) -> Result<(String, Value)> {
    let topic0 = log
        .topic0()
        .ok_or_else(|| Error::Node(format!("anonymous log {log:?}")))?;
    let (event, decoder) = events_by_selector()
        .get(topic0)
        .ok_or_else(|| Error::Node(format!("unknown EmToken event {topic0}")))?;
    let decoded = decoder
        .decode_log_data(log.data())
        .map_err(|e| Error::Node(format!("undecodable {} log: {e}", event.name)))?;
    let (mut indexed, mut body) = (decoded.indexed.into_iter(), decoded.body.into_iter());
    let mut args = Map::new();
    for input in &event.inputs {
        let value = if input.indexed {
            indexed.next()
        } else {
            body.next()
        };
        args.insert(input.name.clone(), value.map(json).unwrap_or(Value::Null));
    }
    Ok((event.name.clone(), Value::Object(args)))
}

fn json(value: DynSolValue) -> Value {
    match value {
        DynSolValue::Address(a) => Value::String(format!("{a:#x}")),
        DynSolValue::Bool(b) => Value::Bool(b),
        DynSolValue::Uint(u, _) => Value::String(u.to_string()),
        DynSolValue::Int(i, _) => Value::String(i.to_string()),
        DynSolValue::FixedBytes(w, size) => Value::String(format!("0x{}", hex(&w[..size]))),
        DynSolValue::Bytes(b) => Value::String(format!("0x{}", hex(&b))),
        DynSolValue::String(s) => Value::String(s),
        other => Value::String(format!("{other:?}")),
    }
}

fn hex(bytes: &[u8]) -> String {
    alloy::hex::encode(bytes)
}

/// The hold or order the event is about.
pub(crate) fn record_key(event: &EmTokenEvents) -> Option<Hash> {
    use EmTokenEvents as E;
    let key = match event {
        E::HoldCreated(e) => e.holdId,
        E::HoldExecuted(e) => e.holdId,
        E::HoldReleased(e) => e.holdId,
        E::HoldRenewed(e) => e.holdId,
        E::ClearableTransferOrdered(e) => e.orderId,
        E::ClearableTransferInProcess(e) => e.orderId,
        E::ClearableTransferExecuted(e) => e.orderId,
        E::ClearableTransferRejected(e) => e.orderId,
        E::ClearableTransferCancelled(e) => e.orderId,
        E::FundOrdered(e) => e.orderId,
        E::FundInProcess(e) => e.orderId,
        E::FundExecuted(e) => e.orderId,
        E::FundRejected(e) => e.orderId,
        E::FundCancelled(e) => e.orderId,
        E::PayoutOrdered(e) => e.orderId,
        E::PayoutInProcess(e) => e.orderId,
        E::PayoutFundsInSuspense(e) => e.orderId,
        E::PayoutExecuted(e) => e.orderId,
        E::PayoutRejected(e) => e.orderId,
        E::PayoutCancelled(e) => e.orderId,
        E::OperatorTransferExecuted(e) => e.transferId,
        _ => return None,
    };
    Some(key.0)
}

/// A token amount in base units as the store keeps it (EmToken caps every amount at 2^96 - 1).
pub(crate) fn units(value: U256) -> Result<Decimal> {
    emtoken_sdk::Amount::units_of(value).map_err(|e| Error::Node(e.to_string()))
}

/// A block timestamp (seconds) as a UTC time.
pub(crate) fn timestamp(seconds: u64) -> Result<DateTime<Utc>> {
    i64::try_from(seconds)
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .ok_or_else(|| Error::Node(format!("block timestamp {seconds} out of range")))
}

/// A chain quantity as a database BIGINT.
pub(crate) fn to_i64(n: u64) -> Result<i64> {
    i64::try_from(n).map_err(|_| Error::Node(format!("number {n} exceeds 2^63 - 1")))
}
