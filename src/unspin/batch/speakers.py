"""One speaker across the corpus: the actors' names merged into canonical speakers.

Actors are per article (the actors stage already merges "Trump" into "Donald Trump" inside
one article); this module merges them *across* articles, from the names alone:

1. **Clean** a name: titles and honorifics before a person's name are dropped ("Mr.",
   "President", "Sen.", "former", …), so are middle initials ("Donald J. Trump"), suffixes
   ("Jr.", "III") and, for any type, a leading "the" ("the State Department"). The *key*
   is the cleaned name case-folded, without accents or punctuation ("U.S." = "US").
2. **Full names** (a person whose key has two or more words) merge when their first and
   last words agree and at most one middle part occurs among them ("Hillary Rodham Clinton"
   = "Hillary Clinton", "Donald J. Trump" = "Donald Trump"); two different middles are two
   people ("George W. Bush", "George H.W. Bush"), and the bare "George Bush" stays apart.
   A leading word before a known full name is dropped when nothing else explains the
   name ("Billionaire Donald Trump" = "Donald Trump"). Other types merge when their keys
   are equal.
3. **A surname alone** ("Trump", "Mr. Trump", "President Trump") attaches to the person
   with a full name ending in that surname when that person is the only one, or when it is
   quoted in at least :data:`DOMINANCE` times as many articles as all the other full names
   with that surname together; otherwise the surname is ambiguous and stays a speaker of
   its own ("Trump" never merges into "Ivanka Trump" while "Donald Trump" is in the corpus).
   A single word is tried as a first name too, in the same contest: "Hillary" goes to
   "Hillary Clinton" when she dominates every full name with "Hillary" as its first or
   last word.
4. **The user's alias file wins** (CSV ``alias,canonical[,wikidata_id]``): a name whose
   key equals an alias's key, or a canonical's key, belongs to that canonical, whatever
   the automatic merge says; an automatic group whose canonical key equals a user
   canonical's joins it.

A group's canonical name is its most frequent cleaned full form (for people, the most
frequent cleaned form of two or more words), or the user's canonical.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from unspin.errors import InputError

__all__ = [
    "DOMINANCE",
    "GENDER_AGREEMENT",
    "Alias",
    "Mention",
    "Speaker",
    "canonical_speakers",
    "clean_name",
    "decide_gender",
    "name_key",
    "read_aliases",
    "usable_name",
]

#: A surname alone goes to the full name quoted in this many times as many articles as the
#: other full names with that surname together. Chosen before measuring (not tuned): a
#: surname is "clearly someone's" in a corpus when one bearer dominates it by a wide margin.
DOMINANCE = 3.0

_TITLES = frozenset({
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord", "lady",
    "rev", "reverend", "fr", "father", "sister", "president", "vice", "vp", "presidentelect",
    "pres", "sen", "senator", "rep", "representative", "congressman", "congresswoman", "gov",
    "governor", "lt", "ltgov", "mayor", "secretary", "sec", "attorney", "general", "gen", "atty",
    "judge", "justice", "chief", "chairman", "chairwoman", "chair", "speaker", "minister", "prime",
    "pm", "ambassador", "amb", "adm", "admiral", "col", "colonel", "capt", "captain", "sgt",
    "sergeant", "maj", "major", "officer", "commissioner", "director", "candidate", "nominee",
    "former", "then", "ex", "the", "late", "dem", "republican", "democrat", "democratic",
})
_SUFFIXES = frozenset({"ii", "iii", "iv", "phd", "md", "esq"})
#: Suffixes that tell a son from his father ("Donald Trump Jr."): kept, and never merged
#: with the name without them.
_FAMILY = frozenset({"jr", "sr"})
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_INITIALS = re.compile(r"(?:[^\W\d_]\.?)|(?:[^\W\d_]\.){2,}", re.UNICODE)
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*\.?", re.UNICODE)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _bare(word: str) -> str:
    return re.sub(r"[^\w]", "", _fold(word))


def _person_words(name: str) -> list[str]:
    """A person's name as words, titles, a leading "the" and suffixes dropped."""
    words = _WORD.findall(" ".join(name.split()))
    if words and _bare(words[0]) == "the":
        words = words[1:]
    while len(words) > 1 and _bare(words[0]) in _TITLES:
        words = words[1:]
    while len(words) > 1 and _bare(words[-1]) in _SUFFIXES:
        words = words[:-1]
    return words


