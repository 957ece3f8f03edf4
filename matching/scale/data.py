"""The static data of the scale dataset (:mod:`matching.scale`): its account addresses,
the real Flemish regions and municipalities of its work areas, the fictitious people and
organisations, and the texts it reuses from the demo (:mod:`matching.demo.data`).
"""

from __future__ import annotations

import random

from appeals.rules import Position
from matching.demo import data, texts

DOMAIN = "scale.example"


PASSWORD = data.PASSWORD
TOTP_SECRET = data.TOTP_SECRET


# --- accounts -------------------------------------------------------------------------------

def email(local: str) -> str:
    return f"{local}@{DOMAIN}"


ADMIN_EMAIL, OBSERVER_EMAIL = email("admin"), email("observer")


def coordinator_email(area: int) -> str:
    return email(f"coordinator.{area:03d}")


def matchmaker_email(area: int, k: int) -> str:
    return email(f"matchmaker.{area:03d}.{k}")


def appeal_matchmaker_email(k: int) -> str:
    return email(f"appeal-matchmaker.{k:02d}")


def applicant_email(area: int, j: int) -> str:
    return email(f"applicant.{area:03d}.{j:04d}")


# --- names: real Flemish regions and municipalities, fictitious people and organisations ---

REGIONS: list[tuple[str, str, tuple[str, ...]]] = [
    ("Regio Brugge", "West-Vlaanderen", ("Brugge", "Damme", "Jabbeke", "Oostkamp", "Zuienkerke")),
    ("Regio Oostende", "West-Vlaanderen", ("Oostende", "Bredene", "Gistel", "Oudenburg",
                                           "Middelkerke")),
    ("Westkust", "West-Vlaanderen", ("De Panne", "Koksijde", "Nieuwpoort", "Veurne",
                                     "Alveringem")),
    ("Regio Ieper", "West-Vlaanderen", ("Ieper", "Zonnebeke", "Wervik", "Mesen",
                                        "Langemark-Poelkapelle")),
    ("Regio Poperinge", "West-Vlaanderen", ("Poperinge", "Vleteren", "Heuvelland")),
    ("Regio Kortrijk-Leie", "West-Vlaanderen", ("Kortrijk", "Harelbeke", "Kuurne", "Lendelede",
                                                "Zwevegem")),
    ("Regio Menen", "West-Vlaanderen", ("Menen", "Wevelgem", "Ledegem")),
    ("Regio Roeselare", "West-Vlaanderen", ("Roeselare", "Izegem", "Ingelmunster", "Hooglede",
                                            "Staden", "Moorslede", "Lichtervelde")),
    ("Regio Tielt", "West-Vlaanderen", ("Tielt", "Wingene", "Pittem", "Ardooie", "Meulebeke",
                                        "Dentergem", "Ruiselede")),
    ("Regio Waregem", "West-Vlaanderen", ("Waregem", "Anzegem", "Avelgem", "Spiere-Helkijn",
                                          "Deerlijk")),
    ("Houtland", "West-Vlaanderen", ("Torhout", "Zedelgem", "Ichtegem", "Kortemark",
                                     "Koekelare")),
    ("Oostkust", "West-Vlaanderen", ("Knokke-Heist", "Blankenberge", "De Haan")),
    ("Regio Diksmuide", "West-Vlaanderen", ("Diksmuide", "Lo-Reninge", "Houthulst")),
    ("Regio Gent", "Oost-Vlaanderen", ("Gent", "Merelbeke-Melle", "De Pinte",
                                       "Sint-Martens-Latem")),
    ("Gentse Kanaalzone", "Oost-Vlaanderen", ("Evergem", "Lochristi", "Destelbergen",
                                              "Wachtebeke")),
    ("Meetjesland", "Oost-Vlaanderen", ("Eeklo", "Maldegem", "Kaprijke", "Sint-Laureins",
                                        "Assenede", "Zelzate")),
    ("Leiestreek", "Oost-Vlaanderen", ("Deinze", "Nazareth", "Zulte")),
    ("Regio Aalter-Lievegem", "Oost-Vlaanderen", ("Aalter", "Lievegem")),
    ("Waasland-Noord", "Oost-Vlaanderen", ("Sint-Niklaas", "Beveren-Kruibeke-Zwijndrecht",
                                           "Stekene", "Sint-Gillis-Waas")),
    ("Waasland-Zuid", "Oost-Vlaanderen", ("Lokeren", "Temse", "Waasmunster", "Moerbeke")),
    ("Regio Dendermonde", "Oost-Vlaanderen", ("Dendermonde", "Hamme", "Berlare", "Buggenhout",
                                              "Lebbeke", "Wichelen", "Zele")),
    ("Regio Aalst", "Oost-Vlaanderen", ("Aalst", "Erpe-Mere", "Lede", "Denderleeuw", "Haaltert",
                                        "Herzele")),
    ("Denderstreek", "Oost-Vlaanderen", ("Ninove", "Geraardsbergen", "Lierde")),
    ("Vlaamse Ardennen", "Oost-Vlaanderen", ("Oudenaarde", "Ronse", "Kluisbergen", "Maarkedal",
                                             "Horebeke", "Zwalm", "Wortegem-Petegem", "Kruisem")),
    ("Regio Zottegem", "Oost-Vlaanderen", ("Zottegem", "Sint-Lievens-Houtem", "Oosterzele",
                                           "Brakel")),
    ("Regio Wetteren", "Oost-Vlaanderen", ("Wetteren", "Laarne")),
    ("Stad Antwerpen", "Antwerpen", ("Antwerpen",)),
    ("Antwerpse Noordrand", "Antwerpen", ("Brasschaat", "Kapellen", "Stabroek", "Schoten",
                                          "Brecht")),
    ("Antwerpse Zuidrand", "Antwerpen", ("Boom", "Niel", "Rumst", "Schelle", "Hemiksem",
                                         "Aartselaar")),
    ("Regio Mortsel-Kontich", "Antwerpen", ("Mortsel", "Edegem", "Kontich", "Hove", "Lint",
                                            "Boechout")),
    ("Regio Mechelen", "Antwerpen", ("Mechelen", "Bonheiden", "Sint-Katelijne-Waver",
                                     "Willebroek")),
    ("Klein-Brabant", "Antwerpen", ("Bornem", "Puurs-Sint-Amands")),
    ("Regio Lier", "Antwerpen", ("Lier", "Nijlen", "Berlaar", "Ranst", "Zandhoven")),
    ("Regio Heist-Putte", "Antwerpen", ("Heist-op-den-Berg", "Putte", "Duffel")),
    ("Regio Turnhout", "Antwerpen", ("Turnhout", "Oud-Turnhout", "Beerse", "Vosselaar", "Lille",
                                     "Kasterlee", "Merksplas", "Rijkevorsel")),
    ("Regio Geel-Herentals", "Antwerpen", ("Geel", "Olen", "Herentals", "Grobbendonk",
                                           "Herenthout", "Vorselaar", "Westerlo", "Herselt",
                                           "Hulshout")),
    ("Regio Mol", "Antwerpen", ("Mol", "Balen", "Dessel", "Retie", "Arendonk", "Ravels",
                                "Meerhout", "Laakdal")),
    ("Noorderkempen", "Antwerpen", ("Hoogstraten", "Malle", "Zoersel", "Wuustwezel",
                                    "Kalmthout", "Essen")),
    ("Voorkempen", "Antwerpen", ("Schilde", "Wijnegem", "Wommelgem")),
    ("Regio Leuven", "Vlaams-Brabant", ("Leuven", "Herent", "Kortenberg", "Bertem",
                                        "Oud-Heverlee", "Bierbeek", "Holsbeek", "Lubbeek")),
    ("Hageland-West", "Vlaams-Brabant", ("Aarschot", "Begijnendijk", "Rotselaar", "Tremelo",
                                         "Haacht", "Keerbergen", "Boortmeerbeek")),
    ("Hageland-Oost", "Vlaams-Brabant", ("Tienen", "Diest", "Scherpenheuvel-Zichem",
                                         "Tielt-Winge", "Glabbeek", "Kortenaken", "Bekkevoort")),
    ("Zuidoost-Brabant", "Vlaams-Brabant", ("Landen", "Linter", "Zoutleeuw", "Geetbets",
                                            "Hoegaarden", "Boutersem")),
    ("Noordrand", "Vlaams-Brabant", ("Vilvoorde", "Machelen", "Zaventem", "Grimbergen", "Meise",
                                     "Wemmel", "Steenokkerzeel", "Kampenhout")),
    ("Druivenstreek", "Vlaams-Brabant", ("Overijse", "Hoeilaart", "Tervuren", "Huldenberg",
                                         "Kraainem", "Wezembeek-Oppem")),
    ("Zennevallei", "Vlaams-Brabant", ("Halle", "Beersel", "Sint-Pieters-Leeuw", "Drogenbos",
                                       "Linkebeek")),
    ("Pajottenland", "Vlaams-Brabant", ("Dilbeek", "Lennik", "Gooik", "Galmaarden", "Herne",
                                        "Pepingen", "Bever")),
    ("Regio Asse", "Vlaams-Brabant", ("Asse", "Affligem", "Liedekerke", "Ternat", "Roosdaal",
                                      "Merchtem", "Opwijk", "Londerzeel",
                                      "Kapelle-op-den-Bos")),
    ("Regio Hasselt", "Limburg", ("Hasselt", "Zonhoven", "Diepenbeek", "Herk-de-Stad", "Halen",
                                  "Lummen")),
    ("Regio Genk", "Limburg", ("Genk", "As", "Zutendaal")),
    ("Maasland", "Limburg", ("Maasmechelen", "Lanaken", "Dilsen-Stokkem", "Maaseik")),
    ("Noord-Limburg", "Limburg", ("Lommel", "Pelt", "Hamont-Achel", "Hechtel-Eksel", "Peer",
                                  "Bree")),
    ("Midden-Limburg", "Limburg", ("Beringen", "Heusden-Zolder", "Houthalen-Helchteren",
                                   "Leopoldsburg", "Tessenderlo-Ham")),
    ("Zuid-Limburg", "Limburg", ("Sint-Truiden", "Tongeren-Borgloon", "Bilzen-Hoeselt",
                                 "Riemst", "Heers", "Gingelom", "Nieuwerkerken")),
    ("Kempen-Maas", "Limburg", ("Oudsbergen", "Kinrooi", "Bocholt")),
    ("Haspengouw", "Limburg", ("Alken", "Kortessem", "Wellen")),
    ("Brussel-Noord", "Brussel", ("Brussel", "Schaarbeek", "Evere", "Sint-Joost-ten-Node")),
    ("Brussel-West", "Brussel", ("Anderlecht", "Sint-Jans-Molenbeek", "Koekelberg", "Jette",
                                 "Ganshoren", "Sint-Agatha-Berchem")),
    ("Brussel-Zuid", "Brussel", ("Vorst", "Ukkel", "Sint-Gillis", "Elsene")),
    ("Brussel-Oost", "Brussel", ("Etterbeek", "Oudergem", "Sint-Lambrechts-Woluwe",
                                 "Sint-Pieters-Woluwe", "Watermaal-Bosvoorde")),
]


