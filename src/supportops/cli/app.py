"""The Typer application, its global options and the one place errors become exit codes."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer._click.core import Context as ClickContext  # typer vendors click
from typer.core import TyperGroup

from supportops.cli.output import err_console
from supportops.errors import SupportOpsError
from supportops.settings import Settings
from supportops.store import Store


class _Group(TyperGroup):
    """Maps every :class:`SupportOpsError` to its message on stderr and exit code 1."""

    def invoke(self, ctx: ClickContext) -> Any:
        try:
            return super().invoke(ctx)
        except SupportOpsError as exc:
            console = err_console()
            first, *rest = str(exc).splitlines() or [""]
            console.print(
                f"[bold red]error:[/] {first}", highlight=False, markup=True, soft_wrap=True
            )
            for line in rest:
                console.print(line, highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_Group,
    name="supportops",
    help=(
        "Support operations on the tickets your help desk already has: SLA clocks in business "
        "hours, the weekly escalation review, the support scorecard."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL: sqlite:///FILE (default sqlite:///supportops.db) or "
            "postgresql://USER@HOST/DB. Also SUPPORTOPS_DB.",
            show_default=False,
        ),
    ] = None,
) -> None:
    settings = Settings()
    if db:
        settings = settings.model_copy(update={"db": db})
    ctx.obj = settings


def settings_of(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings()


def open_store(ctx: typer.Context, *, create: bool = False) -> Store:
    """The store the user named; reading commands refuse to create an empty SQLite file.
    It is closed when the command ends (its pooled connections with it)."""
    store = Store.open(settings_of(ctx).db, create=create)
    ctx.call_on_close(store.close)
    return store
