"""The sentence-support check: uncited and invented sentences are flagged, cited facts accepted."""

from __future__ import annotations

from collab_core.assistant.grounding import GroundingChecker, Source, embedder_pair


def test_uncited_and_invented_sentences_are_flagged(embedder):
    checker = GroundingChecker(names={"Minji": 1, "Daniel": 2}, embed=embedder_pair(embedder))
    sources = {7: Source("Minji", "The internal demo is on March 20 in room B.")}
    text = "The internal demo is on March 20 in room B [#7]. Daniel moved it to March 27 [#7]. The budget was doubled."
    result = checker.check(text, sources=sources, question="When is the demo?")
    assert [s.status for s in result.sentences] == ["supported", "unsupported", "unsupported"]
    assert result.sentences[2].reason == "no citation" and result.sentences[1].reason == "new specifics"
    assert (result.supported, result.claims) == (1, 3)
