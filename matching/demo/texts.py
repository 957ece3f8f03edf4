"""The demo's texts: candidacy answers, motivations, appeals, and the emergency procedure."""

from __future__ import annotations

from typing import TypedDict

from matching.candidacies.rules import Criterion

CONTRIBUTION = ("Wij bieden {activity}. Daarmee werken we mee aan deze regio-uitdaging: "
                "{objective}")


#: The answers to the eight assessment questions (R-JURY-2), per question key.
ANSWERS = {
    "crucial_contribution.1": "Wij bieden {activity}. Een traject duurt zes tot twaalf maanden en "
                              "start met een gesprek op een plek die de deelnemer zelf kiest.",
    "crucial_contribution.2": "Wat wij toevoegen, is één vaste begeleider die ook na de start op "
                              "het werk blijft opvolgen; dat aanbod bestaat in deze vorm niet in "
                              "het werkingsgebied.",
    "crucial_contribution.3": "Ons team telt {staff} begeleiders met ervaring met de doelgroep; "
                              "vorig jaar begeleidden we {reached} deelnemers, van wie een derde "
                              "doorstroomde naar werk of opleiding.",
    "crucial_contribution.4": "We zijn vandaag actief in {places}, met vaste zitdagen in de "
                              "sociale huizen, dicht bij de deelnemers.",
    "fit_for_partnership.1": "We nemen deel aan het lokale casusoverleg met het OCMW en VDAB en "
                             "werken intern met teams van begeleiders, psychologen en jobcoaches.",
    "fit_for_partnership.2": "Ons aanbod stopt waar zorg of huisvesting nodig is: dan werken we "
                             "samen met het OCMW, de ggz en de sociale huisvestingsmaatschappij.",
    "fit_for_partnership.3": "Een vorig samenwerkingsproject liep vast op onduidelijke afspraken "
                             "over wie het traject opvolgt; sindsdien werken we met een "
                             "schriftelijk samenwerkingsprotocol.",
    "fit_for_partnership.4": "In ons lopende netwerk beslissen we in een stuurgroep met één stem "
                             "per partner; we brengen onze cijfers open in en stemmen het aanbod "
                             "samen af.",
}


PARTNERSHIP_FIT = ("Wij zijn al jaren actief in de lokale overlegplatformen werk en welzijn en "
                   "engageren ons om mee te bouwen aan het organisatienetwerk en de stuurgroep "
                   "van het partnerschap.")

# --- texts of the jury ---------------------------------------------------------------------

CC, FP = Criterion.CRUCIAL_CONTRIBUTION, Criterion.FIT_FOR_PARTNERSHIP


#: R-JURY-6: the jury's motivation per criterion and score.
MOTIVATIONS = {
    CC: {4: "De activiteiten bieden een concreet en volledig antwoord op de lokale noden. De "
            "bijdrage is uniek in de regio, de capaciteit is met cijfers onderbouwd en de "
            "organisatie is in alle gemeenten aanwezig.",
         3: "De activiteiten sluiten goed aan bij de gekozen regio-uitdagingen en de capaciteit "
            "is onderbouwd. Beperkte tekortkoming: de lokale verankering in de kleinere "
            "gemeenten blijft vaag.",
         2: "De activiteiten zijn relevant, maar overlappen grotendeels met het bestaande aanbod "
            "en de capaciteit om ze in het hele werkingsgebied uit te voeren is onvoldoende "
            "aangetoond.",
         1: "De kandidatuur blijft algemeen: geen concreet antwoord op de lokale noden, geen "
            "onderbouwing van de capaciteit en geen lokale aanwezigheid."},
    FP: {4: "De organisatie toont met concrete voorbeelden ervaring met multidisciplinaire "
            "samenwerking, benoemt de grenzen van haar aanbod en de complementaire partners, en "
            "beschrijft hoe ze in gelijkwaardigheid mee beslist.",
         3: "Er is aantoonbare ervaring met samenwerking en de organisatie benoemt complementaire "
            "partners. Beperkte tekortkoming: weinig reflectie op minder geslaagde "
            "samenwerkingen.",
         2: "De organisatie werkt vooral zelfstandig: samenwerking blijft beperkt tot "
            "doorverwijzen en de grenzen van het eigen aanbod worden niet erkend.",
         1: "Er zijn geen voorbeelden van samenwerking en geen engagement voor gezamenlijke "
            "besluitvorming."},
}


#: A matchmaker's note per assessment question, by score.
NOTES = {4: ["Volledig overtuigend.", "Duidelijke meerwaarde.", "Met cijfers onderbouwd.",
             "Concreet uitgewerkt."],
         3: ["Overtuigend.", "Meerwaarde aanwezig.", "Grotendeels onderbouwd.",
             "Op één punt nog vaag."],
         2: ["Gedeeltelijk.", "Overlapt met bestaand aanbod.", "Weinig onderbouwd.",
             "Onvoldoende concreet."],
         1: ["Niet aangetoond.", "Geen meerwaarde zichtbaar.", "Niet onderbouwd.", "Ontbreekt."]}


