"""The shipped reference list of Flemish municipalities (matching/accounts/data, Statbel REFNIS
codes of 1 January 2025): 285 after the mergers of that day."""

from collections import Counter

from matching.accounts.municipalities import PROVINCES, by_code, by_name, municipalities


def test_flanders_has_285_municipalities_after_the_2025_mergers():
    assert len(municipalities()) == 285
    assert len(by_code()) == 285 and len(by_name()) == 285  # codes and names unique
    assert all(len(m.nis_code) == 5 and m.nis_code.isdigit() for m in municipalities())


def test_per_province():
    # Antwerpen lost Borsbeek (to Antwerpen) and Zwijndrecht (to Beveren-Kruibeke-
    # Zwijndrecht, which lies in Oost-Vlaanderen)
    assert Counter(m.province for m in municipalities()) == {
        "Antwerpen": 67, "Limburg": 38, "Oost-Vlaanderen": 55, "Vlaams-Brabant": 63,
        "West-Vlaanderen": 62}
    assert set(PROVINCES) == {m.province for m in municipalities()}


def test_the_municipalities_merged_on_1_january_2025():
    merged = {  # new municipality: NIS code, province
        "Tongeren-Borgloon": ("73111", "Limburg"),
        "Bilzen-Hoeselt": ("73110", "Limburg"),
        "Tessenderlo-Ham": ("71071", "Limburg"),
        "Hasselt": ("71072", "Limburg"),  # with Kortessem
        "Pajottegem": ("23106", "Vlaams-Brabant"),  # Galmaarden, Gooik, Herne
        "Nazareth-De Pinte": ("44086", "Oost-Vlaanderen"),
        "Merelbeke-Melle": ("44088", "Oost-Vlaanderen"),
        "Lochristi": ("44087", "Oost-Vlaanderen"),  # with Wachtebeke
        "Lokeren": ("46029", "Oost-Vlaanderen"),  # with Moerbeke
        "Beveren-Kruibeke-Zwijndrecht": ("46030", "Oost-Vlaanderen"),
        "Wingene": ("37021", "West-Vlaanderen"),  # with Ruiselede
        "Tielt": ("37022", "West-Vlaanderen"),  # with Meulebeke: a new code
        "Antwerpen": ("11002", "Antwerpen"),  # with Borsbeek
    }
    for name, (code, province) in merged.items():
        m = by_name()[name.casefold()]
        assert (m.nis_code, m.province) == (code, province), name
    gone = ["Borgloon", "Hoeselt", "Ham", "Kortessem", "Galmaarden", "Gooik", "Herne",
            "De Pinte", "Nazareth", "Melle", "Merelbeke", "Wachtebeke", "Moerbeke",
            "Kruibeke", "Zwijndrecht", "Beveren", "Ruiselede", "Tongeren", "Bilzen",
            "Tessenderlo", "Borsbeek", "Meulebeke"]
    assert not [g for g in gone if g.casefold() in by_name()]


def test_municipalities_that_did_not_merge_stay():
    # Tielt-Winge is a municipality since 1977, not a merger of 2025
    assert by_name()["tielt-winge"].nis_code == "24135"
    assert by_code()["44021"].name == "Gent" and by_code()["11002"].name == "Antwerpen"
