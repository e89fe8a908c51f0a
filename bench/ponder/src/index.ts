// EmToken's events into rows equivalent to EmToken's indexer (docs/records.md), for the
// side-by-side benchmark: every event is stored; transfers give TRANSFER_OUT / TRANSFER_IN; mints a
// cash-in; holds LOCK, TRANSFER_OUT/IN on execution and RELEASE of what is unlocked; two-step transfers
// PENDING OUT/IN decided by the order's outcome; payouts a PENDING BANK_ACCOUNT_CASHOUT and fund orders a
// PENDING BANK_ACCOUNT_CASHIN, decided likewise; the suspense account a SUSPENSE_IN when a payout's funds
// reach it and a SUSPENSE_OUT when they are burnt or sent back.
// Wallet balances and held amounts follow every event, as the indexer's do.
import { ponder } from "ponder:registry";
import { event, hold, movement, order, wallet } from "ponder:schema";
import { type Hex, toFunctionSelector, zeroAddress } from "viem";

type Ctx = { db: any };
type Ev = {
  id: string;
  name?: string;
  args: any;
  log: { logIndex: number };
  block: { number: bigint };
  transaction: { hash: Hex; input: Hex };
};

// A Transfer log inside these calls belongs to a record whose movements already exist (a two-step
// transfer's; a payout's: its funds moved to the suspense account, then burnt, or given back on rejection).
const RECORD_SETTLEMENTS = new Set(
  [
    "executeClearableTransfer(bytes32)",
    "executePayout(bytes32)",
    "putFundsInSuspenseInPayout(bytes32)",
    "rejectPayout(bytes32,string)",
  ].map((f) => toFunctionSelector(f)),
);

const MINT_KINDS = ["CARD_CASHIN", "BANK_ACCOUNT_CASHIN"];

async function addBalance(db: any, address: Hex, balance: bigint, held: bigint) {
  if (address === zeroAddress) return;
  await db
    .insert(wallet)
    .values({ address, balance, held })
    .onConflictDoUpdate((row: any) => ({ balance: row.balance + balance, held: row.held + held }));
}

async function addMovement(
  db: any,
  e: Ev,
  role: string,
  type: string,
  status: string,
  who: Hex,
  amount: bigint,
  recordKey: Hex | null = null,
  id?: string,
) {
  await db.insert(movement).values({
    id: id ?? `${e.id}-${role}`,
    type,
    status,
    wallet: who,
    amount,
    recordKey,
    txHash: e.transaction.hash,
    blockNumber: e.block.number,
    logIndex: e.log.logIndex,
  });
}

async function setStatus(db: any, ids: string[], status: string) {
  for (const id of ids) {
    await db.update(movement, { id }).set({ status });
  }
}

function on(name: string, handle?: (e: Ev, db: any) => Promise<void>) {
  ponder.on(`EmToken:${name}` as any, async ({ event: e, context }: { event: Ev; context: Ctx }) => {
    await context.db.insert(event).values({
      id: e.id,
      name,
      blockNumber: e.block.number,
      logIndex: e.log.logIndex,
      txHash: e.transaction.hash,
    });
    if (handle) await handle(e, context.db);
  });
}

on("Transfer", async (e, db) => {
  const { from, to, value } = e.args;
  await addBalance(db, from, -value, 0n);
  await addBalance(db, to, value, 0n);
  if (from === zeroAddress || to === zeroAddress) return; // mint / burn: Minted, payouts
  if (RECORD_SETTLEMENTS.has(e.transaction.input.slice(0, 10) as Hex)) return;
  await addMovement(db, e, "OUT", "TRANSFER_OUT", "SUCCESS", from, value);
  await addMovement(db, e, "IN", "TRANSFER_IN", "SUCCESS", to, value);
});

on("Minted", async (e, db) => {
  await addMovement(db, e, "CASHIN", MINT_KINDS[Number(e.args.kind)] ?? "CARD_CASHIN", "SUCCESS", e.args.to, e.args.value);
});