BALLOT_MOTIVATION = ("Zonder consensus besliste de stemming per organisatie (⅔). {motivation}")


PITCH_REPORT = ("{name} lichtte de aanpak toe aan de hand van twee concrete trajecten. De jury "
                "peilde naar de samenwerking met VDAB en het OCMW en naar de inzet in de kleinere "
                "gemeenten.")


CONFLICT = ("koen.desmet", "taalpunt", "Mijn partner is bestuurder van Taalpunt Zuid-West vzw.")

INADMISSIBLE = {
    "mobielplus": "Uit de bijlagen blijkt dat de kandidatuur wordt ingediend namens een "
                  "consortium van drie vervoersaanbieders; de oproep laat enkel individuele "
                  "kandidaturen toe.",
    "herstelwaas": "Bij de controle na de deadline bleek dat de organisatie haar kosten enkel via "
                   "facturatie kan afrekenen; zulke organisaties zijn volgens de oproep de facto "
                   "uitgesloten als partner.",
}


WITHDRAWALS = {
    "dekuip": "Onze raad van bestuur kiest ervoor de beperkte capaciteit in te zetten op een "
              "lopend jeugdproject; we trekken onze kandidatuur in.",
    "transitiepunt": "Door het vertrek van onze coördinator kunnen we het engagement in stap 4 "
                     "niet waarmaken; we trekken onze kandidatuur in.",
    "speelnest": "Onze raad van bestuur stelt de uitbreiding van de opvangcapaciteit uit; we "
                 "trekken onze kandidatuur in.",
}

# --- appeals (weerwoorden): grounds, documents, and the panel's positions ---------------------

class AppealText(TypedDict):
    grounds: str
    documents: list[str]
    panel: list[tuple[str, str | None, str]]  # (mailbox, position (None: none yet), motivation)


APPEALS: dict[str, AppealText] = {
    "ervaringwest": {
        "grounds": "De jury schrijft dat onze capaciteit om ervaringsdeskundigen in alle gemeenten "
                   "in te zetten niet is aangetoond, maar bijlage 2 van onze kandidatuur (de "
                   "twaalf opgeleide ervaringsdeskundigen en hun inzet per gemeente) werd niet "
                   "meegenomen in de beoordeling.",
        "documents": ["Bijlage 2: overzicht ervaringsdeskundigen en inzet per gemeente",
                      "Jaarverslag 2024, p. 12-14"],
        "panel": [("karel.claes", "reverse",
                   "Bijlage 2 toont twaalf opgeleide ervaringsdeskundigen met hun inzet per "
                   "gemeente. Het juryverslag vermeldt deze bijlage niet en besluit tot "
                   "onvoldoende capaciteit: een materiële fout. Met deze informatie haalt de "
                   "kandidatuur de drempel op cruciale bijdrage."),
                  ("sara.mertens", "reverse",
                   "Ik sluit me aan: de motivering over de capaciteit gaat voorbij aan de "
                   "ingediende bijlage. De niet-selectie wordt omgekeerd; de organisatie wordt "
                   "uitgenodigd voor een pitch.")]},
    "jobcoachplus": {
        "grounds": "In de beslissing staat dat wij geen nazorg na indiensttreding bieden, terwijl "
                   "onze pitchpresentatie en de nagestuurde procesbeschrijving die nazorg "
                   "uitgebreid beschrijven.",
        "documents": ["Pitchpresentatie, slide 6",
                      "Procesbeschrijving nazorg, nagestuurd op vraag van de jury"],
        "panel": [("ahmed.benali", "reverse",
                   "De procesbeschrijving nazorg lag ter beschikking maar wordt in het "
                   "juryverslag niet vermeld; volgens mij werd ze onvoldoende meegenomen."),
                  ("veerle.willems", "confirm",
                   "Het juryverslag bespreekt de nazorg wel: de jury oordeelde dat ze overlapt met "
                   "het aanbod van VDAB. Dat is een inhoudelijke beoordeling, waarover geen "
                   "weerwoord mogelijk is.")]},
    "woonkans": {
        "grounds": "De jury schrijft dat wij geen partners benoemen, maar onze "
                   "samenwerkingsovereenkomst met het OCMW Temse (bijlage 1) werd niet gelezen.",
        "documents": ["Bijlage 1: samenwerkingsovereenkomst met het OCMW Temse"],
        "panel": [("sara.mertens", "confirm",
                   "De bijlage wordt in het juryverslag vermeld en besproken; de score steunt op "
                   "de beperkte bijdrage aan de regio-uitdagingen, niet op het ontbreken van "
                   "partners."),
                  ("joris.vermeulen", "confirm",
                   "Er is geen materiële fout: de jury heeft de bijlage meegenomen en haar oordeel "
                   "over de inhoud gemotiveerd.")]},
    "sportiefsterk": {
        "grounds": "De jury schrijft dat wij geen bereik hebben in Beveren-Kruibeke-Zwijndrecht, "
                   "maar de bereikcijfers per gemeente in bijlage 4 werden niet meegenomen.",
        "documents": ["Bijlage 4: bereikcijfers 2024 per gemeente"],
        "panel": [("karel.claes", "reverse",
                   "Bijlage 4 toont wekelijkse activiteiten in drie deelgemeenten van "
                   "Beveren-Kruibeke-Zwijndrecht; het juryverslag gaat daaraan voorbij."),
                  ("ahmed.benali", None, "")]},
    # Issue 13: two more appeals under review in Waasland, so that every appeal matchmaker
    # has one to judge (no position given yet by either panel member).
    "pollepel": {
        "grounds": "De stemming over de cruciale bijdrage verwijst naar een beperkt bereik, maar "
                   "de cijfers van onze opleidingen 2023-2024 (bijlage 3) tonen 46 deelnemers "
                   "uit vijf gemeenten van het Waasland; die bijlage wordt nergens vermeld.",
        "documents": ["Bijlage 3: deelnemers aan de opleidingen 2023-2024 per gemeente"],
        "panel": [("karel.claes", None, ""), ("sara.mertens", None, "")]},
    "scheldezorg": {
        "grounds": "Het juryverslag stelt dat wij geen doorstroom naar werk organiseren. Onze "
                   "kandidatuur beschrijft in het antwoord op vraag 3 en in bijlage 2 de "
                   "doorstroomtrajecten met twee maatwerkbedrijven.",
        "documents": ["Antwoord op vraag 3 van de kandidatuur",
                      "Bijlage 2: afsprakennota doorstroom met twee maatwerkbedrijven"],
        "panel": [("veerle.willems", None, ""), ("joris.vermeulen", None, "")]},
}

