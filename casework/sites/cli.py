import click


@click.group()
def sites() -> None:
    """The mine site registry."""
