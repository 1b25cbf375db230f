"""Label sets shared by stages and presentation, with short definitions in our own words.

Light on purpose: the HTML report imports it without loading any model.
"""

from __future__ import annotations

#: The 14 technique labels of the Propaganda Techniques Corpus (SemEval-2020 Task 11),
#: with a one-line definition each.
TECHNIQUES: dict[str, str] = {
    "Loaded_Language": "Words chosen for their emotional charge rather than their information, "
                       "to sway the reader.",
    "Name_Calling,Labeling": "Attaching a label the audience fears, hates or admires to a person "
                             "or group instead of arguing about them.",
    "Repetition": "Saying the same message again and again until it sticks.",
    "Exaggeration,Minimisation": "Making something look larger, worse or better than it is — or "
                                 "playing it down.",
    "Doubt": "Questioning the credibility of someone or something without substantiating it.",
    "Appeal_to_fear-prejudice": "Building support for an idea by stoking fear or prejudice "
                                "against an alternative.",
    "Flag-Waving": "Appealing to patriotism or group identity to justify a position.",
    "Causal_Oversimplification": "Presenting one cause for an outcome that has many.",
    "Slogans": "A short, striking phrase that works as a call to action or a label.",
    "Appeal_to_Authority": "Claiming something is true because an authority says so, without "
                           "other evidence.",
    "Black-and-White_Fallacy": "Offering two alternatives as the only ones possible.",
    "Thought-terminating_Cliches": "A stock phrase that discourages further thought or "
                                   "discussion.",
    "Whataboutism,Straw_Men,Red_Herring": "Deflecting a charge by pointing at the opponent, "
                                          "misrepresenting their position, or changing the subject.",
    "Bandwagon,Reductio_ad_hitlerum": "Urging agreement because everyone agrees — or rejecting an "
                                      "idea because a despised group holds it.",
}


def technique_label(name: str) -> str:
    """A human-readable name: ``Name_Calling,Labeling`` → ``Name calling / labeling``."""
    return name.replace("_", " ").replace(",", " / ").capitalize()
