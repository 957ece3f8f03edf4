"""The whole path of one procedure through the real operations, on every backend."""

from matching.candidacies.rules import CandidacyState
from workareas.rules import ProcedureState


def test_a_procedure_from_publication_to_step4(world, db):
    p = world.published_procedure()
    a = world.apply("Jobkracht vzw")
    b = world.apply("Buurtwerk De Brug")
    world.start_round_1()
    world.decide(a, 1, (3, 4))
    world.decide(b, 1, (2, 3))
    world.close_round(1)
    assert a.state == CandidacyState.SELECTED_FOR_PITCH
    assert b.state == CandidacyState.NOT_SELECTED_R1
    assert p.state == ProcedureState.ROUND_2
    world.pitch(a)
    world.decide(a, 2, (4, 3))
    world.close_round(2)
    assert a.state == CandidacyState.ADMITTED_TO_STEP4
    assert p.state == ProcedureState.DECIDED
    db.session.commit()