on("HoldCreated", async (e, db) => {
  const a = e.args;
  await db.insert(hold).values({
    id: a.holdId,
    payer: a.payer,
    payee: a.payee,
    notary: a.notary,
    value: a.value,
    executed: 0n,
    released: 0n,
    remaining: a.value,
    status: "CREATED",
  });
  await addBalance(db, a.payer, 0n, a.value);
  await addMovement(db, e, "LOCK", "LOCK", "SUCCESS", a.payer, a.value, a.holdId);
});

on("HoldExecuted", async (e, db) => {
  const a = e.args;
  await db.update(hold, { id: a.holdId }).set((row: any) => ({
    executed: row.executed + a.executedValue,
    released: row.released + a.releasedValue,
    remaining: a.remaining,
    status: a.remaining > 0n ? "EXECUTED_AND_KEPT_OPEN" : "EXECUTED",
  }));
  await addBalance(db, a.payer, 0n, -(a.executedValue + a.releasedValue));
  if (a.releasedValue > 0n) {
    await addMovement(db, e, "RELEASE", "RELEASE", "SUCCESS", a.payer, a.releasedValue, a.holdId);
  }
});

on("HoldReleased", async (e, db) => {
  const a = e.args;
  await db.update(hold, { id: a.holdId }).set((row: any) => ({
    released: row.released + a.releasedValue,
    remaining: 0n,
    status: "RELEASED",
  }));
  await addBalance(db, a.payer, 0n, -a.releasedValue);
  await addMovement(db, e, "RELEASE", "RELEASE", "SUCCESS", a.payer, a.releasedValue, a.holdId);
});

on("HoldRenewed", async (e, db) => {
  await db.update(hold, { id: e.args.holdId }).set({ status: "RENEWED" });
});

// Orders: the order row, the payer's held amount follows `locked`, and the order's movements.
async function ordered(db: any, e: Ev, kind: string, payer: Hex, payee: Hex | null) {
  const a = e.args;
  await db.insert(order).values({
    id: `${kind}-${a.orderId}`,
    kind,
    payer,
    payee,
    value: a.value,
    locked: a.locked,
    status: "ORDERED",
  });
  await addBalance(db, payer, 0n, a.locked);
}

async function decided(db: any, e: Ev, kind: string, status: string, movements: string[]) {
  const a = e.args;
  const row = await db.find(order, { id: `${kind}-${a.orderId}` });
  if (!row) return;
  await db.update(order, { id: row.id }).set({ status, locked: a.locked });
  await addBalance(db, row.payer, 0n, a.locked - row.locked);
  await setStatus(db, movements, status === "EXECUTED" ? "SUCCESS" : status === "IN_PROCESS" ? "PENDING" : "ERROR");
}

const orderMovement = (kind: string, key: Hex, role: string) => `${kind}-${key}-${role}`;

on("ClearableTransferOrdered", async (e, db) => {
  const a = e.args;
  await ordered(db, e, "TRANSFER", a.from, a.to);
  await addMovement(db, e, "OUT", "TRANSFER_OUT", "PENDING", a.from, a.value, a.orderId, orderMovement("TRANSFER", a.orderId, "OUT"));
  await addMovement(db, e, "IN", "TRANSFER_IN", "PENDING", a.to, a.value, a.orderId, orderMovement("TRANSFER", a.orderId, "IN"));
});
const transferMovements = (e: Ev) => ["OUT", "IN"].map((r) => orderMovement("TRANSFER", e.args.orderId, r));
on("ClearableTransferInProcess", (e, db) => decided(db, e, "TRANSFER", "IN_PROCESS", transferMovements(e)));
on("ClearableTransferExecuted", (e, db) => decided(db, e, "TRANSFER", "EXECUTED", transferMovements(e)));
on("ClearableTransferRejected", (e, db) => decided(db, e, "TRANSFER", "REJECTED", transferMovements(e)));
on("ClearableTransferCancelled", (e, db) => decided(db, e, "TRANSFER", "CANCELLED", transferMovements(e)));

