"""Word lists the attribution and actor rules use (lower-case lemmas unless said otherwise).

Calibrated by reading the cue frequencies and the missed / spurious cues of PolNeAR
*train* (a fixed random 300 articles of it); never tuned on dev.
"""

from __future__ import annotations

#: Verbs of saying: the cue of a "speech attribution" in the evaluation, and the verbs
#: that may introduce a direct quote.
SPEECH_VERBS: frozenset[str] = frozenset(
    ["say", "tell", "add", "write", "ask", "note", "report", "announce", "suggest", "tweet", "argue", "explain", "declare", "state", "claim", "insist", "warn", "promise", "respond", "reply", "answer", "comment", "remark", "acknowledge", "admit", "concede", "confirm", "deny", "recall", "continue", "conclude", "predict", "vow", "pledge", "urge", "call", "describe", "testify", "assert", "contend", "maintain", "stress", "emphasize", "emphasise", "repeat", "reiterate", "mention", "observe", "point", "tout", "boast", "complain", "lament", "grumble", "sigh", "shout", "yell", "scream", "whisper", "mutter", "murmur", "joke", "quip", "retort", "counter", "protest", "allege", "charge", "accuse", "blast", "slam", "criticize", "criticise", "praise", "thank", "apologize", "apologise", "caution", "advise", "recommend", "propose", "demand", "request", "signal", "hint", "indicate", "disclose", "reveal", "inform", "notify", "assure", "reassure", "remind", "quote", "cite", "post", "blog", "speak", "talk", "chant", "exclaim", "cry", "gush", "rave", "rant", "muse", "wonder", "ponder", "question", "dismiss", "reject", "defend", "attack", "mock", "ridicule", "condemn", "denounce", "decry", "lambaste", "berate", "rebuke", "scold", "chide", "concur", "agree", "disagree", "brag", "snap", "snarl", "sneer", "growl", "bark", "plead", "beg", "implore", "pray", "vouch", "swear", "affirm", "aver", "declare", "proclaim", "pronounce"]
)

#: Verbs of thought, belief, perception and intention (PolNeAR annotates these too).
THOUGHT_VERBS: frozenset[str] = frozenset(
    ["think", "believe", "know", "feel", "hope", "fear", "expect", "worry", "doubt", "suspect", "assume", "guess", "reckon", "imagine", "consider", "figure", "realize", "realise", "understand", "learn", "decide", "plan", "intend", "want", "wish", "seek", "prefer", "hesitate", "refuse", "decline", "support", "oppose", "endorse", "favor", "favour", "reckon", "estimate", "recognize", "recognise", "acknowledge", "insist", "trust", "bet", "anticipate", "envision", "see", "view", "regard"]
)

#: Verbs whose subject reports a finding (``a poll showed that``); an attribution only when
#: the subject is a named entity or one of :data:`EVIDENCE_NOUNS` ("experience shows that"
#: is not one).
FINDING_VERBS: frozenset[str] = frozenset(["show", "find", "suggest", "indicate", "reveal", "conclude", "estimate", "project"])
EVIDENCE_NOUNS: frozenset[str] = frozenset(
    ["poll", "polls", "survey", "surveys", "study", "studies", "report", "reports", "analysis", "data", "research", "review", "audit", "investigation", "probe", "document", "documents", "memo", "records", "filing", "filings", "census", "count", "tally", "projection", "forecast", "model"]
)

#: Nouns that name how something was said; the key is the lemma, the value the channel.
CHANNELS: dict[str, str] = {
    "letter": "letter", "interview": "interview", "statement": "statement",
    "speech": "speech", "tweet": "tweet", "twitter": "tweet", "post": "post",
    "conference": "press conference", "briefing": "briefing", "email": "email",
    "e-mail": "email", "memo": "memo", "op-ed": "op-ed", "column": "op-ed",
    "debate": "debate", "rally": "rally", "hearing": "hearing", "testimony": "testimony",
    "video": "video", "broadcast": "broadcast", "podcast": "podcast", "call": "call",
    "message": "message", "address": "speech", "remarks": "remarks", "show": "broadcast",
    "release": "statement", "facebook": "post", "appearance": "interview",
}

#: Words that make an organisation's name a news outlet (matched on whole words).
OUTLET_WORDS: frozenset[str] = frozenset(
    ["times", "post", "news", "journal", "daily", "herald", "tribune", "gazette", "guardian", "telegraph", "beast", "magazine", "wire", "press", "agency", "radio", "television", "tv", "observer", "chronicle", "examiner", "independent", "mirror", "express", "insider", "intercept", "reporter", "review", "monitor", "bulletin", "dispatch", "courier", "inquirer", "sentinel", "globe", "register", "star", "standard", "broadcasting", "network", "channel"]
)
#: News organisations often named without one of the words above (lower case).
KNOWN_OUTLETS: frozenset[str] = frozenset(
    ["reuters", "ap", "afp", "bloomberg", "cnn", "bbc", "nbc", "abc", "cbs", "msnbc", "npr", "pbs", "politico", "axios", "breitbart", "buzzfeed", "vox", "slate", "salon", "huffpost", "tass", "ria", "interfax", "xinhua", "yonhap", "kyodo", "dpa", "ansa", "efe", "al", "jazeera", "aljazeera", "usa", "today", "fox", "the", "hill", "newsweek", "forbes", "time", "economist", "atlantic", "vice", "ria", "novosti", "sputnik", "rt", "ukrinform", "unian", "kyiv", "independent"]
)
MULTIWORD_OUTLETS: frozenset[str] = frozenset(
    {"associated press", "al jazeera", "fox news", "usa today", "the hill", "new york times",
     "washington post", "wall street journal", "financial times", "the atlantic",
     "the economist", "ria novosti", "kyiv independent", "huffington post", "sky news"}
)

#: Nouns that describe a person's role; a definite nominal with such a head ("the
#: Belarusian leader") can refer back to a named person.
ROLE_NOUNS: frozenset[str] = frozenset(
    ["president", "leader", "dictator", "strongman", "ruler", "autocrat", "premier", "minister", "chancellor", "secretary", "general", "chief", "head", "spokesman", "spokeswoman", "spokesperson", "senator", "congressman", "congresswoman", "representative", "governor", "mayor", "candidate", "nominee", "official", "ambassador", "envoy", "diplomat", "king", "queen", "prince", "monarch", "emperor", "pope", "pontiff", "director", "chairman", "chairwoman", "chair", "ceo", "founder", "commander", "officer", "judge", "justice", "lawyer", "attorney", "doctor", "professor", "scientist", "researcher", "author", "writer", "reporter", "journalist", "businessman", "billionaire", "tycoon", "mogul", "actor", "actress", "singer", "star", "democrat", "republican", "activist", "campaigner", "lawmaker", "legislator", "politician", "statesman", "foreign-minister", "ex-president"]
)
#: Role nouns that can stand for one another ("the Belarusian leader" = "President …").
HEAD_OF_STATE: frozenset[str] = frozenset(
    ["president", "leader", "dictator", "strongman", "ruler", "autocrat", "premier", "chancellor", "king", "queen", "monarch", "emperor"]
)
PRONOUNS_PERSON: frozenset[str] = frozenset(["he", "him", "his", "himself", "she", "her", "hers", "herself"])
