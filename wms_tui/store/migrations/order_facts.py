"""The triggers that keep order_facts (the console's order statuses): made by
0020_console_counts, narrowed by 0022_ledger_lean to write only when a fact changes.

An order's derived status depends on its state and a few facts (services/order_status.FACTS): any line
shipped, every line shipped or cancelled, any line picked, anything invoiced, the payments
covering the invoices, anything paid (void invoices and their payments apart), any line back
ordered. order_facts keeps per order the counts and sums they come from, and `code`: the
working order's state and facts as one number, a bit each (order_status.facts_code), NULL for
quotes, cancelled and closed orders.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

WORKING = "('draft', 'confirmed')"

# trigger name -> (event, table, statements)
Triggers = dict[str, tuple[str, str, list[str]]]


def _flag(condition: str) -> str:
    return f'(CASE WHEN {condition} THEN 1 ELSE 0 END)'


# The code's bits, highest first, in order_status' order: confirmed, then FACTS.
CODE_BITS = (
    "state = 'confirmed'", 'shipped_lines > 0', 'done_lines = lines', 'picked_lines > 0', 'billed > 0',
    'received >= billed', 'received > 0', 'backordered_lines > 0',
)
CODE = (f"CASE WHEN state IN {WORKING} THEN "
        + ' + '.join(f'{_flag(bit)} * {2 ** power}' for power, bit in zip(range(len(CODE_BITS) - 1, -1, -1), CODE_BITS, strict=True))
        + ' END')


def line_counts(row: str) -> dict[str, str]:
    """What one order line adds to its order's counts."""
    return {
        'lines': '1',
        'shipped_lines': _flag(f'{row}.shipped_quantity > 0'),
        'done_lines': _flag(f'{row}.shipped_quantity + {row}.cancelled_quantity >= {row}.quantity'),
        'picked_lines': _flag(f'{row}.picked_quantity > 0'),
        'backordered_lines': _flag(f'{row}.backordered_quantity > 0'),
    }


# A line's update can change its order's facts only when it moves to another order or one of
# its flags turns (a second pick of a picked line changes none).
LINE_FACTS_CHANGE = ' OR '.join(
    ['OLD.order_id <> NEW.order_id']
    + [f'{old} <> {new}' for (column, old), new in zip(line_counts('OLD').items(), line_counts('NEW').values(), strict=True)
       if column != 'lines']
)


def _invoice_sums(row: str) -> dict[str, str]:
    """What one invoice adds to its order's money: nothing once void."""
    live = _flag(f"{row}.state <> 'void'")
    paid = f"(SELECT COALESCE(SUM(amount), 0) FROM payment WHERE invoice_id = {row}.id AND state = 'posted')"
    return {'billed': f'{live} * {row}.total', 'received': f'{live} * {paid}'}


def _payment_sums(row: str) -> dict[str, str]:
    posted = _flag(f"{row}.state = 'posted'")
    return {'received': f'{posted} * {row}.amount'}


def _add(counts: dict[str, str], order: str, sign: str) -> str:
    changes = ', '.join(f'{column} = {column} {sign} {value}' for column, value in counts.items())
    return f'UPDATE order_facts SET {changes} WHERE order_id = {order}'


def recode(order: str) -> str:
    return f'UPDATE order_facts SET code = {CODE} WHERE order_id = {order}'


def recode_when_changed(postgresql: bool) -> Callable[[str], str]:
    """A re-code that leaves the row (and the code's index) alone when the code is the same."""
    differs = 'IS DISTINCT FROM' if postgresql else 'IS NOT'
    return lambda order: f'{recode(order)} AND code {differs} ({CODE})'


def _own_order(row: str) -> str:
    return f'{row}.order_id'


def _payment_order(row: str) -> str:
    # A void invoice's payments count for nothing: no order, no row updated.
    return f"(SELECT order_id FROM invoice WHERE id = {row}.invoice_id AND state <> 'void')"


LINE_COLUMNS = 'order_id, quantity, shipped_quantity, cancelled_quantity, picked_quantity, backordered_quantity'


def triggers(recode: Callable[[str], str]) -> Triggers:
    """The triggers, each order's code re-worked by `recode`."""

    def changed(counts, order_of) -> list[str]:
        """A row's part taken off its old order, the new row's added to its order, both re-coded."""
        return [_add(counts('OLD'), order_of('OLD'), '-'), _add(counts('NEW'), order_of('NEW'), '+'),
                recode(order_of('OLD')), recode(order_of('NEW'))]

    return {
        'order_facts_order_insert': ('INSERT', 'sales_order', [
            'INSERT INTO order_facts (order_id, state, created_at) VALUES (NEW.id, NEW.state, NEW.created_at)', recode('NEW.id')]),
        'order_facts_order_update': ('UPDATE OF state, created_at', 'sales_order', [
            'UPDATE order_facts SET state = NEW.state, created_at = NEW.created_at WHERE order_id = NEW.id', recode('NEW.id')]),
        'order_facts_line_insert': ('INSERT', 'sales_order_line', [
            _add(line_counts('NEW'), 'NEW.order_id', '+'), recode('NEW.order_id')]),
        'order_facts_line_update': (f'UPDATE OF {LINE_COLUMNS}', 'sales_order_line', changed(line_counts, _own_order)),
        'order_facts_line_delete': ('DELETE', 'sales_order_line', [
            _add(line_counts('OLD'), 'OLD.order_id', '-'), recode('OLD.order_id')]),
        'order_facts_invoice_insert': ('INSERT', 'invoice', [
            _add(_invoice_sums('NEW'), 'NEW.order_id', '+'), recode('NEW.order_id')]),
        'order_facts_invoice_update': ('UPDATE OF order_id, state, total', 'invoice', changed(_invoice_sums, _own_order)),
        'order_facts_invoice_delete': ('DELETE', 'invoice', [
            _add(_invoice_sums('OLD'), 'OLD.order_id', '-'), recode('OLD.order_id')]),
        'order_facts_payment_insert': ('INSERT', 'payment', [
            _add(_payment_sums('NEW'), _payment_order('NEW'), '+'), recode(_payment_order('NEW'))]),
        'order_facts_payment_update': ('UPDATE OF invoice_id, state, amount', 'payment', changed(_payment_sums, _payment_order)),
        'order_facts_payment_delete': ('DELETE', 'payment', [
            _add(_payment_sums('OLD'), _payment_order('OLD'), '-'), recode(_payment_order('OLD'))]),
    }


def create_triggers(op, made: Triggers, when: Mapping[str, str] | None = None) -> None:
    """Create the triggers; `when`: a trigger's condition to fire at all."""
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for name, (event, table, statements) in made.items():
        body = ' '.join(f'{statement};' for statement in statements)
        condition = (when or {}).get(name)
        if postgresql:
            op.execute(f'CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$')
            guard = f' WHEN ({condition})' if condition else ''
            op.execute(f'CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{guard} EXECUTE FUNCTION {name}()')
        else:
            guard = f' FOR EACH ROW WHEN {condition}' if condition else ''
            op.execute(f'CREATE TRIGGER {name} AFTER {event} ON {table}{guard} BEGIN {body} END')


def drop_triggers(op, made: Triggers) -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for name, (_, table, _) in made.items():
        op.execute(f'DROP TRIGGER {name} ON {table}' if postgresql else f'DROP TRIGGER {name}')
        if postgresql:
            op.execute(f'DROP FUNCTION {name}()')