def clean_name(name: str, type: str = "person") -> str:
    """``name`` without a leading "the" and, for a person, without titles, middle initials
    and suffixes (original casing kept): "President Donald J. Trump Jr." → "Donald Trump"."""
    if type != "person":
        return _LEADING_THE.sub("", " ".join(name.split()))
    words = _person_words(name)
    family = [words.pop()] if len(words) > 2 and _bare(words[-1]) in _FAMILY else []
    if len(words) > 2:  # middle initials: "Donald J. Trump", "George H. W. Bush", "H.W."
        words = [words[0], *(w for w in words[1:-1] if not _INITIALS.fullmatch(w)), words[-1]]
    return " ".join(words + family)


def _first_last(name: str) -> tuple[str, str] | None:
    """A person's first and last word as keys (a "Jr." passed over), None for one word."""
    words = [b for b in (_bare(w) for w in _person_words(name)) if b]
    if len(words) > 2 and words[-1] in _FAMILY:
        words = words[:-1]
    return (words[0], words[-1]) if len(words) >= 2 else None


def _middle(name: str) -> str:
    """What stands between a person's first and last name, initials included ("h w"),
    with "+jr" / "+sr" after it for a family suffix."""
    words = [_bare(w) for w in _person_words(name)]
    family = f"+{words.pop()}" if len(words) > 2 and words[-1] in _FAMILY else ""
    return " ".join([*words[1:-1], family]).strip()


def name_key(name: str, type: str = "person") -> str:
    """The comparison key of a name: cleaned, case-folded, accents and punctuation gone."""
    return " ".join(b for b in (_bare(w) for w in clean_name(name, type).split()) if b)


@dataclass(frozen=True)
class Alias:
    """One row of a user alias file."""

    alias: str
    canonical: str
    wikidata_id: str | None = None


@dataclass
class Speaker:
    """A canonical speaker: its name, type, the actor names it covers, and the ids of the
    articles it is quoted in with its quote count (filled by the caller from its rows)."""

    name: str
    type: str
    aliases: set[str] = field(default_factory=set)
    wikidata_id: str | None = None
    articles: set[str] = field(default_factory=set)
    quotes: int = 0


_WIKIDATA = re.compile(r"Q[1-9][0-9]*")


