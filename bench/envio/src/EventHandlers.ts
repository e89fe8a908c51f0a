// EmToken's events into rows equivalent to EmToken's indexer, for the side-by-side benchmark: the same
// records as bench/ponder/src/EmToken.ts writes (see there for the mapping), in Envio's handler API. Every
// event is stored; Transfer-like events give movements; wallet balances and held amounts follow every event.
import { indexer } from "envio";
import { toFunctionSelector, zeroAddress } from "viem";

type Ev = {
  chainId: number;
  logIndex: number;
  params: any;
  block: { number: number };
  transaction: { hash: string; input?: string };
};
type Ctx = any;

// A Transfer log inside these calls belongs to a record whose movements already exist.
const RECORD_SETTLEMENTS = new Set(
  [
    "executeClearableTransfer(bytes32)",
    "executePayout(bytes32)",
    "putFundsInSuspenseInPayout(bytes32)",
    "rejectPayout(bytes32,string)",
  ].map((f) => toFunctionSelector(f)),
);

const MINT_KINDS = ["CARD_CASHIN", "BANK_ACCOUNT_CASHIN"];

const eventId = (e: Ev) => `${e.block.number}-${e.logIndex}`;

async function addBalance(context: Ctx, address: string, balance: bigint, held: bigint) {
  if (address === zeroAddress) return;
  const row = await context.Wallet.get(address);
  context.Wallet.set(
    row
      ? { ...row, balance: row.balance + balance, held: row.held + held }
      : { id: address, balance, held },
  );
}

function addMovement(
  context: Ctx,
  e: Ev,
  role: string,
  type: string,
  status: string,
  who: string,
  amount: bigint,
  recordKey?: string,
  id?: string,
) {
  context.Movement.set({
    id: id ?? `${eventId(e)}-${role}`,
    type,
    status,
    wallet: who,
    amount,
    recordKey,
    txHash: e.transaction.hash,
    blockNumber: BigInt(e.block.number),
    logIndex: e.logIndex,
  });
}

async function setStatus(context: Ctx, ids: string[], status: string) {
  for (const id of ids) {
    const row = await context.Movement.get(id);
    if (row) context.Movement.set({ ...row, status });
  }
}

function on(name: string, handle?: (e: Ev, context: Ctx) => Promise<void>) {
  indexer.onEvent({ contract: "EmToken", event: name } as any, async ({ event, context }: any) => {
    const e = event as Ev;
    context.ChainEvent.set({
      id: eventId(e),
      name,
      blockNumber: BigInt(e.block.number),
      logIndex: e.logIndex,
      txHash: e.transaction.hash,
    });
    if (handle) await handle(e, context);
  });
}

on("Transfer", async (e, context) => {
  const { from, to, value } = e.params;
  await addBalance(context, from, -value, 0n);
  await addBalance(context, to, value, 0n);
  if (from === zeroAddress || to === zeroAddress) return; // mint / burn: Minted, payouts
  if (RECORD_SETTLEMENTS.has((e.transaction.input ?? "").slice(0, 10) as `0x${string}`)) return;
  addMovement(context, e, "OUT", "TRANSFER_OUT", "SUCCESS", from, value);
  addMovement(context, e, "IN", "TRANSFER_IN", "SUCCESS", to, value);
});

on("Minted", async (e, context) => {
  const a = e.params;
  addMovement(context, e, "CASHIN", MINT_KINDS[Number(a.kind)] ?? "CARD_CASHIN", "SUCCESS", a.to, a.value);
});

