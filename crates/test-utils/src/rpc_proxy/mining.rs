//! The node's newest block seen as still being mined (rule `newest_block_in_mining`).
//!
//! Anvil, while it mines block N+1, already answers state reads at block N from its live state, which
//! holds N+1's transactions, and only then reports N+1 as its head. The proxy holds that moment still: it
//! keeps the newest block out of sight and answers `eth_call`s at the block below it from the newest
//! state.

use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use super::{JSON, Reply, Shared, quantity, reply};

impl Shared {
    /// The answer to one (non-batch) call under the rule, or `None` to forward it untouched:
    /// `eth_blockNumber` is one less than the node's, `eth_getBlockByNumber` of the newest block is
    /// `null` ("latest" is the block below it), and an `eth_call` at the visible head (by hash or number)
    /// reads "latest" instead. Other calls, `eth_getLogs` among them, pass untouched.
    pub(super) async fn mining_view(&self, call: &Value) -> Option<Reply> {
        let method = call.get("method")?.as_str()?;
        let params = call.get("params").cloned().unwrap_or_else(|| json!([]));
        let newest = quantity(self.call("eth_blockNumber", json!([])).await?.as_str()?)?;
        let visible = newest.checked_sub(1)?;
        let answer = |result: Value| {
            let body = json!({"jsonrpc": "2.0", "id": call.get("id"), "result": result});
            Some(reply(StatusCode::OK, JSON, body.to_string()))
        };
        match method {
            "eth_blockNumber" => answer(json!(format!("{visible:#x}"))),
            "eth_getBlockByNumber" => {
                let number = match params.get(0)?.as_str()? {
                    "latest" | "pending" | "safe" | "finalized" => visible,
                    number => quantity(number)?,
                };
                if number > visible {
                    return answer(Value::Null);
                }
                let mut call = call.clone();
                call["params"][0] = json!(format!("{number:#x}"));
                Some(self.forward(Method::POST, call.to_string().into()).await)
            }
            "eth_call" => {
                let at = params.as_array()?.last()?;
                let head = self
                    .call(
                        "eth_getBlockByNumber",
                        json!([format!("{visible:#x}"), false]),
                    )
                    .await?;
                let at_head = match at {
                    Value::Object(id) => {
                        id.get("blockHash")
                            .is_some_and(|h| Some(h) == head.get("hash"))
                            || id
                                .get("blockNumber")
                                .is_some_and(|n| Some(n) == head.get("number"))
                    }
                    Value::String(id) if id.len() == 66 => Some(at) == head.get("hash"),
                    Value::String(number) => quantity(number) == Some(visible),
                    _ => false,
                };
                if !at_head {
                    return None;
                }
                let mut call = call.clone();
                let last = call["params"].as_array()?.len() - 1;
                call["params"][last] = json!("latest");
                self.stats().state_reads_ahead += 1;
                Some(self.forward(Method::POST, call.to_string().into()).await)
            }
            _ => None,
        }
    }
}
