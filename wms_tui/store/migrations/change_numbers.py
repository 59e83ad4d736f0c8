"""The PostgreSQL functions that number a warehouse's changes, shared by the migrations that
define them (0011_sync, 0023_sync_change_numbers) and the one that changes them again
(0027_move_changes_at_commit, whose downgrade restores the 0023 ones)."""

# A provisional number is `row - (n << 32)`: n from the sequence (one per logging statement),
# row the change's place in its statement (1 up to 2**32 - 1). So n stays below 2**31.
PROVISIONAL_SHIFT = 32


def log_moves(pending: str, *, prepare: str = "") -> str:
    """wms_log_moves, the statement trigger on stock_move: one change per move, numbered per
    warehouse in (terminal, sequence) order, written to `pending` (after `prepare`)."""
    return f"""
        CREATE OR REPLACE FUNCTION wms_log_moves() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            batch record;
            last bigint;
        BEGIN
            {prepare}
            FOR batch IN SELECT COALESCE(warehouse_id, 0) AS scope, count(*) AS amount
                         FROM new_moves GROUP BY 1 ORDER BY 1 LOOP
                last := wms_bump_change(batch.scope, batch.amount);
                INSERT INTO {pending} (warehouse_id, change_seq, move_id)
                SELECT batch.scope, last - batch.amount + row_number() OVER (ORDER BY terminal_id, sequence), id
                FROM new_moves WHERE COALESCE(warehouse_id, 0) = batch.scope;
            END LOOP;
            RETURN NULL;
        END $$
        """


def number_changes(*, counted: str, pending: str, write_moves: str, prepare: str = "", finish: str = "") -> str:
    """wms_number_changes, run at commit: takes the counters of the transaction's scopes in scope
    order and numbers its provisional changes in the order logged (statement by statement, then
    row by row). `counted`: how many provisional moves a scope has; `pending`: them as
    (is_move, move_id, change_seq); `write_moves`: the CTE body giving them their final numbers
    from `numbered`; `prepare` and `finish` run before and after."""
    return f"""
        CREATE OR REPLACE FUNCTION wms_number_changes() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            scopes integer[] := ARRAY(SELECT DISTINCT warehouse_id FROM change_due ORDER BY 1);
            scope integer;
            amount bigint;
            last bigint;
        BEGIN
            {prepare}
            DELETE FROM change_due;
            PERFORM set_config('wms.changes_due', '', true);
            FOREACH scope IN ARRAY scopes LOOP
                SELECT ({counted})
                     + (SELECT count(*) FROM change_log WHERE warehouse_id = scope AND change_seq < 0) INTO amount;
                CONTINUE WHEN amount = 0;
                INSERT INTO change_counter AS counter (warehouse_id, last_change) VALUES (scope, amount)
                ON CONFLICT (warehouse_id) DO UPDATE SET last_change = counter.last_change + excluded.last_change
                RETURNING counter.last_change INTO last;
                WITH pending AS (
                    {pending}
                    UNION ALL
                    SELECT false, NULL::uuid, change_seq FROM change_log WHERE warehouse_id = scope AND change_seq < 0
                ), numbered AS (
                    SELECT is_move, move_id, change_seq AS provisional,
                           last - amount + row_number() OVER (ORDER BY change_seq >> {PROVISIONAL_SHIFT} DESC, change_seq) AS final
                    FROM pending
                ), moves AS (
                    {write_moves}
                )
                UPDATE change_log SET change_seq = numbered.final FROM numbered
                WHERE NOT numbered.is_move AND change_log.warehouse_id = scope AND change_log.change_seq = numbered.provisional;
            END LOOP;
            {finish}
            RETURN NULL;
        END $$
        """


# 0023: the moves' changes are in move_change with their provisional numbers, renumbered in place.
NUMBER_IN_PLACE = number_changes(
    counted="SELECT count(*) FROM move_change WHERE warehouse_id = scope AND change_seq < 0",
    pending="SELECT true AS is_move, move_id, change_seq FROM move_change WHERE warehouse_id = scope AND change_seq < 0",
    write_moves="UPDATE move_change SET change_seq = numbered.final FROM numbered "
                "WHERE numbered.is_move AND move_change.warehouse_id = scope AND move_change.change_seq = numbered.provisional",
)
