//! The outputs users script against, pinned: `emtoken wallets` (and `--system`), `movements` and
//! `holds`, as text tables and as `--json`, over one deterministic history (anvil's fixed accounts,
//! fixed amounts, operation ids and payment references). A change of a column, a field name or a
//! spelling shows as a snapshot diff (`tests/snapshots/`); after an intended one, write them again with
//! `INSTA_UPDATE=always cargo test -p emtoken-cli --test output_snapshots` and read the diff.
//!
//! What the chain decides anew on every run is redacted, each for its reason (see [`VOLATILE`]):
//! times, transaction and block hashes, block numbers, and the movement ids derived from a transaction
//! hash. Everything else (wallet ids, hold keys, ids tied to a record, the contract address: all derive
//! from the fixed accounts and operation ids) stays, as it is part of the contract with users.

mod common;

use alloy_primitives::B256;
use common::{Db, lower, success};
use emtoken_sdk::{Amount, MintKind, OperationId};
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::Deployed;
use serde_json::Value;

fn amount(text: &str) -> Amount {
    Amount::parse(text, emtoken_workload::DECIMALS).expect("amount")
}

/// A fixed operation id (hold and payout keys derive from it and the caller).
fn operation(byte: u8) -> OperationId {
    OperationId::from_bytes(B256::repeat_byte(byte))
}

/// JSON fields the chain decides anew on every run, and why.
const VOLATILE: [(&str, &str); 7] = [
    // Block timestamps: the wall clock when anvil mined the block.
    ("createdAt", "[block time]"),
    ("updatedAt", "[block time]"),
    // A transaction's hash covers its fee fields (from the node's estimate); a block's hash its time.
    ("txHash", "[tx hash]"),
    ("createdTxHash", "[tx hash]"),
    ("blockHash", "[block hash]"),
    // Block numbers count every transaction before (the deployment's included, some sent
    // concurrently): a change there is not a change of output.
    ("blockNumber", "[block]"),
    ("createdBlock", "[block]"),
];

/// The items of `--json`'s array as serde_json pretty-prints them (each item opens with `  {` and
/// closes with `  }`), one text per item: redacted and sorted as text, so the fields keep the order the
/// command prints them in.
fn items(json: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut item = String::new();
    for line in json.lines() {
        match line {
            "[" | "]" | "[]" => {}
            "  }" | "  }," => {
                item.push_str("  }");
                items.push(std::mem::take(&mut item));
            }
            line => {
                item.push_str(line);
                item.push('\n');
            }
        }
    }
    assert_eq!(
        array(&items),
        json.trim_end(),
        "not serde_json's pretty layout"
    );
    items
}

fn array(items: &[String]) -> String {
    if items.is_empty() {
        return "[]".to_owned();
    }
    format!("[\n{}\n]", items.join(",\n"))
}

/// `--json` output with the volatile fields replaced. A movement tied to no record (or a hold's payment
/// or release) has an id derived from its transaction hash: redacted too; record ids stay.
fn redacted_json(output: &std::process::Output) -> String {
    let items: Vec<String> = items(&success(output))
        .into_iter()
        .map(|item| {
            let value: Value = serde_json::from_str(&item).expect("a JSON object");
            let event_id = value
                .get("recordKind")
                .is_some_and(|kind| kind.is_null() || (kind == "HOLD" && value["type"] != "LOCK"));
            let id = event_id.then_some(("id", "[id from the tx hash]"));
            let mut lines = Vec::new();
            for line in item.lines() {
                let field = line.trim_start().split('"').nth(1).unwrap_or_default();
                let placeholder = VOLATILE.iter().chain(&id).find(|(f, _)| *f == field);
                lines.push(match placeholder {
                    Some((_, text)) => {
                        let comma = if line.ends_with(',') { "," } else { "" };
                        format!("    \"{field}\": \"{text}\"{comma}")
                    }
                    None => line.to_owned(),
                });
            }
            lines.join("\n")
        })
        .collect();
    array(&items)
}

/// A text table with the cells of `columns` replaced by `#`s of the same width, so the layout keeps.
/// Left-aligned cells start under their header, right-aligned ones end under it.
fn redacted_table(output: &std::process::Output, columns: &[&str]) -> String {
    let text = success(output);
    let mut lines: Vec<Vec<char>> = text.lines().map(|l| l.chars().collect()).collect();
    let header: String = lines[0].iter().collect();
    for column in columns {
        let start = header
            .find(&format!("{column} "))
            .or_else(|| header.find(&format!(" {column}")).map(|i| i + 1))
            .unwrap_or_else(|| panic!("no column {column} in {header}"));
        let start = header[..start].chars().count();
        let end = start + column.chars().count();
        for line in lines.iter_mut().skip(1) {
            let is_cell = |i: usize| line.get(i).is_some_and(|c| *c != ' ');
            // A cell under the header's first or last character: widen it to its spaces.
            let (mut from, mut to) = if is_cell(start) {
                (start, start)
            } else {
                (end - 1, end - 1)
            };
            while from > 0 && is_cell(from - 1) {
                from -= 1;
            }
            while is_cell(to) {
                to += 1;
            }
            for c in &mut line[from..to] {
                *c = '#';
            }
        }
    }
    let lines: Vec<String> = lines.into_iter().map(|l| l.into_iter().collect()).collect();
    lines.join("\n")
}

