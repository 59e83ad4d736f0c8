"""`wms-tui operators`: the people who sign in on terminals (badge or id, then PIN), their
locks after repeated failures and the audit trail."""

from __future__ import annotations

import click

from wms_tui.cli import open_command_runtime
from wms_tui.domain.flows import Role
from wms_tui.services import operators
from wms_tui.store.session import reading, transaction


@click.group("operators")
def operators_group() -> None:
    """Add, list and unlock the operators who sign in on terminals."""


@operators_group.command("add")
@click.argument("code")
@click.option("--name", required=True, help="Full name, shown on the terminal after sign-in.")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True,
              help="Decides the menu: picker, packer, shipper, receiver or supervisor.")
@click.option("--badge", required=True, help="The code printed on the operator's badge (stored keyed-hashed).")
@click.option("--pin", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Digits ([security] pin_min_length, at least 4), asked at every sign-in. Asked for when not given.")
@click.pass_context
def add_operator(ctx: click.Context, code: str, name: str, role: str, badge: str, pin: str) -> None:
    """Add operator CODE (the id that may be typed instead of scanning the badge)."""
    runtime = open_command_runtime(ctx)
    try:
        with transaction(runtime.engine) as session:
            operator = operators.create_operator(session, code, name, role, badge=badge, pin=pin,
                                                 policy=runtime.settings.security)
    finally:
        runtime.close()
    click.echo(f"added {operator.code} ({operator.name}, {operator.role.value})")


@operators_group.command("list")
@click.pass_context
def list_operators(ctx: click.Context) -> None:
    """Operators with their role and lock (never their badge or PIN), and locked terminals."""
    runtime = open_command_runtime(ctx)
    try:
        with reading(runtime.engine) as session:
            rows = operators.list_operators(session)
            for row in rows:
                state = "" if row.active else "  (blocked)"
                if row.locked_until is not None:
                    state += f"  LOCKED until {row.locked_until:%Y-%m-%d %H:%M:%S} UTC ({row.failed_attempts} failed)"
                click.echo(f"{row.code:<12} {row.role:<11} {row.name}{state}")
            if not rows:
                click.echo("no operators yet: add one with `wms-tui operators add`")
            for terminal, failures, until in operators.locked_terminals(session):
                click.echo(f"terminal {terminal} LOCKED until {until:%Y-%m-%d %H:%M:%S} UTC ({failures} failed)")
    finally:
        runtime.close()


@operators_group.command("unlock")
@click.argument("code", required=False)
@click.option("--terminal", help="Unlock this terminal instead of an operator.")
@click.pass_context
def unlock(ctx: click.Context, code: str | None, terminal: str | None) -> None:
    """Lift the lock repeated failed sign-ins put on operator CODE (or on a terminal)."""
    if (code is None) == (terminal is None):
        raise click.UsageError("give an operator id or --terminal (one of them)")
    runtime = open_command_runtime(ctx)
    try:
        with transaction(runtime.engine) as session:
            what = operators.unlock(session, operator=code, terminal=terminal, by="wms-tui operators unlock")
    finally:
        runtime.close()
    click.echo(f"unlocked {what}")


@operators_group.command("release")
@click.argument("code")
@click.pass_context
def release(ctx: click.Context, code: str) -> None:
    """Give the tasks operator CODE has claimed back to the queue and drop the step they left
    pending (they walked off, or signed out without finishing)."""
    runtime = open_command_runtime(ctx)
    try:
        with transaction(runtime.engine) as session:
            released = operators.release_operator(session, code, by="wms-tui operators release")
    finally:
        runtime.close()
    click.echo(f"released {released} task(s) of {code.strip().upper()}")


@operators_group.command("audit")
@click.option("--operator", help="Only this operator's events.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000), help="Newest events shown.")
@click.pass_context
def audit(ctx: click.Context, operator: str | None, limit: int) -> None:
    """Sign-ins, sign-outs, failed attempts, approvals and unlocks, newest first."""
    runtime = open_command_runtime(ctx)
    try:
        with reading(runtime.engine) as session:
            for event in operators.audit_trail(session, limit=limit, operator=operator):
                click.echo(f"{event.at:%Y-%m-%d %H:%M:%S}  {event.kind:<9} {event.outcome:<8} {event.operator or '?':<12} "
                           f"{event.terminal_id or '-':<8} {event.detail}")
    finally:
        runtime.close()
