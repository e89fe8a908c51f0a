//! The chain row, the checkpoint and the window of recent blocks.

use crate::{Addr, BlockRow, ChainRow, Checkpoint, Hash, Result, Tx};

impl Tx {
    /// The chain row, if this chain was indexed before.
    pub async fn chain(&mut self) -> Result<Option<ChainRow>> {
        let chain_id = self.chain_id;
        Ok(sqlx::query_as::<_, ChainRow>(
            "SELECT chain_id, genesis_hash, contract, from_block, decimals, confirmations, network,
                    evm_chain_id
             FROM chains WHERE chain_id = $1",
        )
        .bind(chain_id)
        .fetch_optional(self.conn())
        .await?)
    }

    /// Records the chain (first run or after a wipe), or updates it. The indexer compares the stored row
    /// with the node before calling this: a different genesis or contract is a chain change.
    pub async fn upsert_chain(&mut self, chain: &ChainRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO chains (chain_id, genesis_hash, contract, from_block, decimals, confirmations, network,
                                 evm_chain_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (chain_id) DO UPDATE
             SET genesis_hash = excluded.genesis_hash, contract = excluded.contract,
                 from_block = excluded.from_block, decimals = excluded.decimals,
                 confirmations = excluded.confirmations, network = excluded.network,
                 evm_chain_id = excluded.evm_chain_id",
        )
        .bind(chain.chain_id)
        .bind(chain.genesis_hash)
        .bind(chain.contract)
        .bind(chain.from_block)
        .bind(chain.decimals)
        .bind(chain.confirmations)
        .bind(&chain.network)
        .bind(chain.evm_chain_id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Removes everything indexed of this chain (a reset chain is indexed again from scratch). Wallets
    /// the platform registered keep their rows, ids and owners; their chain state goes back to zero.
    pub async fn wipe_chain(&mut self) -> Result<()> {
        let chain_id = self.chain_id;
        for statement in [
            "DELETE FROM movements WHERE chain_id = $1",
            "DELETE FROM holds WHERE chain_id = $1",
            "DELETE FROM orders WHERE chain_id = $1",
            "DELETE FROM findings WHERE chain_id = $1",
            "DELETE FROM unreconciled_wallets WHERE chain_id = $1",
            "DELETE FROM balance_deltas WHERE chain_id = $1",
            "DELETE FROM events WHERE chain_id = $1",
            "DELETE FROM blocks WHERE chain_id = $1",
            "DELETE FROM checkpoints WHERE chain_id = $1",
            "DELETE FROM wallets WHERE chain_id = $1 AND user_id IS NULL",
            "UPDATE wallets SET balance = 0, final_held = 0, head_total = 0, held = 0, registered = false,
                 kyc_level = NULL, frozen = false, first_block = NULL, created_at = NULL,
                 is_suspense = false, is_fee_account = false, is_operator = false,
                 status = CASE WHEN status = 'UNSUBSCRIBED' THEN status ELSE 'PENDING' END
             WHERE chain_id = $1",
        ] {
            sqlx::query(statement).bind(chain_id).execute(self.conn()).await?;
        }
        Ok(())
    }

    /// The checkpoint, if any block was indexed.
    pub async fn checkpoint(&mut self) -> Result<Option<Checkpoint>> {
        let chain_id = self.chain_id;
        Ok(sqlx::query_as::<_, Checkpoint>(
            "SELECT chain_id, block_number, block_hash, final_block FROM checkpoints WHERE chain_id = $1",
        )
        .bind(chain_id)
        .fetch_optional(self.conn())
        .await?)
    }

    /// Moves the checkpoint.
    pub async fn set_checkpoint(
        &mut self,
        block_number: i64,
        block_hash: Hash,
        final_block: i64,
    ) -> Result<()> {
        let chain_id = self.chain_id;
        sqlx::query(
            "INSERT INTO checkpoints (chain_id, block_number, block_hash, final_block, updated_at)
             VALUES ($1, $2, $3, $4, now())
             ON CONFLICT (chain_id) DO UPDATE
             SET block_number = excluded.block_number, block_hash = excluded.block_hash,
                 final_block = excluded.final_block, updated_at = now()",
        )
        .bind(chain_id)
        .bind(block_number)
        .bind(block_hash)
        .bind(final_block)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The stored window of recent blocks, lowest first.
    pub async fn window(&mut self) -> Result<Vec<BlockRow>> {
        let chain_id = self.chain_id;
        Ok(sqlx::query_as::<_, BlockRow>(
            "SELECT number, hash, parent_hash, time FROM blocks WHERE chain_id = $1 ORDER BY number",
        )
        .bind(chain_id)
        .fetch_all(self.conn())
        .await?)
    }

    /// Adds blocks to the window (a block already there with the same number is replaced).
    pub async fn put_blocks(&mut self, blocks: &[BlockRow]) -> Result<()> {
        if blocks.is_empty() {
            return Ok(());
        }
        let chain_id = self.chain_id;
        sqlx::query(
            "INSERT INTO blocks (chain_id, number, hash, parent_hash, time)
             SELECT $1, * FROM UNNEST($2::bigint[], $3::bytea[], $4::bytea[], $5::timestamptz[])
             ON CONFLICT (chain_id, number) DO UPDATE
             SET hash = excluded.hash, parent_hash = excluded.parent_hash, time = excluded.time",
        )
        .bind(chain_id)
        .bind(blocks.iter().map(|b| b.number).collect::<Vec<_>>())
        .bind(blocks.iter().map(|b| b.hash).collect::<Vec<_>>())
        .bind(blocks.iter().map(|b| b.parent_hash).collect::<Vec<_>>())
        .bind(blocks.iter().map(|b| b.time).collect::<Vec<_>>())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Closes a batch in one statement: applies the blocks in `(old_final, final_block]` as final
    /// ([`Tx::finalize`]), adds `blocks` to the window and drops the window's blocks below `final_block`
    /// (final, with another final block above them), moves the checkpoint to `block_number`
    /// (`block_hash`) with `final_block`, and keeps the wallets whose final balances changed (`settled`,
    /// and those finality moved) to compare with the chain once the transaction commits (see
    /// [`Tx::unreconciled`]); returns those wallets, sorted. It does what [`Tx::finalize`],
    /// [`Tx::put_blocks`], [`Tx::set_checkpoint`], a prune of the window and an insert into
    /// `unreconciled_wallets` would do one after the other, in one round trip.
    pub async fn close_batch(
        &mut self,
        blocks: &[BlockRow],
        block_number: i64,
        block_hash: Hash,
        old_final: i64,
        final_block: i64,
        settled: &[Addr],
    ) -> Result<Vec<Addr>> {
        let chain_id = self.chain_id;
        // The parts of one statement see the same snapshot and must not touch one row twice: the blocks
        // pruned (below the final block) and those written (at or above it) are apart, and each other
        // table has one part.
        Ok(sqlx::query_scalar(concat!(
            "WITH ",
            crate::finality::finalize_parts!(),
            ", pruned AS (
                 DELETE FROM blocks WHERE chain_id = $1 AND number < $3
             ), put AS (
                 INSERT INTO blocks (chain_id, number, hash, parent_hash, time)
                 SELECT $1, u.number, u.hash, u.parent_hash, u.time
                 FROM UNNEST($6::bigint[], $7::bytea[], $8::bytea[], $9::timestamptz[])
                      AS u(number, hash, parent_hash, time)
                 WHERE u.number >= $3
                 ON CONFLICT (chain_id, number) DO UPDATE
                 SET hash = excluded.hash, parent_hash = excluded.parent_hash, time = excluded.time
             ), checkpoint AS (
                 INSERT INTO checkpoints (chain_id, block_number, block_hash, final_block, updated_at)
                 VALUES ($1, $4, $5, $3, now())
                 ON CONFLICT (chain_id) DO UPDATE
                 SET block_number = excluded.block_number, block_hash = excluded.block_hash,
                     final_block = excluded.final_block, updated_at = now()
             ), touched AS (
                 SELECT address FROM finalized UNION SELECT u.address FROM UNNEST($10::bytea[]) AS u(address)
             ), waiting AS (
                 INSERT INTO unreconciled_wallets (chain_id, address)
                 SELECT $1, address FROM touched
                 ON CONFLICT DO NOTHING
             )
             SELECT address FROM touched ORDER BY address"
        ))
        .bind(chain_id)
        .bind(old_final)
        .bind(final_block)
        .bind(block_number)
        .bind(block_hash)
        .bind(blocks.iter().map(|b| b.number).collect::<Vec<_>>())
        .bind(blocks.iter().map(|b| b.hash).collect::<Vec<_>>())
        .bind(blocks.iter().map(|b| b.parent_hash).collect::<Vec<_>>())
        .bind(blocks.iter().map(|b| b.time).collect::<Vec<_>>())
        .bind(settled)
        .fetch_all(self.conn())
        .await?)
    }
}