// A fund order: a PENDING BANK_ACCOUNT_CASHIN decided by the order (its execution mints with a plain
// Transfer from zero, which has no movement of its own).
const fundMovements = (e: Ev) => [orderMovement("FUND", e.args.orderId, "CASHIN")];
on("FundOrdered", async (e, db) => {
  const a = e.args;
  await ordered(db, e, "FUND", a.walletToFund, null);
  await addMovement(db, e, "CASHIN", "BANK_ACCOUNT_CASHIN", "PENDING", a.walletToFund, a.value, a.orderId, fundMovements(e)[0]);
});
on("FundInProcess", (e, db) => decided(db, e, "FUND", "IN_PROCESS", fundMovements(e)));
on("FundExecuted", (e, db) => decided(db, e, "FUND", "EXECUTED", fundMovements(e)));
on("FundRejected", (e, db) => decided(db, e, "FUND", "REJECTED", fundMovements(e)));
on("FundCancelled", (e, db) => decided(db, e, "FUND", "CANCELLED", fundMovements(e)));

const payoutMovements = (e: Ev) => [orderMovement("PAYOUT", e.args.orderId, "CASHOUT")];
on("PayoutOrdered", async (e, db) => {
  const a = e.args;
  await ordered(db, e, "PAYOUT", a.wallet, null);
  await addMovement(db, e, "CASHOUT", "BANK_ACCOUNT_CASHOUT", "PENDING", a.wallet, a.value, a.orderId, payoutMovements(e)[0]);
});
on("PayoutInProcess", (e, db) => decided(db, e, "PAYOUT", "IN_PROCESS", payoutMovements(e)));
// The suspense account's side of a payout, done once mined: its funds in, then burnt or sent back.
const suspenseMovement = (e: Ev, role: string) => orderMovement("PAYOUT", e.args.orderId, role);
on("PayoutFundsInSuspense", async (e, db) => {
  const a = e.args;
  await decided(db, e, "PAYOUT", "FUNDS_IN_SUSPENSE", []);
  await addMovement(db, e, "SUSPENSE_IN", "SUSPENSE_IN", "SUCCESS", a.suspenseAccount, a.value, a.orderId, suspenseMovement(e, "SUSPENSE_IN"));
});
on("PayoutExecuted", async (e, db) => {
  const a = e.args;
  await decided(db, e, "PAYOUT", "EXECUTED", payoutMovements(e));
  if (a.burntFrom !== a.wallet) {
    await addMovement(db, e, "SUSPENSE_OUT", "SUSPENSE_OUT", "SUCCESS", a.burntFrom, a.value, a.orderId, suspenseMovement(e, "SUSPENSE_OUT"));
  }
});
on("PayoutRejected", async (e, db) => {
  const a = e.args;
  await decided(db, e, "PAYOUT", "REJECTED", payoutMovements(e));
  if (a.refundedFrom !== zeroAddress && a.refundedFrom !== a.wallet) {
    await addMovement(db, e, "SUSPENSE_OUT", "SUSPENSE_OUT", "SUCCESS", a.refundedFrom, a.value, a.orderId, suspenseMovement(e, "SUSPENSE_OUT"));
  }
});
on("PayoutCancelled", (e, db) => decided(db, e, "PAYOUT", "CANCELLED", payoutMovements(e)));

// Events without movements are still stored, as the indexer stores every event.
for (const name of [
  "Approval",
  "OperatorTransferExecuted",
  "WalletRegistered",
  "KycLevelChanged",
  "TierSet",
  "Frozen",
  "Unfrozen",
  "OperatorAuthorized",
  "OperatorRevoked",
  "SuspenseAccountChanged",
  "Paused",
  "Unpaused",
  "RoleAdminChanged",
  "RoleGranted",
  "RoleRevoked",
  "Initialized",
  "Upgraded",
  "UpgradeProposed",
  "UpgradeCancelled",
  "AuthorizationUsed",
  "AuthorizationCanceled",
  "MinterConfigured",
  "TokensRescued",
  "Wiped",
  "FeeAccountChanged",
  "FeeCharged",
]) {
  on(name);
}