def read_aliases(path: Path) -> list[Alias]:
    """Read a CSV alias file (``alias,canonical[,wikidata_id]``, an optional header line
    ``alias,canonical,…``, ``#`` comment lines and blank lines skipped). A malformed file is
    an :class:`InputError` naming the line."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM (Excel's CSV) is not a name
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the alias file {path} ({exc}); give a UTF-8 CSV of "
                         "alias,canonical[,wikidata_id]", path=str(path)) from exc
    out: list[Alias] = []
    seen: dict[str, tuple[str, int]] = {}  # alias key -> (its canonical, its line)
    reader = csv.reader(io.StringIO(text))
    first = True
    for row in reader:
        number = reader.line_num  # the line the row ends on (a quoted field may span lines)
        cells = [c.strip() for c in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if first and [c.casefold() for c in cells[:2]] == ["alias", "canonical"]:
            first = False
            continue
        first = False
        where = f"line {number} of the alias file {path}"
        if len(cells) not in (2, 3) or not cells[0] or not cells[1]:
            raise InputError(f"{where} has {len(cells)} field(s) {row!r}; each line is "
                             "alias,canonical[,wikidata_id] with both names non-empty",
                             path=str(path), line=number)
        wikidata = cells[2] if len(cells) == 3 and cells[2] else None
        if wikidata is not None and not _WIKIDATA.fullmatch(wikidata):
            raise InputError(f"{where}: {wikidata!r} is not a Wikidata id (Q followed by "
                             "digits, e.g. Q22686)", path=str(path), line=number)
        if not name_key(cells[0]) or not name_key(cells[1]):
            raise InputError(f"{where}: {cells[0]!r} or {cells[1]!r} has no letters or digits "
                             "to match a name by", path=str(path), line=number)
        earlier = seen.get(name_key(cells[0]))
        if earlier is not None and name_key(earlier[0]) != name_key(cells[1]):
            raise InputError(f"{where} makes {cells[0]!r} {cells[1]!r}, but line {earlier[1]} "
                             f"made it {earlier[0]!r}; keep one", path=str(path), line=number)
        seen.setdefault(name_key(cells[0]), (cells[1], number))
        out.append(Alias(cells[0], cells[1], wikidata))
    return out


@dataclass(frozen=True)
class Mention:
    """One actor of one article as the merge reads it: its name and type, the article, its
    description (title words, an appositive) and its gender as the article gives it."""

    name: str
    type: str
    article: str
    description: str | None = None
    gender: str = "unknown"


#: Verb forms that the entity recogniser swallows into a name from a headline ("Tom Nides
#: Thanked Clinton", "Trump Says He", "Endorsed Trump"); a name is cut before the first one.
#: Written for this module from the headline verbs found on PolNeAR; "will" (a first name)
#: is left out.
_VERBS = frozenset({
    "says", "said", "tells", "told", "slams", "slammed", "blasts", "blasted", "rips", "ripped",
    "hits", "attacks", "attacked", "praises", "praised", "thanks", "thanked", "calls",
    "called", "warns", "warned", "urges", "urged", "claims", "claimed", "accuses", "accused",
    "defends", "defended", "denies", "denied", "vows", "vowed", "wins", "won", "loses",
    "endorses", "endorsed", "responds", "responded", "mocks", "mocked", "knocks", "knocked",
    "bashes", "bashed", "lashes", "touts", "touted", "admits", "admitted", "insists",
    "insisted", "asks", "asked", "announces", "announced", "meets", "visits", "visited",
    "jokes", "joked", "reacts", "reacted", "reveals", "revealed", "explains", "explained",
    "pushes", "pushed", "backs", "backed", "rejects", "rejected", "questions", "questioned",
    "dismisses", "dismissed", "criticizes", "criticized", "sends", "sent", "gets", "takes",
    "makes", "wants", "wanted", "stands", "screams", "screamed", "sparks", "fires", "fired",
    "suggests", "suggested", "agrees", "agreed", "talks", "talked", "speaks", "spoke",
    "addresses", "sounds", "heard", "hears", "condemn", "condemns", "sees", "seeks",
    "may", "might", "must", "debunks", "explain", "offers", "wades", "ignore",
    "corners", "targets", "target", "hammers", "goes", "rallies", "slam", "blast",
    "is", "was", "has", "had", "does", "did", "would", "should", "could", "can", "cannot",
    "isn't", "doesn't", "won't", "didn't", "and", "or", "but", "with", "on", "at", "in",
    "to", "for", "from", "after", "before", "about", "over", "against", "versus",
})
#: Common nouns that, last in a person-typed "name", make it a description of someone or
#: something else ("Trump Supporter", "Clinton Plan", "Obama Administration"): no name.
_NOUNS = frozenset({
    "supporter", "supporters", "voter", "voters", "fan", "fans", "backer", "backers", "aide",
    "aides", "ally", "allies", "critic", "critics", "campaign", "camp", "plan", "plans",
    "administration", "speech", "team", "staff", "staffer", "staffers", "family", "people",
    "loyalists", "surrogate", "surrogates", "rally", "spokesman", "spokeswoman",
    "spokesperson", "adviser", "advisers", "advisor", "advisors", "official", "officials",
    "lawyer", "lawyers", "attorney", "attorneys", "foundation", "presidency", "era", "policy",
    "policies", "debate", "victory", "win", "loss", "emails", "email", "scandal",
    "twitter", "facebook", "instagram", "youtube", "tweet", "tweets", "account",
})
#: A person's name has at most this many words ("Andrés Manuel López Obrador").
MAX_WORDS = 5
#: Words that, alone, name no one: "PAC", "Campaign".
_ALONE = frozenset({"twitter", "facebook", "instagram", "youtube", "pac", "superpac", "campaign", "administration", "committee", "government",
                    "officials", "sources", "aides", "spokesman", "spokeswoman",
                    "spokesperson", "police", "staff", "source"})
_HANDLE = re.compile(r"^@|^[a-z]+[A-Z]")
#: Verbs of saying that open an inverted attribution ("said Comey"): what follows is the name.
_INVERTED = frozenset({"said", "says", "added", "adds", "asked", "asks", "told", "tells",
                       "wrote", "writes"})
#: Lower-case words that belong inside a name ("Los Hijos de Trump", "Ludwig van Beethoven").
_PARTICLES = frozenset({"de", "del", "della", "da", "di", "do", "dos", "du", "la", "le", "van",
                        "von", "der", "den", "ter", "bin", "ibn", "al", "el", "y", "of", "the",
                        "and", "&", "for", "on"})
_MODIFIER = re.compile(r"^(?:pro|anti|non|post|pre)[-‐–]", re.IGNORECASE)
_DASH = re.compile(r"\s+[-‐–—]+\s+|\s*[—]\s*")
_PAREN = re.compile(r"\s*\([^)]*\)\s*|\s*\[[^\]]*\]\s*")


def usable_name(name: str, type: str = "person") -> str | None:
    """``name`` as a speaker's canonical name can be written, or None when it is no name.

    A name is a person's, organisation's or group's name as written: a dateline before a
    dash is dropped ("CLEVELAND - Donald Trump"), so is a parenthesis ("Mo Elleithee
    (person)"); the name is cut before a swallowed verb or a lower-case word that is no
    name particle ("Tom Nides Thanked Clinton" → "Tom Nides", "Trump told Business Insider"
    → "Trump"). None for what is left empty or is no name: a modifier ("pro-Trump",
    "anti-Clinton"), a doubled word ("Trump Trump"), a case name ("Trump v. Trump"),
    a person's "name" that ends in a common noun ("Trump Supporter", "Clinton Plan"),
    a handle ("realDonaldTrump Twitter", "@nycsouthpaw"), a lone word that names no one
    ("PAC"), a possessive inside a person's "name" ("Trump’s Son"), more than
    :data:`MAX_WORDS` words for a person, digits in a person's name, no letter at all."""
    text = " ".join(_PAREN.sub(" ", name).split())
    parts = _DASH.split(text)
    if len(parts) > 1:  # a dateline ("CLEVELAND - Donald Trump") or a headline fragment
        if len(parts) == 2 and parts[0].isupper() and parts[1].strip():
            text = parts[1].strip()
        else:
            return None
    words = text.split()
    if not words or not any(c.isalpha() for c in text):
        return None
    if any(_MODIFIER.match(w) for w in words):
        return None
    keys = [_bare(w) for w in words]
    if any(w in {"v.", "v", "vs.", "vs", "versus"} for w in words[1:-1]):
        return None  # "Trump v. Trump": a lawsuit ("Vladimir V. Putin" has an initial)
    if len(words) > 1 and keys[0] in _INVERTED:
        words, keys = words[1:], keys[1:]  # "Said Comey": the attribution, inverted
    cut = len(words)
    for i, (w, k) in enumerate(zip(words, keys, strict=True)):
        if k in _VERBS or (i > 0 and w[:1].islower() and k not in _PARTICLES and type == "person"):
            cut = i
            break
    words, keys = words[:cut], keys[:cut]
    if not words or not any(keys):
        return None
    if type == "person" and len(words) > MAX_WORDS:
        return None  # a headline, not a name
    if type == "person" and any(re.search(r"['’]s?$", w) for w in words):
        return None  # "Trump’s Son", "Condemn Donald Trump’s Muslim Ban": someone else
    if type == "person" and len(keys) > 1 and keys[-1] in _NOUNS:
        return None  # "Trump Supporter": someone else
    if any(_HANDLE.match(w) for w in words) or (len(keys) == 1 and keys[0] in _ALONE):
        return None  # "realDonaldTrump Twitter": a handle; "PAC": no one
    if any(a == b and len(a) > 1 for a, b in itertools.pairwise(keys)):
        return None  # "Trump Trump"
    if type == "person" and any(c.isdigit() for c in "".join(words)):
        return None
    return " ".join(words) if cut < len(text.split()) or text != name else name


def _title_words(name: str, description: str | None) -> set[str]:
    """The words that describe a person beside its name: titles dropped from the name
    ("Secretary Clinton") and its description's words, generic ones left out."""
    words = _WORD.findall(" ".join(name.split()))
    out: set[str] = set()
    for w in words:
        b = _bare(w)
        if b not in _TITLES:
            break
        out.add(b)
    out |= {_bare(w) for w in _WORD.findall(description or "")}
    return out - _GENERIC


#: Words too common to tell two people apart ("former", "the", "Mr.").
_GENERIC = frozenset({"", "mr", "mrs", "ms", "miss", "former", "then", "the", "a", "an", "of",
                      "and", "for", "to", "in", "on", "at", "late", "ex", "us", "new", "who",
                      "his", "her", "its", "their", "now", "current", "longtime", "vice"})


def canonical_speakers(names: Iterable[tuple[str, str, str] | Mention],
                       aliases: Iterable[Alias] = (), *,
                       evidence: Iterable[Mention] = ()) -> dict[tuple[str, str, str], Speaker]:
    """Canonical speakers for ``names`` — one :class:`Mention` (or ``(name, type,
    article_id)``) for every speaker actor — keyed by ``(name, type, article_id)``; several
    keys share one :class:`Speaker`. A mention whose name is no name (:func:`usable_name`)
    has no key: it never becomes a canonical speaker. ``evidence`` is every actor the crawl
    names, quoted or not (default: ``names``): a single word goes to the full name that
    its titles, description and gender fit, and else to the one that dominates it in the
    articles naming it. ``Speaker.articles`` is filled; ``quotes`` is left for the caller."""
    mentions = [m if isinstance(m, Mention) else Mention(*m) for m in names]
    seen = list(evidence) or mentions
    usable: dict[tuple[str, str], str | None] = {}

    def fixed_name(name: str, type_: str) -> str | None:
        if (name, type_) not in usable:
            usable[(name, type_)] = usable_name(name, type_)
        return usable[(name, type_)]

    # one type per name: the type most of its articles give it ("Mo Elleithee" tagged an
    # organisation in one article, a person in three, is a person)
    type_votes: dict[str, Counter[str]] = defaultdict(Counter)
    for m in [*seen, *mentions]:
        fixed_as = fixed_name(m.name, m.type)
        if fixed_as is not None:
            type_votes[name_key(fixed_as, "organisation")][m.type] += 1
    unified = {k: c.most_common(1)[0][0] if len(c) == 1 else
               max(c, key=lambda t: (c[t], t == "person", t)) for k, c in type_votes.items()}
    # a one-word name the actors stage typed an organisation, outlet or place that is the
    # surname of a person the crawl names in DOMINANCE times as many articles is that
    # surname ("Fiorina" beside "Carly Fiorina"; "Ford" stays a company beside a Gerald
    # Ford named less often than it)
    person_reach: dict[str, set[str]] = defaultdict(set)
    word_reach: dict[str, set[str]] = defaultdict(set)
    for m in seen:
        fixed_as = fixed_name(m.name, m.type)
        if fixed_as is None:
            continue
        if m.type == "person" and (ends := _first_last(fixed_as)) is not None:
            person_reach[ends[1]].add(m.article)
        elif m.type != "person" and len(fixed_as.split()) == 1:
            word_reach[name_key(fixed_as, "organisation")].add(m.article)
    for k, t in unified.items():
        if t != "person" and k in person_reach and k in word_reach and \
                len(person_reach[k]) >= DOMINANCE * len(word_reach[k]):
            unified[k] = "person"

    def norm(m: Mention) -> Mention | None:
        fixed_as = fixed_name(m.name, m.type)
        if fixed_as is None:
            return None
        return Mention(fixed_as, unified[name_key(fixed_as, "organisation")], m.article,
                       m.description, m.gender)

    occurrences = [(m, norm(m)) for m in mentions]
    articles: dict[tuple[str, str], set[str]] = defaultdict(set)
    for _, nm in occurrences:
        if nm is not None:
            articles[(nm.name, nm.type)].add(nm.article)

    user: dict[str, Speaker] = {}  # user canonical's key -> its Speaker
    pairs: list[tuple[Alias, Speaker]] = []
    for a in aliases:
        key = name_key(a.canonical)
        sp = user.get(key)
        if sp is None:
            sp = user[key] = Speaker(name=a.canonical, type="", wikidata_id=a.wikidata_id)
        elif a.wikidata_id and not sp.wikidata_id:
            sp.wikidata_id = a.wikidata_id
        pairs.append((a, sp))
    indexes: dict[str, dict[str, Speaker]] = {}

    def by_alias(type_: str) -> dict[str, Speaker]:
        """Alias (and canonical) keys cleaned as a name of ``type_`` is: a title word is
        dropped from a person's name, not from "General Motors"."""
        if type_ not in indexes:
            index: dict[str, Speaker] = {}
            for a, sp in pairs:
                index[name_key(a.alias, type_)] = sp
            for a, sp in pairs:
                index.setdefault(name_key(a.canonical, type_), sp)
            indexes[type_] = index
        return indexes[type_]

    fixed: dict[tuple[str, str], str] = {}  # name -> its user canonical's key
    for nt in articles:
        sp = by_alias(nt[1]).get(name_key(*nt))
        if sp is not None:
            fixed[nt] = name_key(sp.name)

    # full names the crawl names without quoting them are candidates for a surname too
    named: dict[tuple[str, str], set[str]] = defaultdict(set)
    for nm in (norm(m) for m in seen):
        if nm is not None and nm.type == "person" and _first_last(nm.name) is not None:
            named[(nm.name, nm.type)].add(nm.article)
    for nt, arts in articles.items():
        named[nt] |= arts
    for nt in named:
        if nt not in fixed and nt not in articles:
            sp = by_alias(nt[1]).get(name_key(*nt))
            if sp is not None:
                fixed[nt] = name_key(sp.name)
    full, single = _groups(list(named), fixed, named)
    _drop_surname_pairs(full, single)
    _join_spellings(full, named)
    profiles = _profiles(full, [x for x in (norm(m) for m in seen) if x is not None])
    group_of: dict[tuple[str, str, str], tuple[str, ...]] = {}
    for gkey, members in full.items():
        for nt in members:
            for art in articles.get(nt, ()):
                group_of[(*nt, art)] = gkey
    word_of = {nt: word for word, (_, members) in single.items() for nt in members}
    for _, nm in occurrences:
        if nm is None or (nm.name, nm.type) not in word_of:
            continue
        word = word_of[(nm.name, nm.type)]
        target = _resolve_single(nm, single[word][0], profiles)
        group_of[(nm.name, nm.type, nm.article)] = target or ("person", word)

    # the articles of each (name, type) within each group (a single word may sit in several)
    in_group: dict[tuple[str, ...], dict[tuple[str, str], set[str]]] = defaultdict(
        lambda: defaultdict(set))
    for (name, type_, art), gkey in group_of.items():
        in_group[gkey][(name, type_)].add(art)

    speakers: dict[tuple[str, ...], Speaker] = {}
    taken = {sp.name for sp in user.values()}
    autos: list[tuple[tuple[str, ...], list[tuple[str, str]], str]] = []
    for gkey in sorted(in_group):
        members = sorted(in_group[gkey])
        if gkey[0] == "user":
            speakers[gkey] = user[gkey[1]]
        elif full.get(gkey):  # the full names' most frequent form, quoted or not
            autos.append((gkey, sorted(full[gkey]), _canonical_form(sorted(full[gkey]), named)))
        else:
            autos.append((gkey, members, _canonical_form(members, in_group[gkey])))
    clash = Counter(c for _, _, c in autos)
    for gkey, members, canonical in autos:
        type_ = Counter(t for _, t in members).most_common(1)[0][0]
        sp = by_alias(type_).get(name_key(canonical, type_))
        if sp is None:
            if clash[canonical] > 1 and len(gkey) == 4 and gkey[3]:  # "George W. Bush"
                canonical = _canonical_form(members, named if gkey in full else in_group[gkey],
                                            keep_middle=True)
            name, n = canonical, 1
            while name in taken:  # names stay unique: queries join speakers by name
                n += 1
                name = f"{canonical} {n}"
            taken.add(name)
            sp = Speaker(name=name, type=type_)
        speakers[gkey] = sp
    result: dict[tuple[str, str, str], Speaker] = {}
    for orig, nm in occurrences:
        if nm is None:
            continue
        found = group_of.get((nm.name, nm.type, nm.article))
        if found is None:
            continue  # dropped as no name once the crawl was seen ("Trump-Clinton")
        sp = speakers[found]
        result[(orig.name, orig.type, orig.article)] = sp
        sp.aliases.add(orig.name)
        sp.articles.add(orig.article)
        if not sp.type:
            sp.type = nm.type
    return result


@dataclass
class _Profile:
    """What the crawl says of one full name: the articles naming it, its title and
    description words, and its gender votes (one per article)."""

    articles: set[str] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)
    genders: Counter[str] = field(default_factory=Counter)

    @property
    def gender(self) -> str | None:
        return decide_gender(self.genders)