CITIES = {"Brugge", "Oostende", "Ieper", "Poperinge", "Kortrijk", "Menen", "Roeselare", "Tielt",
          "Waregem", "Torhout", "Blankenberge", "Diksmuide", "Gent", "Eeklo", "Deinze",
          "Sint-Niklaas", "Lokeren", "Dendermonde", "Aalst", "Ninove", "Geraardsbergen",
          "Oudenaarde", "Ronse", "Zottegem", "Antwerpen", "Mechelen", "Lier", "Turnhout", "Geel",
          "Herentals", "Mol", "Hoogstraten", "Leuven", "Aarschot", "Tienen", "Diest", "Landen",
          "Vilvoorde", "Halle", "Hasselt", "Genk", "Maaseik", "Lommel", "Beringen",
          "Sint-Truiden", "Tongeren-Borgloon", "Bilzen-Hoeselt", "Brussel"}


FIRST_NAMES = ["Annelies", "Koen", "Griet", "Hilde", "Lieselot", "Bart", "Els", "Wim", "Nadia",
               "Tom", "Wendy", "Karel", "Sara", "Ahmed", "Veerle", "Joris", "Sofie", "Pieter",
               "Lotte", "Jan", "An", "Mohamed", "Fatima", "Stijn", "Katrien", "Dirk", "Ines",
               "Ruben", "Elke", "Thomas", "Hanne", "Jeroen", "Marieke", "Youssef", "Leen", "Bram",
               "Nele", "Sander", "Femke", "Kristof", "Eva", "Wout", "Lies", "Yasmina", "Gert",
               "Charlotte", "Arne", "Ilse", "Hamza", "Tine"]