# --- the noodprocedure of step 4 (Regio Kortrijk) ------------------------------------------

EMERGENCY_MOTIVATION = (
    "Na drie overlegmomenten in stap 4 raakt het partnerschap niet tot een verdeling van de "
    "rollen in de trajectbegeleiding: twee partners claimen dezelfde opdracht en één partner nam "
    "niet deel aan de werkgroepen. VDAB en de lokale besturen starten daarom de noodprocedure op; "
    "het partnerschap en Europa WSE werden daarover gemotiveerd ingelicht.")
EMERGENCY_AGAIN = (
    "Ook na de eerste noodprocedure blijft de verdeling van de rollen vastzitten: de partner "
    "die de trajectbegeleiding op zich zou nemen, trekt zich terug uit die opdracht. VDAB en de "
    "lokale besturen scoren de partners daarom opnieuw; het partnerschap en Europa WSE werden "
    "gemotiveerd ingelicht.")


EMERGENCY_SCORE_MOTIVATIONS = {
    CC: {4: "Onmisbare bijdrage, ook bevestigd bij de uitwerking van het projectvoorstel.",
         3: "Relevante bijdrage met een duidelijk afgebakende rol in het partnerschap."},
    FP: {4: "Nam in stap 4 actief deel aan alle werkgroepen en zocht mee naar compromissen.",
         3: "Constructief in stap 4, al werden afspraken soms traag opgevolgd.",
         2: "Nam in stap 4 niet deel aan twee van de drie werkgroepen en hield vast aan een "
            "eigen rolverdeling."},
}


EMERGENCY_RANKING = ("Rangschikking volgens de som van beide scores; bij gelijke stand gaat de "
                     "partner voor die het meest onmisbaar is voor de regio-uitdaging 'Taal en "
                     "werk combineren'.")


NEW_VERSION_NOTE = ("Nieuwe contactpersoon bij VDAB (Tom Janssens vervangt Wendy Peeters) en de "
                    "doelstelling van regio-uitdaging RU2 verduidelijkt; de deadline blijft "
                    "ongewijzigd.")

OBSERVATION_KORTRIJK = (
    "Waar vinden we de motivering van de jury voor de kandidaturen die na ronde 1 niet "
    "geselecteerd werden? Graag een verwijzing voor we bekrachtigen.")

OBSERVATION_TURNHOUT = (
    "De tweede versie van het addendum verduidelijkt een doelstelling: kregen alle "
    "organisaties die al een kandidatuur begonnen, daarvan bericht?")

OBSERVATION_KORTRIJK_ANSWER = (
    "De motivering per kandidatuur staat in de beslissingsbrieven van ronde 1 (onder "
    "Brieven) en in het juryverslag bij elke kandidatuur, per criterium.")

OBSERVATION_ROESELARE = (
    "Kreeg Maatwerk Vlasland, niet toegelaten na ronde 2, de motivering van de jury en de "
    "termijn voor een weerwoord?")

OBSERVATION_ROESELARE_ANSWER = (
    "Ja: de beslissingsbrief van ronde 2 vermeldt de motivering per criterium en de termijn; "
    "de organisatie bevestigde de ontvangst en diende geen weerwoord in.")