#: A speaker's gender is the side at least this share of its articles with a known gender
#: give (set before measuring: one article in ten may resolve a pronoun wrongly).
GENDER_AGREEMENT = 0.9


def decide_gender(votes: Counter[str]) -> str | None:
    """"male" / "female" when at least :data:`GENDER_AGREEMENT` of the known votes agree."""
    m, f = votes.get("male", 0), votes.get("female", 0)
    if m + f == 0:
        return None
    if m >= GENDER_AGREEMENT * (m + f):
        return "male"
    if f >= GENDER_AGREEMENT * (m + f):
        return "female"
    return None


def _profiles(full: dict[tuple[str, ...], list[tuple[str, str]]],
              seen: list[Mention]) -> dict[tuple[str, ...], _Profile]:
    """Each full-name group's profile, from every actor the crawl names whose first and
    last word (and middle, where it has one) are the group's."""
    index: dict[tuple[str, str], list[tuple[str, ...]]] = defaultdict(list)
    for gkey in full:
        if gkey[0] == "person" and len(gkey) == 4:
            index[(gkey[1], gkey[2])].append(gkey)
        elif gkey[0] == "user" and len(gkey[1].split()) >= 2:
            words = gkey[1].split()
            index[(words[0], words[-1])].append(gkey)
    out: dict[tuple[str, ...], _Profile] = defaultdict(_Profile)
    votes: dict[tuple[str, ...], dict[str, str]] = defaultdict(dict)
    for m in seen:
        if m.type != "person":
            continue
        ends = _first_last(m.name)
        if ends is None:
            continue
        groups = index.get(ends, [])
        middle = _middle(m.name)
        # its own group; a name without a middle fits the group its bare form joined
        # (never a "Jr." one: "Donald Trump" is not "Donald Trump Jr.")
        fit = [g for g in groups if g[0] == "user" or g[3] == middle] or \
            [g for g in groups if not middle and (g[0] == "user" or "+" not in g[3])]
        for g in fit[:1]:
            prof = out[g]
            prof.articles.add(m.article)
            prof.titles |= _title_words(m.name, m.description)
            if m.gender in {"male", "female"}:
                votes[g][m.article] = m.gender
    for g, by_article in votes.items():
        out[g].genders = Counter(by_article.values())
    return out


