// Rows equivalent to EmToken's indexer (crates/store/migrations): every event, wallets with balance and
// held, movements (type, wallet, amount, tx hash, block, log index, status), holds and orders.
import { index, onchainTable } from "ponder";

export const event = onchainTable("events", (t) => ({
  id: t.text().primaryKey(),
  name: t.text().notNull(),
  blockNumber: t.bigint().notNull(),
  logIndex: t.integer().notNull(),
  txHash: t.hex().notNull(),
}));

export const wallet = onchainTable("wallets", (t) => ({
  address: t.hex().primaryKey(),
  balance: t.bigint().notNull(),
  held: t.bigint().notNull(),
}));

export const movement = onchainTable(
  "movements",
  (t) => ({
    id: t.text().primaryKey(),
    type: t.text().notNull(),
    status: t.text().notNull(),
    wallet: t.hex().notNull(),
    amount: t.bigint().notNull(),
    recordKey: t.hex(),
    txHash: t.hex().notNull(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
  }),
  (table) => ({
    byWallet: index().on(table.wallet),
    byBlock: index().on(table.blockNumber),
  }),
);

export const hold = onchainTable("holds", (t) => ({
  id: t.hex().primaryKey(),
  payer: t.hex().notNull(),
  payee: t.hex().notNull(),
  notary: t.hex().notNull(),
  value: t.bigint().notNull(),
  executed: t.bigint().notNull(),
  released: t.bigint().notNull(),
  remaining: t.bigint().notNull(),
  status: t.text().notNull(),
}));

export const order = onchainTable("orders", (t) => ({
  id: t.text().primaryKey(),
  kind: t.text().notNull(),
  payer: t.hex().notNull(),
  payee: t.hex(),
  value: t.bigint().notNull(),
  locked: t.bigint().notNull(),
  status: t.text().notNull(),
}));