LAST_NAMES = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
              "Wouters", "De Smet", "Dubois", "Hermans", "Aerts", "Desmet", "Vermeulen",
              "Van den Bossche", "Verhaeghe", "Vandenbulcke", "Vanhoutte", "De Bock",
              "Verstraeten", "El Amrani", "Benali", "Van Goethem", "Declercq", "Lambrecht",
              "Coppens", "Martens", "Pauwels", "Vervoort", "Smets", "Segers", "Vandamme",
              "Michiels", "Leclercq", "Cools", "Stevens", "Mahieu", "Baert", "Bogaert",
              "Vlaeminck", "Yılmaz", "Öztürk", "Ceulemans", "Dewulf", "Ramakers", "Thys",
              "Geerts", "Van Hecke", "D'hondt"]


ORG_TYPES = ["Buurtwerk", "Vormingscentrum", "Maatwerkbedrijf", "Welzijnsschakel", "Jobcoaching",
             "Taalpunt", "Sociaal restaurant", "Kringloopcentrum", "Ervaringsdeskundigen",
             "Opleidingscentrum", "Schuldhulp", "Huis van het Kind", "Jeugdwerk",
             "Vrijwilligerspunt", "Mobiliteitspunt", "Sportwerking", "Digitaal Huis",
             "Gezondheidshuis", "Atelier", "Werkplaats"]


