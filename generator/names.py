"""People the vocabulary does not know yet, and names worth adding to it.

The vocabulary cannot know everyone. A person the text introduces with a role
("Lithuanian Foreign Minister Gabrielius Landsbergis", "ministre Jean-Yves Le
Drian", "міністр Дмитро Кулеба") or quotes as speaking ("..., Ursula von der
Leyen said", "according to Jane Doe", "заявив Іван Петренко") is a person, in
their full name as written. Precision first: a name must have at least two
capitalised words, none of them a role, a stop word or a name the vocabulary
knows as a place or organization, and must not end in a word for a place or a
building ("House", "Palace", "Council", "Sea"...).

:func:`capitalised_names` lists the other multi-word capitalised names of a
text, for the report's vocabulary suggestions.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from generator.vocabulary import Vocabulary

_UPPER = "".join(c for c in map(chr, range(0x41, 0x530)) if unicodedata.category(c) == "Lu")
_UP = f"[{re.escape(_UPPER)}]"
# A capitalised word: "Kuleba", "Jean-Yves", "O'Brien", "Столтенберг"; possessive "'s" is cut later.
_WORD = rf"{_UP}[^\W\d_]*(?:[-'’]{_UP}?[^\W\d_]+)*"
_PARTICLE = r"(?:von|van|der|den|de|du|da|del|della|di|le|la|al|bin|ibn|ter|zu)"
_NAME = rf"(?P<name>{_WORD}(?:\s+(?:(?i:{_PARTICLE})\s+){{0,2}}{_WORD}){{1,3}})"

_ROLES = r"""
president|vice[- ]president|prime minister|deputy prime minister|foreign minister|defen[cs]e minister|
interior minister|finance minister|minister|secretary[- ]general|deputy secretary[- ]general|secretary of state|
defen[cs]e secretary|foreign secretary|secretary|chancellor|ambassador|spokes(?:person|man|woman)|general|gen\.|
admiral|adm\.|commander|chief of staff|chairman|chairwoman|chair|senator|sen\.|congress(?:man|woman)|mp|mep|
envoy|special envoy|high representative|commissioner|mayor|governor|king|queen|prince|pope|patriarch|
colonel|col\.|lieutenant general|major general|lt\. gen\.|maj\. gen\.|analyst|expert|professor|prof\.|
journalist|director|leader|adviser|advisor|aide|official|mr\.?|mrs\.?|ms\.?|dr\.?|
président|présidente|ministre|premier ministre|porte-parole|secrétaire général|chancelier|chancelière|
ambassadeur|ambassadrice|général|m\.|mme|
präsident|präsidentin|ministerin|bundeskanzler(?:in)?|kanzler(?:in)?|außenminister(?:in)?|
verteidigungsminister(?:in)?|generalsekretär(?:in)?|sprecher(?:in)?|botschafter(?:in)?|
президент|міністр|прем['’]єр-міністр|речник|речниця|посол|генсек|генеральний секретар|генерал|
министр|премьер-министр|пресс-секретарь|представитель|генеральный секретарь
""".replace("\n", "")
_OF = rf"(?:\s+(?:of|for|des|de|du)(?:\s+the)?(?:\s+{_WORD}){{1,3}}){{0,2}}"
_SPEECH = r"""
said|says|told|added|stated|stressed|noted|declared|explained|announced|warned|urged|insisted|recalled|
underlined|emphasi[sz]ed|commented|replied|wrote|tweeted|acknowledged|concluded|argued|claimed|confirmed|
a déclaré|a dit|a affirmé|a souligné|a indiqué|a ajouté|a estimé|sagte|erklärte|betonte|
заявив|заявила|сказав|сказала|наголосив|наголосила|зазначив|зазначила|заявил|сказал|отметил|отметила|
подчеркнул|подчеркнула
""".replace("\n", "")
_ACCORDING = r"according to|selon|laut|за словами|по словам"

_PATTERNS = [
    re.compile(rf"(?<!\w)(?i:{_ROLES})(?!\w){_OF}\s+{_NAME}"),
    re.compile(rf"{_NAME}(?:\s*,\s*[^,.;:“”\"«»]{{3,80}}?,)?\s+(?i:{_SPEECH})(?!\w)"),
    re.compile(rf"(?<!\w)(?i:{_SPEECH}|{_ACCORDING})\s+(?:the\s+)?{_NAME}"),
]

#: Words that are never part of a person's name.
STOP_WORDS = frozenset("""
the this that these those a an and but or if as at in on of for to from by with without after before during
he she it we they his her its our their i you mr mrs ms dr
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
september october november december
president minister ministers secretary general foreign defence defense prime deputy chief state affairs
ambassador spokesperson spokesman spokeswoman chancellor commander official officials allies ally alliance
today yesterday tomorrow earlier later also however meanwhile according asked when while
le la les un une des du et en au aux der die das und ein eine
""".split())

#: A name ending in one of these is a place, a building or an institution, not a person.
PLACE_WORDS = frozenset("""
house palace kremlin council ministry office department parliament commission agency force forces army navy
command headquarters centre center street square avenue road bridge sea ocean river lake mountains mountain
republic kingdom states state union organization organisation alliance committee government administration
embassy mission summit treaty agreement document university institute times post news press service bank
group party airport base port region oblast district city cathedral church hall tower castle hotel stadium
club company corporation fund court assembly duma rada senate congress cabinet bureau network channel
gulf strait island islands peninsula coast border front
""".split())


def _tokens(name: str) -> list[str]:
    return [re.sub(r"['’]s$", "", t) for t in name.split()]


def plausible_person(name: str, vocab: Vocabulary) -> bool:
    tokens = _tokens(name)
    capitalised = [t for t in tokens if t[:1].isupper()]
    if len(capitalised) < 2 or len(name) > 60:
        return False
    inner_particles = {i for i, t in enumerate(tokens) if 0 < i < len(tokens) - 1
                       and re.fullmatch(_PARTICLE, t.casefold())}  # "Jean-Yves Le Drian"
    if any(t.casefold() in STOP_WORDS or (t.isupper() and len(t) > 1)
           for i, t in enumerate(tokens) if t[:1].isupper() and i not in inner_particles):
        return False
    if tokens[-1].casefold() in PLACE_WORDS:
        return False
    for t in [name, *tokens]:
        entry = vocab.lookup(t)
        if entry is not None and entry.kind != "people":
            return False
    return True


def find_new_people(text: str, vocab: Vocabulary) -> list[str]:
    """Full names of people the text presents by role or quotes, which the
    vocabulary does not know; in order of first mention."""
    found: list[tuple[int, str]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            name = " ".join(_tokens(m.group("name")))
            # "NATO Secretary General Jens Stoltenberg": the name is the end of the match
            while name and not plausible_person(name, vocab) and len(name.split()) > 2:
                name = name.split(None, 1)[1]
            if not plausible_person(name, vocab):
                continue
            if vocab.lookup(name) is not None or any(
                    (e := vocab.lookup(t)) is not None and e.kind == "people" for t in name.split()):
                continue  # known already: the vocabulary tags it
            found.append((m.start("name"), name))
    out: list[str] = []
    for _, name in sorted(found):
        if name not in out:
            out.append(name)
    return out


_CAPITALISED = re.compile(rf"{_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_WORD})+")


def capitalised_names(text: str, vocab: Vocabulary) -> Counter[str]:
    """Multi-word capitalised names the vocabulary does not cover, with counts."""
    covered = [(m.start, m.end) for m in vocab.find(text)]
    counts: Counter[str] = Counter()
    for m in _CAPITALISED.finditer(text):
        tokens = _tokens(m.group(0))
        while tokens and (tokens[0].casefold() in STOP_WORDS or tokens[0].isupper()):
            tokens = tokens[1:]
        while tokens and (tokens[-1].casefold() in STOP_WORDS or tokens[-1].isupper()):
            tokens = tokens[:-1]
        if len(tokens) < 2:
            continue
        name = " ".join(tokens)
        start = m.start() + m.group(0).find(tokens[0])
        end = start + len(name)
        if any(s < end and start < e for s, e in covered) or vocab.lookup(name) is not None:
            continue
        counts[name] += 1
    return counts

