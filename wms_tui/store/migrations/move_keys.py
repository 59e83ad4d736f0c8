"""stock_move's key check on PostgreSQL, shared by the migration that defines it
(0026_move_keys_per_statement: why it replaces the foreign keys) and the one that makes each
of its look-ups a statement of its own (0029_move_keys_static, whose downgrade restores the
0026 one)."""

# Referenced table -> stock_move's columns naming it, as the foreign keys were.
REFERENCES = {
    'item': ('item_id',),
    'location': ('from_location_id', 'to_location_id'),
    'lot': ('lot_id',),
    'container': ('container_id',),
}

_REFUSAL = """RAISE foreign_key_violation USING MESSAGE = format(
                    'insert on table "stock_move" names %s id(s) %s that are not in table "%s"', {table},
                    ARRAY(SELECT unnest({wanted}) EXCEPT SELECT unnest(present) ORDER BY 1), {table});"""

_REVERSED = """SELECT reverses_id INTO missing FROM new_moves
            WHERE reverses_id IS NOT NULL AND NOT EXISTS (SELECT FROM stock_move WHERE id = new_moves.reverses_id) LIMIT 1;
            IF FOUND THEN
                RAISE foreign_key_violation USING MESSAGE = format(
                    'insert on table "stock_move" reverses move %s that is not in table "stock_move"', missing);
            END IF;"""


def _named(columns: tuple[str, ...]) -> str:
    """The distinct keys the new moves name in `columns`, sorted (the order locks are taken in)."""
    return ('SELECT DISTINCT key FROM (' + ' UNION ALL '.join(f'SELECT {column} AS key FROM new_moves' for column in columns)
            + ') named WHERE key IS NOT NULL ORDER BY key')


def _function(declare: str, body: str) -> str:
    return f"""
        CREATE OR REPLACE FUNCTION wms_check_move_keys() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            {declare}
            present integer[];
            missing uuid;
        BEGIN
            {body}
            {_REVERSED}
            RETURN NULL;
        END $$
        """


def check_by_execute() -> str:
    """0026's: one loop over the tables, each look-up an EXECUTE (parsed and planned each time)."""
    keys = ' UNION '.join(f"SELECT '{table}', ARRAY({_named(columns)})" for table, columns in REFERENCES.items())
    return _function('referenced record;', f"""FOR referenced IN SELECT * FROM ({keys}) AS wanted (table_name, ids) LOOP
                CONTINUE WHEN cardinality(referenced.ids) = 0;
                EXECUTE format('SELECT ARRAY(SELECT id FROM %I WHERE id = ANY($1) ORDER BY id FOR KEY SHARE)',
                               referenced.table_name)
                INTO present USING referenced.ids;
                IF cardinality(present) < cardinality(referenced.ids) THEN
                    {_REFUSAL.format(table='referenced.table_name', wanted='referenced.ids')}
                END IF;
            END LOOP;""")


def check_by_statement() -> str:
    """0029's: a statement per table, which PL/pgSQL plans once per session."""
    body = '\n            '.join(f"""wanted := ARRAY({_named(columns)});
            IF cardinality(wanted) > 0 THEN
                present := ARRAY(SELECT id FROM {table} WHERE id = ANY(wanted) ORDER BY id FOR KEY SHARE);
                IF cardinality(present) < cardinality(wanted) THEN
                    {_REFUSAL.format(table=f"'{table}'", wanted='wanted')}
                END IF;
            END IF;""" for table, columns in REFERENCES.items())
    return _function('wanted integer[];', body)