/// The rows of a table sorted (keeping the header), for lists whose order follows the block each
/// wallet was first seen in: the deployment registers the users concurrently, so which is mined first
/// is not the output's to pin.
fn sorted_rows(table: &str) -> String {
    let mut lines: Vec<&str> = table.lines().collect();
    lines[1..].sort_unstable();
    lines.join("\n")
}

fn sorted_by_address(json: &str) -> String {
    let mut items = items(json);
    let address = |item: &String| {
        let value: Value = serde_json::from_str(item).expect("a JSON object");
        value["dltAddress"].as_str().expect("an address").to_owned()
    };
    items.sort_by_cached_key(address);
    array(&items)
}

#[tokio::test(flavor = "multi_thread")]
async fn wallets_movements_and_holds_as_text_and_json() {
    let node = DevNode::spawn(ProfileName::Dev).expect("spawn anvil");
    let d = Deployed::deploy(&node).await.expect("deploy");
    let (alice, bob, carol) = (
        d.address_of(Role::Alice),
        d.address_of(Role::Bob),
        d.address_of(Role::Carol),
    );
    let (notary, suspense) = (d.address_of(Role::Notary), d.address_of(Role::Suspense));
    let operator = &d.operator;
    // Cash-ins by card and by bank transfer, against fixed payment references; a transfer.
    operator
        .mint(
            alice,
            amount("100"),
            MintKind::Card,
            B256::repeat_byte(0xc1),
        )
        .await
        .expect("mint");
    operator
        .mint(
            bob,
            amount("25.50"),
            MintKind::BankTransfer,
            B256::repeat_byte(0xc2),
        )
        .await
        .expect("mint");
    d.alice
        .transfer(bob, amount("10.25"))
        .await
        .expect("transfer");
    // Three holds: one open, one executed in part and kept open, one (to alice) released.
    d.alice
        .hold(operation(0x11), bob, notary, amount("5"), None)
        .await
        .expect("hold");
    let kept = d
        .alice
        .hold(operation(0x12), carol, notary, amount("20"), None)
        .await
        .expect("hold");
    d.notary
        .execute_hold_and_keep_open(kept.id, amount("7.50"))
        .await
        .expect("execute");
    let released = d
        .bob
        .hold(operation(0x13), alice, notary, amount("3"), None)
        .await
        .expect("hold");
    d.notary.release_hold(released.id).await.expect("release");
    // A payout whose funds wait in the suspense account.
    let payout = d
        .alice
        .order_payout(operation(0x14), amount("7"), B256::repeat_byte(0x15))
        .await
        .expect("payout");
    operator.process_payout(payout.id).await.expect("process");
    operator
        .put_funds_in_suspense(payout.id)
        .await
        .expect("suspense");

    let db = Db::fresh().await;
    let rpc = node.endpoint_url().to_string();
    db.index_until_head(&rpc, d.address, &["--network", "devnet"]);
    let (alice, suspense) = (lower(alice), lower(suspense));

    let wallets = db.emtoken(&["wallets"]);
    insta::assert_snapshot!("wallets", sorted_rows(&success(&wallets)));
    let wallets = db.emtoken(&["--json", "wallets"]);
    insta::assert_snapshot!("wallets_json", sorted_by_address(&success(&wallets)));
    insta::assert_snapshot!(
        "wallets_system",
        success(&db.emtoken(&["wallets", "--system"]))
    );
    let system = db.emtoken(&["--json", "wallets", "--system"]);
    insta::assert_snapshot!("wallets_system_json", success(&system));

    let movements = db.emtoken(&["movements", "--wallet", &alice]);
    let columns = ["created", "block", "tx"];
    insta::assert_snapshot!("movements", redacted_table(&movements, &columns));
    let movements = db.emtoken(&["--json", "movements", "--wallet", &alice]);
    insta::assert_snapshot!("movements_json", redacted_json(&movements));
    let movements = db.emtoken(&["movements", "--wallet", &suspense]);
    insta::assert_snapshot!("movements_suspense", redacted_table(&movements, &columns));

    let holds = db.emtoken(&["holds", "--wallet", &alice]);
    insta::assert_snapshot!("holds", redacted_table(&holds, &["created"]));
    let holds = db.emtoken(&["--json", "holds", "--wallet", &alice]);
    insta::assert_snapshot!("holds_json", redacted_json(&holds));
    let open = db.emtoken(&["holds", "--notary", &lower(notary), "--status", "open"]);
    insta::assert_snapshot!("holds_notary_open", redacted_table(&open, &["created"]));
}
