import click


@click.group()
def users() -> None:
    """Manage user accounts."""


@click.group()
def tokens() -> None:
    """Manage API tokens."""