on("HoldCreated", async (e, context) => {
  const a = e.params;
  context.Hold.set({
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
  await addBalance(context, a.payer, 0n, a.value);
  addMovement(context, e, "LOCK", "LOCK", "SUCCESS", a.payer, a.value, a.holdId);
});

on("HoldExecuted", async (e, context) => {
  const a = e.params;
  const row = await context.Hold.get(a.holdId);
  if (row) {
    context.Hold.set({
      ...row,
      executed: row.executed + a.executedValue,
      released: row.released + a.releasedValue,
      remaining: a.remaining,
      status: a.remaining > 0n ? "EXECUTED_AND_KEPT_OPEN" : "EXECUTED",
    });
  }
  await addBalance(context, a.payer, 0n, -(a.executedValue + a.releasedValue));
  if (a.releasedValue > 0n) {
    addMovement(context, e, "RELEASE", "RELEASE", "SUCCESS", a.payer, a.releasedValue, a.holdId);
  }
});

on("HoldReleased", async (e, context) => {
  const a = e.params;
  const row = await context.Hold.get(a.holdId);
  if (row) {
    context.Hold.set({ ...row, released: row.released + a.releasedValue, remaining: 0n, status: "RELEASED" });
  }
  await addBalance(context, a.payer, 0n, -a.releasedValue);
  addMovement(context, e, "RELEASE", "RELEASE", "SUCCESS", a.payer, a.releasedValue, a.holdId);
});

on("HoldRenewed", async (e, context) => {
  const row = await context.Hold.get(e.params.holdId);
  if (row) context.Hold.set({ ...row, status: "RENEWED" });
});

// Orders: the order row, the payer's held amount follows `locked`, and the order's movements.
async function ordered(context: Ctx, e: Ev, kind: string, payer: string, payee?: string) {
  const a = e.params;
  context.Order.set({
    id: `${kind}-${a.orderId}`,
    kind,
    payer,
    payee,
    value: a.value,
    locked: a.locked,
    status: "ORDERED",
  });
  await addBalance(context, payer, 0n, a.locked);
}

async function decided(context: Ctx, e: Ev, kind: string, status: string, movements: string[]) {
  const a = e.params;
  const row = await context.Order.get(`${kind}-${a.orderId}`);
  if (!row) return;
  context.Order.set({ ...row, status, locked: a.locked });
  await addBalance(context, row.payer, 0n, a.locked - row.locked);
  await setStatus(
    context,
    movements,
    status === "EXECUTED" ? "SUCCESS" : status === "IN_PROCESS" ? "PENDING" : "ERROR",
  );
}

const orderMovement = (kind: string, key: string, role: string) => `${kind}-${key}-${role}`;

on("ClearableTransferOrdered", async (e, context) => {
  const a = e.params;
  await ordered(context, e, "TRANSFER", a.from, a.to);
  addMovement(context, e, "OUT", "TRANSFER_OUT", "PENDING", a.from, a.value, a.orderId, orderMovement("TRANSFER", a.orderId, "OUT"));
  addMovement(context, e, "IN", "TRANSFER_IN", "PENDING", a.to, a.value, a.orderId, orderMovement("TRANSFER", a.orderId, "IN"));
});
const transferMovements = (e: Ev) => ["OUT", "IN"].map((r) => orderMovement("TRANSFER", e.params.orderId, r));
on("ClearableTransferInProcess", (e, c) => decided(c, e, "TRANSFER", "IN_PROCESS", transferMovements(e)));
on("ClearableTransferExecuted", (e, c) => decided(c, e, "TRANSFER", "EXECUTED", transferMovements(e)));
on("ClearableTransferRejected", (e, c) => decided(c, e, "TRANSFER", "REJECTED", transferMovements(e)));
on("ClearableTransferCancelled", (e, c) => decided(c, e, "TRANSFER", "CANCELLED", transferMovements(e)));

// A fund order: a PENDING BANK_ACCOUNT_CASHIN decided by the order.
const fundMovements = (e: Ev) => [orderMovement("FUND", e.params.orderId, "CASHIN")];
on("FundOrdered", async (e, context) => {
  const a = e.params;
  await ordered(context, e, "FUND", a.walletToFund);
  addMovement(context, e, "CASHIN", "BANK_ACCOUNT_CASHIN", "PENDING", a.walletToFund, a.value, a.orderId, fundMovements(e)[0]);
});
on("FundInProcess", (e, c) => decided(c, e, "FUND", "IN_PROCESS", fundMovements(e)));
on("FundExecuted", (e, c) => decided(c, e, "FUND", "EXECUTED", fundMovements(e)));
on("FundRejected", (e, c) => decided(c, e, "FUND", "REJECTED", fundMovements(e)));
on("FundCancelled", (e, c) => decided(c, e, "FUND", "CANCELLED", fundMovements(e)));

const payoutMovements = (e: Ev) => [orderMovement("PAYOUT", e.params.orderId, "CASHOUT")];
on("PayoutOrdered", async (e, context) => {
  const a = e.params;
  await ordered(context, e, "PAYOUT", a.wallet);
  addMovement(context, e, "CASHOUT", "BANK_ACCOUNT_CASHOUT", "PENDING", a.wallet, a.value, a.orderId, payoutMovements(e)[0]);
});
on("PayoutInProcess", (e, c) => decided(c, e, "PAYOUT", "IN_PROCESS", payoutMovements(e)));
// The suspense account's side of a payout: its funds in, then burnt or sent back.
const suspenseMovement = (e: Ev, role: string) => orderMovement("PAYOUT", e.params.orderId, role);
on("PayoutFundsInSuspense", async (e, context) => {
  const a = e.params;
  await decided(context, e, "PAYOUT", "FUNDS_IN_SUSPENSE", []);
  addMovement(context, e, "SUSPENSE_IN", "SUSPENSE_IN", "SUCCESS", a.suspenseAccount, a.value, a.orderId, suspenseMovement(e, "SUSPENSE_IN"));
});
on("PayoutExecuted", async (e, context) => {
  const a = e.params;
  await decided(context, e, "PAYOUT", "EXECUTED", payoutMovements(e));
  if (a.burntFrom !== a.wallet) {
    addMovement(context, e, "SUSPENSE_OUT", "SUSPENSE_OUT", "SUCCESS", a.burntFrom, a.value, a.orderId, suspenseMovement(e, "SUSPENSE_OUT"));
  }
});
on("PayoutRejected", async (e, context) => {
  const a = e.params;
  await decided(context, e, "PAYOUT", "REJECTED", payoutMovements(e));
  if (a.refundedFrom !== zeroAddress && a.refundedFrom !== a.wallet) {
    addMovement(context, e, "SUSPENSE_OUT", "SUSPENSE_OUT", "SUCCESS", a.refundedFrom, a.value, a.orderId, suspenseMovement(e, "SUSPENSE_OUT"));
  }
});
on("PayoutCancelled", (e, c) => decided(c, e, "PAYOUT", "CANCELLED", payoutMovements(e)));

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
