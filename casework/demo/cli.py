import click


@click.group()
def demo() -> None:
    """Demo data."""
