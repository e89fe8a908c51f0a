// The Ponder side of scripts/bench: the same EmToken contract on the same chain, configured from the
// environment by the bench (crates/bench, stage "ponder"):
//   EMTOKEN_RPC          node HTTP endpoint          EMTOKEN_CHAIN_ID     chain id (31337 on anvil)
//   EMTOKEN_CONTRACT     contract address            EMTOKEN_START_BLOCK  deployment block
//   EMTOKEN_RPC_COPIES   the endpoint listed N times (default 1): Ponder (0.16 and 0.17) starts every
//                        endpoint at 20 requests/s and ignores `maxRequestsPerSecond`; N copies start N
//                        times higher
//   DATABASE_URL         PostgreSQL (Ponder's `postgres` database kind)
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createConfig } from "ponder";
import type { Abi } from "viem";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: scripts/bench sets it (see ponder.config.ts)`);
  return value;
};

const artifact = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../crates/bindings/artifacts/EmToken.json", import.meta.url)), "utf8"),
) as { abi: Abi };

const rpc = env("EMTOKEN_RPC");
const copies = Number(process.env.EMTOKEN_RPC_COPIES ?? "1");

export default createConfig({
  database: { kind: "postgres", connectionString: env("DATABASE_URL") },
  chains: {
    devnet: {
      id: Number(env("EMTOKEN_CHAIN_ID")),
      rpc: copies > 1 ? Array.from({ length: copies }, () => rpc) : rpc,
      pollingInterval: 250,
      disableCache: true,
    },
  },
  contracts: {
    EmToken: {
      chain: "devnet",
      abi: artifact.abi,
      address: env("EMTOKEN_CONTRACT") as `0x${string}`,
      startBlock: Number(env("EMTOKEN_START_BLOCK")),
    },
  },
});
