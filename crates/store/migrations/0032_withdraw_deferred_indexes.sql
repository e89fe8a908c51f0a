-- Setting secondary indexes aside during a long backfill (0031) was withdrawn: it did not pay (measured in
-- bench/results/2026-12-05T0143-vm-analysis.md). 0031 stays, as every landed migration does. A database that
-- ran the code behind it may still hold the definition of an index a backfill killed before its end dropped:
-- each is built again here (PostgreSQL's own definition, recorded when it was dropped), then the table goes.
DO $$
DECLARE
    r RECORD;
BEGIN
    FOR r IN SELECT name, definition FROM deferred_indexes ORDER BY name LOOP
        EXECUTE regexp_replace(r.definition, '^CREATE INDEX ', 'CREATE INDEX IF NOT EXISTS ');
    END LOOP;
END
$$;
DROP TABLE deferred_indexes;
