#!/usr/bin/env python3
"""Makes testdata/countries.csv, the typed-table walkthrough's data set
(README.md): one row per ISO 3166-1 country, from Debian's iso-codes
(LGPL-2.1-or-later) joined with the IANA time zone database's zone.tab
(public domain): the country's first listed zone (its most populous
city's) and that zone's coordinates, and how many zones it has.

Usage: scripts/make_countries.py [ISO_3166_1_JSON] [ZONE_TAB] > testdata/countries.csv
"""
import csv
import json
import sys


def degrees(text, width):
    """+DDMM[SS] or +DDDMM[SS] as decimal degrees, rounded to 4 places."""
    sign = -1 if text[0] == "-" else 1
    d = int(text[1 : 1 + width])
    m = int(text[1 + width : 3 + width])
    s = int(text[3 + width : 5 + width] or 0)
    return round(sign * (d + m / 60 + s / 3600), 4)


def main():
    iso = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/iso-codes/json/iso_3166-1.json"
    tab = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/zoneinfo/zone.tab"
    zones = {}
    for line in open(tab, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        code, coords, tz = line.rstrip("\n").split("\t")[:3]
        # +DDMM+DDDMM or +DDMMSS+DDDMMSS: split at the second sign.
        cut = max(coords.rfind("+"), coords.rfind("-"))
        lat, lon = coords[:cut], coords[cut:]
        zones.setdefault(code, []).append((tz, degrees(lat, 2), degrees(lon, 3)))
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "alpha3", "numeric", "name", "lat", "lon", "zones", "tz"])
    for c in sorted(json.load(open(iso, encoding="utf-8"))["3166-1"], key=lambda c: c["alpha_2"]):
        listed = zones.get(c["alpha_2"], [])
        tz, lat, lon = listed[0] if listed else ("", 0.0, 0.0)
        out.writerow([c["alpha_2"], c["alpha_3"], int(c["numeric"]), c["name"], lat, lon, len(listed), tz])


if __name__ == "__main__":
    main()
