-- A notary lists the holds it must decide (open ones first): by chain, notary and status.
CREATE INDEX holds_by_notary ON holds (chain_id, notary, status);
