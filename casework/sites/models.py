from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from casework.extensions import Model

MINERALS = ("cassiterite", "coltan", "wolframite", "gold")


class Site(Model):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    province: Mapped[str] = mapped_column(String(100), default="")
    territory: Mapped[str] = mapped_column(String(100), default="")
    minerals: Mapped[str] = mapped_column(String(200), default="")  # ';'-separated
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    # Bumped by every change: an edit based on an older version is refused (409).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    @property
    def mineral_list(self) -> list[str]:
        return [m for m in self.minerals.split(";") if m]

    def __repr__(self) -> str:
        return f"<Site {self.code}>"