ORG_STEMS = ["De Brug", "Kompas", "Werkwijs", "Horizon", "Trampoline", "De Sleutel", "Bindkracht",
             "Opstap", "Springplank", "Talentwerf", "Nieuwe Start", "Duo", "De Overstap",
             "Kansrijk", "Het Anker", "Buurtkracht", "De Schakel", "Opnieuw", "Werkmaat",
             "Vitamine W", "Mozaïek", "Stapsteen", "De Loods", "Weerwerk", "Sterk Werk", "Tandem",
             "Vonk", "De Ploeg", "Basis", "Groeikans"]


LEGAL_FORMS = ["vzw", "vzw", "vzw", "vzw", "cv", "cvso", "bv"]


EXPERTISE = ["arbeidsmarktinclusie", "armoedebestrijding", "sociale economie",
             "geestelijke gezondheid", "inburgering en integratie", "jeugdwerk en onderwijs"]


ACTIVITIES = [org[4] for org in data.ORGANISATIONS.values()]


NEEDS = [need for area in data.AREAS.values() for need in area["needs"]]


CHALLENGES = [c for area in data.AREAS.values() for c in area["challenges"]]


INADMISSIBLE_REASONS = list(texts.INADMISSIBLE.values())


WITHDRAWAL_REASONS = list(texts.WITHDRAWALS.values())


LAPSED = "niet ingediend voor de deadline"  # as close_candidacies writes it


APPEAL_TEXTS = [(a["grounds"], a["documents"]) for a in texts.APPEALS.values()]


POSITION_TEXTS = {
    Position(p): [m for a in texts.APPEALS.values() for _, q, m in a["panel"] if q == p]
    for p in ("confirm", "reverse")}


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