def _resolve_single(m: Mention, candidates: list[tuple[str, ...]],
                    profiles: dict[tuple[str, ...], _Profile]) -> tuple[str, ...] | None:
    """The full name a single word ("Clinton", "Mrs. Clinton", "Hillary") of one article
    goes to: among the full names it could be (those ending in the word; only where there
    is none, those starting with it), keep those its gender does not contradict, then
    those that share one of its title or description words (when any does), then the one
    named in at least :data:`DOMINANCE` times as many articles as the others together
    (every article naming it, quoted or not: the evidence of who the crawl is about;
    names that are no names are never candidates); None when none is left or none
    dominates. A first name alone ("Hillary") goes only to a bearer named in
    :data:`DOMINANCE` articles or more (a well-known one)."""
    word = name_key(m.name).split()[0] if name_key(m.name) else ""
    # a first name alone ("Hillary") is someone's only where that someone is well known in
    # the crawl (named in DOMINANCE articles); a surname alone is the usual second reference
    def eligible(g: tuple[str, ...]) -> bool:
        return g[0] == "user" or g[2] == word or len(profiles[g].articles) >= DOMINANCE

    # a single word is a surname first ("Trump" is not "Trump Tower"): first names compete
    # only where no full name ends in the word
    pool = [g for g in candidates if g[0] == "user" or g[2] == word] or list(candidates)
    if m.gender in {"male", "female"}:
        pool = [g for g in pool if profiles[g].gender in (None, m.gender)]
    words = _title_words(m.name, m.description)
    if words:
        sharing = [g for g in pool if profiles[g].titles & words]
        pool = sharing or pool
    if not pool:
        return None
    reach = {g: max(len(profiles[g].articles), 1) for g in pool}
    best = max(pool, key=lambda g: (reach[g], g))
    others = sum(n for g, n in reach.items() if g != best)
    return best if eligible(best) and reach[best] >= DOMINANCE * others else None


