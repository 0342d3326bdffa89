"""``casework sites import FILE.csv``."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from casework.sites.models import Site

HEADER = "code,name,country,province,territory,minerals,latitude,longitude\n"


def _write(tmp_path: Path, text: str, *, bom: bool = False, name: str = "sites.csv") -> str:
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return str(path)


def _sites(db) -> dict[str, Site]:
    db.session.expire_all()
    return {s.code: s for s in db.session.scalars(select(Site))}


def test_good_rows_are_kept_and_bad_rows_reported_by_line(db, runner, tmp_path):
    path = _write(
        tmp_path,
        HEADER
        + "CD-NK-RUB,Rubaya,CD,Nord-Kivu,Masisi,coltan;cassiterite,-1.566,28.883\n"  # 2
        + ",Nameless,CD,Nord-Kivu,Masisi,coltan,-1.5,28.9\n"  # 3
        + "CD-SK-NYA,Nyabibwe,Congo,Sud-Kivu,Kalehe,cassiterite,-1.98,28.95\n"  # 4
        + "\n"  # 5: blank lines are skipped, not rejected
        + "RW-WE-GAT,Gatumba,rw,Western,Ngororero,Cassiterite; coltan,-1.9,29.6\n"  # 6
        + "CD-SK-KAL,Kalimbi,CD,Sud-Kivu,Kalehe,diamonds,-1.97,28.93\n"  # 7
        + "CD-SK-NUM,Numbi,CD,Sud-Kivu,Kalehe,coltan,-91,200\n"  # 8
        + 'CD-NK-RUB,"Rubaya, again",CD,Nord-Kivu,Masisi,coltan,-1.5,28.8\n'  # 9
        + "UG-WE-NYM,Nyamuliro,UG,Western,Kabale,wolframite,,\n"  # 10: no coordinates
        + "BI-KY-KAB,,BI,Kayanza,Kabarore,coltan,-2.87,x\n",  # 11
        bom=True,
    )
    result = runner.invoke(args=["sites", "import", path])

    assert result.exit_code == 0, result.output
    out = result.output
    assert "line 3: code is missing" in out
    assert "line 4: country 'Congo' is not an ISO 3166 two-letter code" in out
    assert "line 7: mineral 'diamonds' is not one of" in out
    assert "line 8: latitude -91 is outside -90..90; longitude 200 is outside -180..180" in out
    assert "line 9: code CD-NK-RUB already appears on line 2" in out
    assert "line 11: name is missing; longitude 'x' is not a number" in out
    assert "line 5" not in out and "line 6" not in out and "line 10" not in out
    assert "3 imported, 0 updated, 6 rejected" in out

    sites = _sites(db)
    assert sorted(sites) == ["CD-NK-RUB", "RW-WE-GAT", "UG-WE-NYM"]
    rubaya = sites["CD-NK-RUB"]  # the BOM did not end up in the first column's name
    assert (rubaya.name, rubaya.country, rubaya.minerals) == ("Rubaya", "CD", "coltan;cassiterite")
    assert (rubaya.latitude, rubaya.longitude) == (-1.566, 28.883)
    gatumba = sites["RW-WE-GAT"]
    assert (gatumba.country, gatumba.minerals) == ("RW", "cassiterite;coltan")
    assert sites["UG-WE-NYM"].latitude is None


def test_reimport_updates_by_code(db, runner, tmp_path, make_site):
    make_site(code="CD-NK-RUB", name="Rubaya", minerals="coltan")
    path = _write(
        tmp_path,
        HEADER
        + "cd-nk-rub,Rubaya (Luwowo),CD,Nord-Kivu,Masisi,coltan;cassiterite,-1.57,28.88\n"
        + "CD-NK-BIS,Bisie,CD,Nord-Kivu,Walikale,cassiterite,-1.338,27.646\n",
    )
    result = runner.invoke(args=["sites", "import", path])
    assert result.exit_code == 0, result.output
    assert "1 imported, 1 updated, 0 rejected" in result.output
    sites = _sites(db)
    assert len(sites) == 2
    assert sites["CD-NK-RUB"].name == "Rubaya (Luwowo)"
    assert sites["CD-NK-RUB"].minerals == "coltan;cassiterite"

    again = runner.invoke(args=["sites", "import", path])
    assert again.exit_code == 0
    assert "0 imported, 0 updated, 0 rejected, 2 unchanged" in again.output


def test_columns_may_come_in_any_order_with_extras(db, runner, tmp_path):
    path = _write(
        tmp_path,
        "Name,Code,Country,Notes,Province,Territory,Minerals,Latitude,Longitude\n"
        "Rutongo,RW-NO-RUT,RW,old mine,Northern,Rulindo,cassiterite,-1.83,30.06\n",
    )
    result = runner.invoke(args=["sites", "import", path])
    assert result.exit_code == 0, result.output
    assert _sites(db)["RW-NO-RUT"].territory == "Rulindo"


def test_wrong_header_fails_and_imports_nothing(db, runner, tmp_path):
    path = _write(tmp_path, "code;name;country\nCD-NK-RUB;Rubaya;CD\n")
    result = runner.invoke(args=["sites", "import", path])
    assert result.exit_code == 1
    assert "lacks the column(s)" in result.output
    assert _sites(db) == {}


def test_no_valid_row_fails_and_imports_nothing(db, runner, tmp_path):
    path = _write(tmp_path, HEADER + ",Nameless,CD,,,coltan,,\nX1,Bad,ZZZ,,,coltan,,\n")
    result = runner.invoke(args=["sites", "import", path])
    assert result.exit_code == 1
    assert "line 2" in result.output and "line 3" in result.output
    assert "no valid row" in result.output
    assert _sites(db) == {}


def test_header_only_fails(runner, tmp_path):
    result = runner.invoke(args=["sites", "import", _write(tmp_path, HEADER)])
    assert result.exit_code == 1
    assert "no sites" in result.output


def test_unreadable_files_fail(runner, tmp_path):
    missing = runner.invoke(args=["sites", "import", str(tmp_path / "missing.csv")])
    assert missing.exit_code == 1
    assert "Cannot read" in missing.output

    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((HEADER + "CD-X,Kalémie,CD,,,coltan,,\n").encode("latin-1"))
    result = runner.invoke(args=["sites", "import", str(latin1)])
    assert result.exit_code == 1
    assert "not UTF-8" in result.output


def test_the_demo_file_imports_cleanly(db, runner):
    from importlib.resources import as_file, files

    with as_file(files("casework.demo").joinpath("sites.csv")) as path:
        result = runner.invoke(args=["sites", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "21 imported, 0 updated, 0 rejected" in result.output
    assert {s.country for s in _sites(db).values()} == {"CD", "RW", "BI", "UG"}
