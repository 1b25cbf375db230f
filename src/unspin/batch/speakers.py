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
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from unspin.errors import InputError

__all__ = [
    "DOMINANCE",
    "Alias",
    "Speaker",
    "canonical_speakers",
    "clean_name",
    "name_key",
    "read_aliases",
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
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq"})
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
    if len(words) > 2:  # middle initials: "Donald J. Trump", "George H. W. Bush", "H.W."
        words = [words[0], *(w for w in words[1:-1] if not _INITIALS.fullmatch(w)), words[-1]]
    return " ".join(words)


def _middle(name: str) -> str:
    """What stands between a person's first and last name, initials included ("h w")."""
    words = _person_words(name)
    return " ".join(_bare(w) for w in words[1:-1])


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


def canonical_speakers(names: Iterable[tuple[str, str, str]],
                       aliases: Iterable[Alias] = ()) -> dict[tuple[str, str], Speaker]:
    """Canonical speakers for ``names`` — ``(name, type, article_id)`` for every speaker
    actor (one tuple per actor) — keyed by ``(name, type)`` of each input name; several
    keys share one :class:`Speaker`. ``Speaker.articles`` is filled from the tuples;
    ``quotes`` is left for the caller."""
    rows = list(names)
    articles: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name, type_, article in rows:
        articles[(name, type_)].add(article)

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

    result: dict[tuple[str, str], Speaker] = {}
    taken = {sp.name for sp in user.values()}
    autos: list[tuple[tuple[str, ...], list[tuple[str, str]], str]] = []
    for gkey, members in _groups(list(articles), fixed, articles):
        if gkey[0] == "user":
            for nt in members:
                result[nt] = user[gkey[1]]
        else:
            autos.append((gkey, members, _canonical_form(members, articles)))
    clash = Counter(c for _, _, c in autos)
    for gkey, members, canonical in autos:
        type_ = Counter(t for _, t in members).most_common(1)[0][0]
        sp = by_alias(type_).get(name_key(canonical, type_))
        if sp is None:
            if clash[canonical] > 1 and len(gkey) == 4 and gkey[3]:  # "George W. Bush"
                canonical = _canonical_form(members, articles, keep_middle=True)
            name, n = canonical, 1
            while name in taken:  # names stay unique: queries join speakers by name
                n += 1
                name = f"{canonical} ({type_})" if n == 2 else f"{canonical} ({type_} {n - 1})"
            taken.add(name)
            sp = Speaker(name=name, type=type_)
        for nt in members:
            result[nt] = sp
    for nt, sp in result.items():
        sp.aliases.add(nt[0])
        sp.articles |= articles[nt]
        if not sp.type:
            sp.type = nt[1]
    return result


def _groups(names: list[tuple[str, str]], fixed: dict[tuple[str, str], str],
            articles: dict[tuple[str, str], set[str]]
            ) -> list[tuple[tuple[str, ...], list[tuple[str, str]]]]:
    """The merge: names the user fixed under ``("user", canonical key)``, full names by
    first and last word, other types by key, then surnames alone attached to their dominant
    full name (a user canonical counts as a full name)."""
    full: dict[tuple[str, ...], list[tuple[str, str]]] = defaultdict(list)
    surnames: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for nt in names:
        name, type_ = nt
        if nt in fixed:
            full[("user", fixed[nt])].append(nt)
            continue
        key = name_key(name, type_)
        words = key.split()
        if type_ == "person" and len(words) >= 2:
            full[("person", words[0], words[-1], _middle(name))].append(nt)
        elif type_ == "person" and len(words) == 1:
            surnames[words[0]].append(nt)
        else:
            full[(type_, key)].append(nt)
    _drop_lead_words(full)
    _join_middles(full)
    by_surname: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for gkey in full:
        if gkey[0] == "person" and len(gkey) == 4:
            by_surname[gkey[2]].append(gkey)
        elif gkey[0] == "user" and len(gkey[1].split()) >= 2:
            by_surname[gkey[1].split()[-1]].append(gkey)
    by_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for gkey in full:
        if gkey[0] == "person" and len(gkey) == 4:
            by_first[gkey[1]].append(gkey)
    for word, members in surnames.items():  # a surname or a first name ("Hillary")
        candidates = sorted({*by_surname.get(word, []), *by_first.get(word, [])})
        target = _dominant(candidates, full, articles)
        full[target or ("person", word)].extend(members)
    return [(k, sorted(m)) for k, m in sorted(full.items())]


def _drop_lead_words(full: dict[tuple[str, ...], list[tuple[str, str]]]) -> None:
    """A name of three or more words whose first and last word match no other name, but
    whose last two words are a known full name, is that name with a word before it
    ("Billionaire Donald Trump", "Crooked Hillary Clinton", "CLEVELAND - Donald Trump")."""
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for gkey in full:
        if gkey[0] == "person" and len(gkey) == 4:
            pairs[(gkey[1], gkey[2])] += 1
    for gkey in [k for k in full if k[0] == "person" and len(k) == 4 and k[3]]:
        second = gkey[3].split()[-1]
        if (pairs[(gkey[1], gkey[2])] == 1 and second != gkey[1]
                and (second, gkey[2]) in pairs):
            target = min(k for k in full if k[0] == "person" and len(k) == 4
                         and (k[1], k[2]) == (second, gkey[2]))
            full[target].extend(full.pop(gkey))


def _join_middles(full: dict[tuple[str, ...], list[tuple[str, str]]]) -> None:
    """Full names with the same first and last word are one person when at most one middle
    part occurs among them ("Donald J. Trump" = "Donald Trump"); two different middles
    ("George W. Bush", "George H.W. Bush") are two people, and the bare form stays apart."""
    middles: dict[tuple[str, str], set[str]] = defaultdict(set)
    for gkey in full:
        if gkey[0] == "person" and len(gkey) == 4 and gkey[3]:
            middles[(gkey[1], gkey[2])].add(gkey[3])
    for gkey in [k for k in full if k[0] == "person" and len(k) == 4]:
        seen = middles.get((gkey[1], gkey[2]), set())
        if len(seen) <= 1 and gkey[3] == "" and seen:
            full[(*gkey[:3], next(iter(seen)))].extend(full.pop(gkey))


def _dominant(candidates: list[tuple[str, ...]],
              full: dict[tuple[str, ...], list[tuple[str, str]]],
              articles: dict[tuple[str, str], set[str]]) -> tuple[str, ...] | None:
    if not candidates:
        return None
    reach = {g: len(set().union(*(articles[nt] for nt in full[g]))) for g in candidates}
    best = max(candidates, key=lambda g: (reach[g], g))
    others = sum(n for g, n in reach.items() if g != best)
    return best if reach[best] >= DOMINANCE * others else None


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
