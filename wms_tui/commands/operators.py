"""`wms-tui operators`: the people who sign in on terminals (badge, or id and PIN)."""

from __future__ import annotations

import click
from sqlmodel import select

from wms_tui.domain.flows import Role
from wms_tui.runtime import open_runtime
from wms_tui.services.operators import create_operator
from wms_tui.store.models import Operator
from wms_tui.store.session import reading, transaction


@click.group("operators")
def operators_group() -> None:
    """Add and list the operators who sign in on terminals."""


@operators_group.command("add")
@click.argument("code")
@click.option("--name", required=True, help="Full name, shown on the terminal after sign-in.")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True,
              help="Decides the menu: picker, packer, shipper, receiver or supervisor.")
@click.option("--badge", required=True, help="The code printed on the operator's badge (scanned to sign in).")
@click.option("--pin", prompt=True, hide_input=True, confirmation_prompt=True,
              help="4-8 digits, for signing in by typed id. Asked for when not given.")
@click.pass_context
def add_operator(ctx: click.Context, code: str, name: str, role: str, badge: str, pin: str) -> None:
    """Add operator CODE (the id typed at sign-in)."""
    runtime = open_runtime(ctx.obj.get("config_path"))
    try:
        with transaction(runtime.engine) as session:
            operator = create_operator(session, code, name, role, badge=badge, pin=pin)
    finally:
        runtime.close()
    click.echo(f"added {operator.code} ({operator.name}, {operator.role.value})")


@operators_group.command("list")
@click.pass_context
def list_operators(ctx: click.Context) -> None:
    """Operators with their role and badge (never their PIN)."""
    runtime = open_runtime(ctx.obj.get("config_path"))
    try:
        with reading(runtime.engine) as session:
            rows = session.exec(select(Operator).order_by(Operator.code)).all()
            for row in rows:
                state = "" if row.active else "  (blocked)"
                click.echo(f"{row.code:<12} {row.role:<11} {row.badge:<16} {row.name}{state}")
            if not rows:
                click.echo("no operators yet: add one with `wms-tui operators add`")
    finally:
        runtime.close()