def _drop_surname_pairs(full: dict[tuple[str, ...], list[tuple[str, str]]],
                        single: dict[str, tuple[list[tuple[str, ...]], set[tuple[str, str]]]]
                        ) -> None:
    """A one-word name joining two surnames of the crawl's full names by a hyphen
    ("Trump-Clinton": a debate, a race) is no name; "Holtz-Eakin" stays (no full name ends
    in "Holtz")."""
    surnames = {g[2] for g in full if g[0] == "person" and len(g) == 4}
    for word, (_, members) in list(single.items()):
        for name, _type in members:
            parts = [_bare(p) for p in re.split(r"[-‐–]", name) if _bare(p)]
            if len(parts) >= 2 and all(p in surnames for p in parts):
                del single[word]
                break


def _levenshtein_one(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by exactly one inserted, deleted or changed letter."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:] if len(a) < len(b) else a[i + 1:] == b[i + 1:]


def _join_spellings(full: dict[tuple[str, ...], list[tuple[str, str]]],
                    articles: dict[tuple[str, str], set[str]]) -> None:
    """A full name whose first name is one letter off a far more quoted one's, with the
    same last name and middle (or none: "Hilary Clinton", "Hillary Rodham Clinton") is a
    misspelling of it:
    first names of five letters or more, the other named in :data:`DOMINANCE` times as
    many articles."""
    people: list[tuple[str, ...]] = [g for g in full if g[0] == "person" and len(g) == 4]
    reach = {g: len(set().union(*(articles.get(nt, set()) for nt in full[g]))) for g in people}
    by_last: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for g in people:
        by_last[g[2]].append(g)
    for g in sorted(people, key=lambda g: (reach[g], g)):
        if g not in full or len(g[1]) < 5:
            continue
        better = [h for h in by_last[g[2]] if h in full and h != g and (g[3] in ("", h[3]))
                  and _levenshtein_one(g[1], h[1]) and reach[h] >= DOMINANCE * reach[g]]
        if better:
            target = max(better, key=lambda h: (reach[h], h))
            full[target].extend(full.pop(g))


def _groups(names: list[tuple[str, str]], fixed: dict[tuple[str, str], str],
            articles: dict[tuple[str, str], set[str]]
            ) -> tuple[dict[tuple[str, ...], list[tuple[str, str]]],
                       dict[str, tuple[list[tuple[str, ...]], set[tuple[str, str]]]]]:
    """The merge of full names: names the user fixed under ``("user", canonical key)``,
    full names by first and last word, other types by key; and, for each single word, the
    full names it could be (by surname or first name; a user canonical counts as a full
    name) with the single-word names spelling it."""
    full: dict[tuple[str, ...], list[tuple[str, str]]] = defaultdict(list)
    surnames: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for nt in names:
        name, type_ = nt
        if nt in fixed:
            full[("user", fixed[nt])].append(nt)
            continue
        key = name_key(name, type_)
        words = key.split()
        ends = _first_last(name) if type_ == "person" else None
        if ends is not None:
            full[("person", *ends, _middle(name))].append(nt)
        elif type_ == "person" and len(words) == 1:
            surnames[words[0]].append(nt)
        else:
            full[(type_, key)].append(nt)
    _drop_lead_words(full)
    _join_middles(full)
    by_surname: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    by_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for gkey in full:
        if gkey[0] == "person" and len(gkey) == 4:
            by_surname[gkey[2]].append(gkey)
            by_first[gkey[1]].append(gkey)
        elif gkey[0] == "user" and len(gkey[1].split()) >= 2:
            by_surname[gkey[1].split()[-1]].append(gkey)
    # "Crooked Hillary", "Stop Hillary": when the crawl names a bearer of a first name in
    # DOMINANCE times as many articles as every full name ending in that word together,
    # those are the first name with a word before it, resolved like "Hillary" alone
    def reach(groups: list[tuple[str, ...]]) -> int:
        return len(set().union(*(articles.get(nt, set()) for g in groups for nt in full[g])))

    for word in sorted(by_surname):
        enders = [g for g in by_surname[word] if g[0] == "person"]
        if not enders or len(enders) < len(by_surname[word]):
            continue  # a user's canonical ends in it: a surname
        known = [g for g in by_first.get(word, []) if g not in enders
                 and reach([g]) >= max(DOMINANCE, DOMINANCE * reach(enders))]
        if known:
            for g in enders:
                by_first[g[1]] = [h for h in by_first.get(g[1], []) if h != g]
                surnames[word].extend(full.pop(g))
            del by_surname[word]
    single = {word: (sorted({*by_surname.get(word, []), *by_first.get(word, [])}), set(members))
              for word, members in surnames.items()}
    return dict(full), single


def _drop_lead_words(full: dict[tuple[str, ...], list[tuple[str, str]]]) -> None:
    """A name of three or more words whose first and last word match no other name, but
    whose last two words are a known full name, is that name with a word before it
    ("Billionaire Donald Trump", "Crooked Hillary Clinton", "CLEVELAND - Donald Trump")."""
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for gkey in full:
        if gkey[0] == "person" and len(gkey) == 4:
            pairs[(gkey[1], gkey[2])] += 1
    by_ends: dict[tuple[str, str], list[tuple[str, ...]]] = defaultdict(list)
    for k in full:
        if k[0] == "person" and len(k) == 4:
            by_ends[(k[1], k[2])].append(k)
    for gkey in [k for k in full if k[0] == "person" and len(k) == 4 and k[3]
                 and "+" not in k[3]]:
        second = gkey[3].split()[-1]
        if (pairs[(gkey[1], gkey[2])] == 1 and second != gkey[1]
                and (second, gkey[2]) in pairs):
            targets = [k for k in by_ends[(second, gkey[2])] if k in full and k != gkey]
            if targets:
                full[min(targets)].extend(full.pop(gkey))


def _join_middles(full: dict[tuple[str, ...], list[tuple[str, str]]]) -> None:
    """Full names with the same first and last word are one person when at most one middle
    part occurs among them ("Donald J. Trump" = "Donald Trump"); two different middles
    ("George W. Bush", "George H.W. Bush") are two people, and the bare form stays apart."""
    middles: dict[tuple[str, str], set[str]] = defaultdict(set)
    for gkey in full:
        if gkey[0] == "person" and len(gkey) == 4 and gkey[3] and "+" not in gkey[3]:
            middles[(gkey[1], gkey[2])].add(gkey[3])
    for gkey in [k for k in full if k[0] == "person" and len(k) == 4]:
        seen = middles.get((gkey[1], gkey[2]), set())
        if len(seen) <= 1 and gkey[3] == "" and seen:
            full[(*gkey[:3], next(iter(seen)))].extend(full.pop(gkey))


def _canonical_form(members: list[tuple[str, str]],
                    articles: dict[tuple[str, str], set[str]], *,
                    keep_middle: bool = False) -> str:
    counts: Counter[str] = Counter()
    for name, type_ in members:
        form = " ".join(_person_words(name)) if keep_middle else clean_name(name, type_)
        counts[form] += len(articles[(name, type_)])
    multi = {f: n for f, n in counts.items() if len(f.split()) >= 2}
    pool = multi if members[0][1] == "person" and multi else counts
    return min(pool, key=lambda f: (-pool[f], len(f.split()), f))
