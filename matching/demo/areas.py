"""The demo work areas, each taken to its own state through the real operations."""

from __future__ import annotations

from juries import operations as jury_ops
from juries import round_operations as round_ops
from juries.emergency import operations as emergency_ops
from matching.candidacies import operations as candidacy_ops
from matching.demo import data, texts
from matching.demo.builder import CC, FP, Clock, Demo
from matching.oversight.operations import answer_observation, ratify, record_observation
from workareas import operations as area_ops


def kortrijk(d: Demo) -> None:
    """Ratified, in step 4: appeals after both rounds, an observation answered before the
    ratification; in the 8 weeks before the partnership starts, a noodprocedure concluded with
    a motivated ranking and a second one open (about 30 weeks)."""
    clock, key = Clock(d.today), "kortrijk"
    proc = d.procedure(key, clock, publish_day=-210, deadline_day=-161,
                       slots=[(-133 + i // 2, (10, 14)[i % 2]) for i in range(10)],
                       decision_day=-122, start_day=28)
    clock.day(-205)
    d.compose_jury(key, proc, clock)
    c = d.intake(proc, clock, start_day=-200, submit_day=-170, drafts=["dewieg"], submitted=[
        "leiebrug", "taalpunt", "mentaal", "schuldhulp", "jobcoachplus", "ervaringwest", "spoor",
        "digitaalmee", "jobhuis", "vlasland", "mobielplus", "dekuip", "brugwerk", "tweedekans",
        "groeningeveld"])
    d.withdraw(c["dekuip"], "dekuip", clock.day(-165))
    d.close_and_start(key, proc, c, "mobielplus", clock, day=-160)
    matchmaker, conflicted, reason = texts.CONFLICT
    jury_ops.declare_conflict(c[conflicted], reason, actor=d.users[matchmaker],
                              now=clock.day(-159))

    round_1 = {"leiebrug": (4, 3), "taalpunt": (4, 4), "schuldhulp": (3, 3),
               "jobcoachplus": (3, 3), "ervaringwest": (2, 3), "spoor": (2, 2),
               "digitaalmee": (1, 2), "jobhuis": (2, 3), "vlasland": (3, 2), "brugwerk": (3, 4),
               "tweedekans": (2, 2), "groeningeveld": (2, 3)}
    clock.day(-152, 9)
    for k, scores in round_1.items():
        d.consensus(c[k], 1, scores, clock)
    # Mentaal Vooruit: no consensus; a first ballot decides nothing, a second one does.
    clock.day(-147, 14)
    d.assess(c["mentaal"], 1, CC, {"annelies.verhaeghe": 3, "koen.desmet": 2,
                                   "griet.vandenbulcke": 2, "hilde.maes": 4}, clock)
    d.ballot(c["mentaal"], 1, CC, {"annelies.verhaeghe": 3, "griet.vandenbulcke": 2,
                                   "hilde.maes": 4}, clock)
    clock.day(-146, 10)
    d.ballot(c["mentaal"], 1, CC, {"annelies.verhaeghe": 3, "griet.vandenbulcke": 3,
                                   "hilde.maes": 4}, clock, decided=3)
    d.consensus(c["mentaal"], 1, (3,), clock, criteria=(FP,))
    clock.day(-145, 16)
    d.close_round(key, proc, 1, clock, [c[k] for k in [*round_1, "mentaal"]])

    pitching = ["leiebrug", "taalpunt", "mentaal", "schuldhulp", "jobcoachplus", "brugwerk"]
    clock.day(-143)
    for slot, k in enumerate(pitching):
        d.plan(key, c[k], proc, slot, clock)
    appeal = d.appeal(key, c["ervaringwest"], clock, file_day=-138, panel_day=-137)
    d.position(appeal, 0, clock, -135)
    d.position(appeal, 1, clock, -134)  # both reverse: selected for a pitch after all
    d.plan(key, c["ervaringwest"], proc, 9, clock)
    for k in [*pitching, "ervaringwest"]:
        d.pitch(key, c[k], clock)

    round_2 = {"leiebrug": (4, 4), "taalpunt": (4, 3), "mentaal": (3, 3), "schuldhulp": (3, 4),
               "jobcoachplus": (2, 3), "brugwerk": (3, 2), "ervaringwest": (3, 3)}
    clock.day(-126, 9)
    for k, scores in round_2.items():
        d.consensus(c[k], 2, scores, clock)
    clock.day(-124, 16)
    d.close_round(key, proc, 2, clock, [c[k] for k in round_2])
    appeal = d.appeal(key, c["jobcoachplus"], clock, file_day=-115, panel_day=-114)
    d.position(appeal, 0, clock, -110)
    d.position(appeal, 1, clock, -108)  # split panel: the non-selection is confirmed

    # Before ratifying, Europa WSE asks about the documentation; the coordinator answers;
    # with the six conditions met and every appeal window over, Europa WSE ratifies.
    observation = record_observation(proc, 5, texts.OBSERVATION_KORTRIJK, actor=d.observer,
                                     now=clock.day(-107, 11))
    answer_observation(observation, texts.OBSERVATION_KORTRIJK_ANSWER,
                       actor=d.coordinators[key], now=clock.day(-105, 15))
    ratify(proc, actor=d.observer, now=clock.day(-100, 10))

    # Step 4: the partnership cannot assign roles; VDAB and the local government step in.
    vdab, lokaal = d.users["annelies.verhaeghe"], d.users["griet.vandenbulcke"]
    emergency = emergency_ops.start_emergency(proc, texts.EMERGENCY_MOTIVATION, actor=vdab,
                                              now=clock.day(-21))
    rescored = {"leiebrug": (4, 4), "taalpunt": (4, 3), "mentaal": (3, 2), "schuldhulp": (3, 3),
                "ervaringwest": (3, 4)}
    for day, scorer in ((-18, vdab), (-17, lokaal)):
        clock.day(day, 9)
        for k, scores in rescored.items():
            for criterion, score in zip((CC, FP), scores, strict=True):
                text = texts.EMERGENCY_SCORE_MOTIVATIONS[criterion][score]
                emergency_ops.record_emergency_score(
                    emergency, c[k], criterion, score, text,
                    text if criterion == FP else None,  # the behaviour observed in step 4
                    actor=scorer, now=clock.later(minutes=10))
    ranking = [c[k] for k in ("leiebrug", "taalpunt", "ervaringwest", "schuldhulp")]
    emergency_ops.conclude_emergency(emergency, ranking, texts.EMERGENCY_RANKING, actor=lokaal,
                                     now=clock.day(-14))
    # Issue 13: the roles stay unassigned; a second noodprocedure is open, VDAB re-scored
    # two partners and the local government none yet (both task lists show what waits).
    again = emergency_ops.start_emergency(proc, texts.EMERGENCY_AGAIN, actor=vdab,
                                          now=clock.day(-4))
    clock.day(-3, 9)
    for k in ("leiebrug", "taalpunt"):
        for criterion, score in zip((CC, FP), rescored[k], strict=True):
            text = texts.EMERGENCY_SCORE_MOTIVATIONS[criterion][score]
            emergency_ops.record_emergency_score(
                again, c[k], criterion, score, text, text if criterion == FP else None,
                actor=vdab, now=clock.later(minutes=10))


def waasland(d: Demo) -> None:
    """In round 2: pitches held and planned, one appeal confirmed, one under review."""
    clock, key = Clock(d.today), "waasland"
    past, future = [(-21, 10), (-21, 14), (-20, 10), (-20, 14)], [(4, 10), (4, 14), (5, 10)]
    proc = d.procedure(key, clock, publish_day=-112, deadline_day=-63, slots=past + future,
                       decision_day=21, start_day=150)
    clock.day(-108)
    d.compose_jury(key, proc, clock)
    c = d.intake(proc, clock, start_day=-105, submit_day=-70, drafts=["polder"], submitted=[
        "werkwinkel", "reynaert", "gezondslag", "vlasbloem", "taalwerkwaas", "sportiefsterk",
        "woonkans", "scheldezorg", "pollepel", "herstelwaas", "transitiepunt", "jobcoachplus",
        "steunpuntwg"])
    d.close_and_start(key, proc, c, "herstelwaas", clock, day=-62)

    round_1 = {"werkwinkel": (4, 3), "reynaert": (3, 3), "gezondslag": (3, 4),
               "vlasbloem": (3, 3), "taalwerkwaas": (4, 4), "sportiefsterk": (2, 3),
               "woonkans": (2, 2), "scheldezorg": (1, 2), "transitiepunt": (3, 3),
               "jobcoachplus": (2, 2), "steunpuntwg": (3, 3)}
    clock.day(-55, 9)
    for k, scores in round_1.items():
        d.consensus(c[k], 1, scores, clock)
    # De Pollepel: the two local-government matchmakers differ; their bloc casts one vote.
    clock.day(-51, 10)
    d.assess(c["pollepel"], 1, CC, {"bart.vangoethem": 2, "els.verstraeten": 2,
                                    "wim.debock": 3, "nadia.elamrani": 3}, clock)
    d.ballot(c["pollepel"], 1, CC, {"bart.vangoethem": 2, "els.verstraeten": 2,
                                    "nadia.elamrani": 3}, clock, decided=2)
    d.consensus(c["pollepel"], 1, (3,), clock, criteria=(FP,))
    clock.day(-48, 16)
    d.close_round(key, proc, 1, clock, [c[k] for k in [*round_1, "pollepel"]])

    clock.day(-46)
    # Steunpunt's pitch is not planned yet: the coordinator's task list asks to plan it.
    for k, slot in (("werkwinkel", 0), ("reynaert", 1), ("gezondslag", 2), ("taalwerkwaas", 4),
                    ("vlasbloem", 5)):
        d.plan(key, c[k], proc, slot, clock)
    confirmed = d.appeal(key, c["woonkans"], clock, file_day=-44, panel_day=-43)
    pending = d.appeal(key, c["sportiefsterk"], clock, file_day=-40, panel_day=-38)
    # Issue 13: two more appeals whose panels have not decided yet, so that every appeal
    # matchmaker has one to judge.
    d.appeal(key, c["pollepel"], clock, file_day=-38, panel_day=-37)
    d.appeal(key, c["scheldezorg"], clock, file_day=-37, panel_day=-36)
    d.position(confirmed, 0, clock, -36)
    d.position(confirmed, 1, clock, -35)
    d.position(pending, 0, clock, -30)  # the second panel member has not decided yet
    d.withdraw(c["transitiepunt"], "transitiepunt", clock.day(-25))
    for k in ("werkwinkel", "reynaert", "gezondslag"):
        d.pitch(key, c[k], clock)
    clock.day(-14, 9)
    d.consensus(c["werkwinkel"], 2, (4, 3), clock)
    clock.day(-13, 9)
    d.assess(c["reynaert"], 2, CC, {"bart.vangoethem": 3, "els.verstraeten": 3,
                                    "wim.debock": 2, "nadia.elamrani": 2}, clock)
    d.ballot(c["reynaert"], 2, CC, {"bart.vangoethem": 3, "wim.debock": 3,
                                    "nadia.elamrani": 2}, clock, decided=3)
    d.consensus(c["reynaert"], 2, (3,), clock, criteria=(FP,))
    # Gezond aan de Slag: the individual scores on crucial contribution differ; the ballot is
    # open and only the local government voted so far (the others' task lists show it).
    clock.day(-12, 10)
    d.assess(c["gezondslag"], 2, CC, {"bart.vangoethem": 3, "els.verstraeten": 4,
                                      "wim.debock": 4, "nadia.elamrani": 3}, clock)
    ballot = jury_ops.open_ballot(c["gezondslag"], 2, CC, actor=d.users["wim.debock"],
                                  now=clock.later(minutes=5))
    jury_ops.cast_vote(ballot, 4, actor=d.users["wim.debock"], now=clock.later(minutes=2))
    # On its fit, everyone agrees; Els (not the chair) recorded the consensus, which awaits
    # the confirmation of VDAB or the external (issue 13: their task lists show it).
    clock.day(-11, 11)
    d.pending_consensus(c["gezondslag"], 2, FP, 3, "els.verstraeten", clock)
    # Europa WSE asks about the appeal still under review; the coordinator answers.
    observation = record_observation(
        proc, 6, "Het weerwoord van Sportief Sterk loopt al lang: wanneer beslist het tweede "
        "panellid?", actor=d.observer, now=clock.day(-10, 11))
    answer_observation(observation, "Het tweede panellid is met verlof; zijn standpunt volgt "
                       "na zijn terugkeer, ruim voor de beslissing van ronde 2.",
                       actor=d.coordinators[key], now=clock.day(-9, 15))


def turnhout(d: Demo) -> None:
    """Published, open for candidacies until a deadline five weeks from today."""
    clock, key = Clock(d.today), "turnhout"
    proc = d.procedure(key, clock, publish_day=-21, deadline_day=35,
                       slots=[(49, 10), (49, 14), (50, 10), (50, 14), (51, 10)],
                       decision_day=70, start_day=180)
    c = d.intake(proc, clock, start_day=-19, submit_day=-12, submitted=[
        "arbeidsatelier", "groenevingers", "debrug", "budgetwijzer", "klaverblad",
        "noorderkempen", "ervaringkempen", "brugwerk", "speelnest"],
        drafts=["jongerenpunt", "opwielen", "digipunt", "talentwerk", "steunpuntwg"],
        partial=["digipunt", "talentwerk"])
    content = area_ops.version_content(proc.current_version)
    tom = data.AREAS[key]["jury"][0][0]
    content["contacts"][1].update(name=tom, email=data.email(data.mailbox(tom)))
    content["challenges"][1]["objectives"] += (" Doorstroom betekent: minstens zes maanden "
                                               "betaald werk.")
    area_ops.publish_new_version(proc, content, texts.NEW_VERSION_NOTE,
                                 actor=d.coordinators[key], now=clock.day(-9))
    clock.day(-7)
    d.compose_jury(key, proc, clock)
    d.withdraw(c["speelnest"], "speelnest", clock.day(-5))
    # Europa WSE asks whether the new version reached every applicant; not answered yet.
    record_observation(proc, 3, texts.OBSERVATION_TURNHOUT, actor=d.observer,
                       now=clock.day(-2, 14))


def oostende(d: Demo) -> None:
    """Issue 13: a work area just registered by the administrator, without a coordinator
    yet (the administrator's task list asks to invite one)."""
    clock = Clock(d.today)
    area_ops.create_work_area("Regio Oostende", "West-Vlaanderen",
                              ["Oostende", "Bredene", "Middelkerke"], [], actor=d.admin,
                              now=clock.day(-1, 15))


def mechelen(d: Demo) -> None:
    """In round 1 (issue 13): one candidacy decided, one with a ballot open (only VDAB voted),
    one still waiting for individual scores; the jury's task lists show both."""
    clock, key = Clock(d.today), "mechelen"
    proc = d.procedure(key, clock, publish_day=-80, deadline_day=-30,
                       slots=[(21, 10), (21, 14), (22, 10)], decision_day=45, start_day=200)
    clock.day(-75)
    d.compose_jury(key, proc, clock)
    c = d.intake(proc, clock, start_day=-70, submit_day=-40,
                 submitted=["brugwerk", "steunpuntwg", "jobcoachplus"])
    coordinator = d.coordinators[key]
    candidacy_ops.close_candidacies(proc, actor=coordinator, now=clock.day(-29, 9))
    round_ops.start_round_1(proc, actor=coordinator, now=clock.day(-29, 11))
    clock.day(-8, 9)
    d.consensus(c["brugwerk"], 1, (3, 3), clock)
    clock.day(-6, 10)
    d.assess(c["steunpuntwg"], 1, CC, {"tom.janssens": 3, "inge.vanlooy": 2,
                                       "marc.goossens": 4, "leen.wouters": 3}, clock)
    ballot = jury_ops.open_ballot(c["steunpuntwg"], 1, CC, actor=d.users["tom.janssens"],
                                  now=clock.later(minutes=5))
    jury_ops.cast_vote(ballot, 3, actor=d.users["tom.janssens"], now=clock.later(minutes=2))
    # Jobcoaching Plus: only the VDAB member scored yet; the others' task lists ask for it.
    d.assess(c["jobcoachplus"], 1, CC, {"tom.janssens": 2}, clock)


def roeselare(d: Demo) -> None:
    """Decided and ready to ratify (issue 13): both rounds closed, every decision letter
    received, the appeal windows over without an appeal, Europa WSE's observation answered;
    the observer's task list asks to check the six conditions and ratify (about 22 weeks)."""
    clock, key = Clock(d.today), "roeselare"
    proc = d.procedure(key, clock, publish_day=-150, deadline_day=-105,
                       slots=[(-80, 10), (-80, 14), (-79, 10), (-79, 14)],
                       decision_day=-60, start_day=120)
    clock.day(-145)
    d.compose_jury(key, proc, clock)
    c = d.intake(proc, clock, start_day=-140, submit_day=-120, submitted=[
        "taalpunt", "mentaal", "schuldhulp", "digitaalmee", "groeningeveld", "vlasland"])
    coordinator = d.coordinators[key]
    candidacy_ops.close_candidacies(proc, actor=coordinator, now=clock.day(-104, 9))
    round_ops.start_round_1(proc, actor=coordinator, now=clock.day(-104, 11))
    round_1 = {"taalpunt": (4, 3), "mentaal": (3, 3), "schuldhulp": (3, 4),
               "digitaalmee": (2, 3), "groeningeveld": (1, 2), "vlasland": (3, 3)}
    clock.day(-95, 9)
    for k, scores in round_1.items():
        d.consensus(c[k], 1, scores, clock)
    clock.day(-92, 16)
    d.close_round(key, proc, 1, clock, [c[k] for k in round_1])
    pitching = ["taalpunt", "mentaal", "schuldhulp", "vlasland"]
    clock.day(-89)
    for slot, k in enumerate(pitching):
        d.plan(key, c[k], proc, slot, clock)
    for k in pitching:
        d.pitch(key, c[k], clock)
    round_2 = {"taalpunt": (4, 4), "mentaal": (3, 3), "schuldhulp": (3, 3), "vlasland": (2, 3)}
    clock.day(-72, 9)
    for k, scores in round_2.items():
        d.consensus(c[k], 2, scores, clock)
    clock.day(-70, 16)
    d.close_round(key, proc, 2, clock, [c[k] for k in round_2])
    # Europa WSE asks about the letter of the one not admitted; the coordinator answered
    # (the observer's task list shows the answer, next to the ratification).
    observation = record_observation(proc, 2, texts.OBSERVATION_ROESELARE, actor=d.observer,
                                     now=clock.day(-6, 11))
    answer_observation(observation, texts.OBSERVATION_ROESELARE_ANSWER, actor=coordinator,
                       now=clock.day(-5, 15))
