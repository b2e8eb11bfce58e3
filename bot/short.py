"""Short answers without a language model: the few words of a passage that answer the question.

``expect(question)`` reads what kind of answer a question asks for from its
wording: a person ("who", "which singer"), a place ("where", "which country"),
an organisation ("which company", "which team"), a number, an amount of money,
a percentage, a date, or a thing named by its head noun ("which awards show",
"which virus"); a quantity by its noun ("above what amount", "at what age");
"why" ("due to what", "what caused") and "what happened" questions ask for a
reason or an event, which a few words rarely carry: the answer quotes a
sentence, one that gives a cause ("because of", "amid") first; so does a
"what" that names no kind of thing ("… have identified what?"). The sentence
that asks decides (a preamble's "who are still recovering" asks nothing), and
the last noun of the phrase: a "sea creature" is no place; "the name of the
storm" and "the asteroid's name" ask which storm, which asteroid, "what is the
political slogan of" which slogan; "what will it be called?" asks for the name
a sentence says it is called; "which type of X" asks for a type, rarely a name.

``candidates(sentence)`` finds the spans a short answer can be: names
(capitalised word runs, joined by "of", "and", "&", "de" …, with a short number
after them, "Title 42", without the title or party before a personal name:
"Tory MP Chris Pincher" is Chris Pincher, "Democrat Jennifer McClellan" Jennifer
McClellan), quoted titles, numbers with their units, sums of money, percentages,
dates (a day, "Jan. 23" as agencies write it, a month, a year, or a time told
relative to the news: "this fall", "in the coming weeks").

``choose`` scores every candidate of the best passage sentences: how well its
sentence supports the question (the extractive answerer's score), whether its
kind fits the question, how close it is in meaning to the noun the question
asks for (the embedding model: "Europe" to "continent"), how many passages
name it (for a figure, only its own article's: "45%" in another story is a
coincidence, not agreement), whether a headline names it (headlines name what
the body calls "the show"; for a "which <noun>" question a name a headline
gives counts as of the kind asked even when its meaning alone is not close
enough), how near it stands to the question's own words in the sentence, and
whether the sentence says it in the question's frame: right after the words
before "which" ("is acquiring which platform?": "is acquiring Parler", a sentence
that only restates the question's preamble naming another platform loses), or
as the owner of what "which <noun>'s" asks about ("which country's bid?":
"Saudi Arabia's FIFA-favored bid"; "which women's sport" asks for a sport).
A known place counts as a place only of the grain asked for ("which city":
Denver, not Colorado; "which national park": no country). A name nearer in
meaning to "a person's name" than to the thing asked for loses ("Tom DeLonge"
for "which band"). A list of names gains when the noun asked for is plural, and
so do two names one sentence gives apart ("Russia has sought closer ties with
China": "Russia and China"); for one "which <noun>", each name of a list may be
the answer alone. A brand keeps its "’s" when the passages never write it
without ("Ben & Jerry’s"). For "when", the day someone spoke ("said on
Tuesday") loses, and so does a past time ("last week") when the question asks
about the future ("when will …"). A candidate made of the question's own words
is never the answer (a place the question names by its adjective, "European",
or its people, "Americans", included), nor is a party's adjective who
("Tory"), nor is the outlet that reports the story ("a source tells CNN"). The
best one, if it clears ``MIN_SCORE``, becomes the short answer, or a fuller
form of that name nearly as good ("Atlanta Braves" for "Braves", not
"President Macron" for "Macron"), or for a lone name the one full form its
article gives elsewhere ("Boris Johnson" for "Johnson"), without a unit the
question already names ("187" for "how many minutes"); its sentence is the
quote.

``phrase`` answers a "what" or "which <noun>" question that no name, title or
figure answers with a common-noun phrase, where one of the best sentences says
it in the question's own frame: after the words before "what" ("an analysis of
what?": "analysis of wastewater"), before the noun asked for ("which diners?":
"vegan diners"), or linked to the noun of "what is the <noun>?" ("climate change
posed the biggest security threat"). Only lower-case words, at least the last
of them not the question's, none vague ("many", "key", "new", "week").

``role`` answers "who is <name>?", which asks what the bearer of a name is,
not for another name: the description one of the best sentences gives beside
the name ("Maria Zakharova, the ministry's spokeswoman", "Hall is a member of
the London Assembly", without a relative clause) or the title before it
("Russian Foreign Ministry spokesperson Maria Zakharova", "Secretary of State
Antony Blinken"); none found, the sentence is the answer.

What it leaves out: clauses ("they got married", "cracking them on kids'
heads") and common nouns said in other words than the question's frame, which
need a reading model; arithmetic; any language but English.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from langchain_core.embeddings import Embeddings

from bot.citations import SHORT_WORDS
from bot.text import STOPWORDS, sentence_spans

#: A candidate's total score must reach this to be given as the short answer (else the sentence alone).
MIN_SCORE = 0.9
#: How close in meaning (cosine) a name must be to the noun a "which <noun>" question asks for.
THING_FIT = 0.5


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_PLACE_NOUNS = _set("""country nation city state continent island region area town capital province county
territory place neighborhood neighbourhood sea ocean river mountain lake airport port village district park
peninsula border""")
_PERSON_NOUNS = _set("""person man woman head star actor actress singer rapper player athlete leader president
minister senator judge ceo founder author director host comedian musician celebrity politician candidate
governor mayor king queen prince princess pope chancellor official scientist billionaire slugger quarterback
coach pitcher footballer golfer boxer tennis chef artist writer journalist lawyer secretary general officer
soldier activist astronaut explorer designer entrepreneur executive anchor legend icon driver swimmer gymnast
skater figure monarch dictator premier lawmaker congressman congresswoman spokesperson billionaire heir
member mp justice presenter nominee winner contestant suspect victim survivor owner heiress rocker
influencer youtuber commentator pundit reporter correspondent editor producer filmmaker composer pianist guitarist
drummer dancer poet novelist playwright painter photographer economist physicist doctor nurse surgeon physician
researcher professor teacher student teenager boy girl son daughter wife husband mother father brother sister
widow striker goalkeeper defender midfielder batter shortstop outfielder jockey cyclist runner sprinter skier
snowboarder surfer climber wrestler fighter emperor empress duke duchess sheikh hostage prisoner detainee inmate
defendant plaintiff whistleblower hacker gunman shooter killer spy diplomat negotiator mogul tycoon magnate
investor philanthropist socialite personality veteran rookie captain manager""")
_ORG_NOUNS = _set("""company firm brand retailer chain restaurant airline carrier automaker network team club
party organization organisation agency group app platform website site studio university college school bank
league union band business store supermarket manufacturer maker startup giant publisher newspaper magazine
broadcaster channel service streamer streaming church charity institution court government ministry
department committee council commission corporation conglomerate outlet label""")
_NUMBER_WORDS = _set("""one two three four five six seven eight nine ten eleven twelve thirteen fourteen
fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred
thousand million billion trillion dozen dozens hundreds thousands millions billions half""")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PLACES = _set("""afghanistan albania algeria argentina armenia australia austria azerbaijan bahamas
bangladesh belarus belgium bolivia bosnia brazil bulgaria cambodia cameroon canada chile china colombia congo
croatia cuba cyprus czechia denmark ecuador egypt england estonia ethiopia fiji finland france georgia
germany ghana greece guatemala haiti honduras hungary iceland india indonesia iran iraq ireland israel italy
jamaica japan jordan kazakhstan kenya korea kosovo kuwait latvia lebanon libya lithuania luxembourg
madagascar malaysia mali malta mexico moldova mongolia montenegro morocco mozambique myanmar nepal
netherlands nicaragua niger nigeria norway pakistan palestine panama paraguay peru philippines poland
portugal qatar romania russia rwanda scotland senegal serbia singapore slovakia slovenia somalia spain sudan
sweden switzerland syria taiwan tanzania thailand tunisia turkey uganda ukraine uruguay uzbekistan venezuela
vietnam wales yemen zambia zimbabwe africa asia europe antarctica america arctic oceania alabama alaska
arizona arkansas california colorado connecticut delaware florida hawaii idaho illinois indiana iowa kansas
kentucky louisiana maine maryland massachusetts michigan minnesota mississippi missouri montana nebraska
nevada ohio oklahoma oregon pennsylvania tennessee texas utah vermont virginia washington wisconsin wyoming
london paris berlin moscow beijing tokyo delhi kyiv kiev rome madrid chicago boston seattle miami houston
dallas atlanta denver phoenix jerusalem gaza tehran baghdad kabul istanbul sydney toronto vancouver montreal""")
_PLACES |= _set("""andorra angola bahrain barbados belize benin bhutan botswana brunei burundi chad comoros djibouti
eritrea eswatini gabon gambia guinea guyana kyrgyzstan laos lesotho liberia liechtenstein malawi maldives
mauritania mauritius monaco namibia nauru oman palau samoa seychelles suriname tajikistan togo tonga
turkmenistan tuvalu vanuatu macedonia vatican greenland britain uk usa uae crimea donbas siberia caribbean
balkans mediterranean midwest southwest northwest southeast northeast""")
#: Places of more than one word ("Sri Lanka"): a candidate that is one of these is a place as a whole.
_PLACE_NAMES = frozenset(line.strip() for line in """sri lanka
new zealand
south africa
saudi arabia
north korea
south korea
united kingdom
great britain
united states
united arab emirates
czech republic
dominican republic
el salvador
costa rica
puerto rico
hong kong
ivory coast
sierra leone
burkina faso
papua new guinea
trinidad and tobago
san marino
solomon islands
cape verde
east timor
central african republic
south sudan
north macedonia
new york
los angeles
san francisco
new delhi
middle east
latin america
south america
north america
central america
west bank
gaza strip
new mexico
new jersey
new hampshire
north carolina
south carolina
north dakota
south dakota
west virginia
rhode island""".splitlines())


def _is_place(text: str) -> bool:
    """Whether a candidate names a country, region, state or big city (``_PLACES``, ``_PLACE_NAMES``)."""
    return bool(_known_places(text))


def _known_places(text: str) -> set[str]:
    """The known places (``_PLACES``, ``_PLACE_NAMES``) a candidate names, lower-cased."""
    words = [w.lower() for w in _words(text)]
    pairs = {" ".join(words[i : i + n]) for n in (2, 3, 4) for i in range(len(words) - n + 1)}
    return {w for w in words if w in _PLACES} | (pairs & _PLACE_NAMES)


_STATES = _set("""alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho
illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi missouri
montana nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah vermont virginia washington wisconsin
wyoming""") | {"new york", "new mexico", "new jersey", "new hampshire", "north carolina", "south carolina",
              "north dakota", "south dakota", "west virginia", "rhode island"}
_CITIES = _set("""london paris berlin moscow beijing tokyo delhi kyiv kiev rome madrid chicago boston seattle miami
houston dallas atlanta denver phoenix jerusalem gaza tehran baghdad kabul istanbul sydney toronto vancouver montreal
washington""") | {"new york", "los angeles", "san francisco", "new delhi", "hong kong"}
_REGIONS = _set("""africa asia europe antarctica america arctic oceania caribbean balkans mediterranean midwest
southwest northwest southeast northeast siberia crimea donbas""") | {
    "middle east", "latin america", "south america", "north america", "central america", "west bank", "gaza strip",
    "hong kong"}


def _place_grain(place: str) -> set[str]:
    """What a known place is: a city, a state, a region, else a country (Georgia and Washington are two)."""
    grains = {grain for grain, places in (("city", _CITIES), ("state", _STATES), ("region", _REGIONS))
              if place in places}
    return grains | ({"country"} if not grains or place == "georgia" else set())


#: The kind of known place each noun a question may ask for stands for; a noun not here ("park", "river",
#: "airport") is no country, state or big city.
_GRAINS = {"country": {"country"}, "nation": {"country"}, "state": {"state"}, "province": {"state"},
           "city": {"city"}, "town": {"city"}, "capital": {"city"}, "continent": {"region"},
           "region": {"region", "state", "country"}, "area": {"region", "state", "city"},
           "territory": {"region", "country"}, "place": {"city", "state", "country", "region"},
           "island": {"country", "state"}, "peninsula": {"region"},
           "border": {"country", "state"}}


_LEADING = _set("""the a an this that these those in on at for after before when while but and its his her
their our some many it as by from with to of if so yet also then there here what which who how why where mr
mrs ms dr""")
_MONEY_WORDS = re.compile(r"\b(cost|costs|price|priced|pay|paid|pays|fine|fined|worth|sold|sell|raise|raised|"
                          r"spend|spent|damage|damages|salary|budget|fee|charge|much)\b")

_WORD = re.compile(r"[A-Za-z0-9][\w’'&.-]*")
_NUMBER = re.compile(
    r"(?<![\w.])(?:(?:US)?\$|£|€)\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:million|billion|trillion|thousand|[mbk]n?)\b)?"
    r"|(?<![\w.-])\d[\d,]*(?:\.\d+)?(?:\s?%|\s(?:percent|per cent)\b)"
    r"|(?<![\w.:-])\d[\d,]*(?:\.\d+)?(?!\d|:\d)(?:-[a-z]+)?(?:\s(?:million|billion|trillion|thousand|hundred))?"
    r"(?:\s[a-z]+)?"
)
_QUOTED = re.compile(r"[“\"]([^”\"\n]{2,80})[”\"]")
_SPOKEN = re.compile(r"\b(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) +
                     r")(?:[- ](?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r"))*"
                     r"(?:\s(?!of\b|the\b|and\b)[a-z]+)?", re.IGNORECASE)
_PERIOD = r"(?:week|weekend|month|year|spring|summer|fall|autumn|winter|season|decade)"
#: Months as news agencies abbreviate them before a day ("Jan. 23", "Sept. 5").
_MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec")
_MONTH_NAMES = [m.capitalize() for m in _MONTHS] + sorted(_MONTH_ABBREVIATIONS, key=len, reverse=True)
_DATE = re.compile(r"\b(?:" + "|".join(_MONTH_NAMES) + r")\.?\s+\d{1,2}\b(?!\.\d|:)(?:,\s*\d{4})?"
                   r"|\b(?:" + "|".join(d.capitalize() for d in _WEEKDAYS) + r")\b|\b(?:19|20)\d{2}\b"
                   # a month alone ("in mid-September", "by March 2024"; "May" is too often the verb: only after
                   # a preposition or before a year, "in May", "May 2024")
                   r"|\b(?:(?:early|late|mid)[- ])?(?:" + "|".join(m.capitalize() for m in _MONTHS if m != "may")
                   + r")\b(?!\.?\s+\d{1,2}\b)(?: (?:19|20)\d{2}\b)?"
                   r"|(?:" + "|".join(rf"(?<=\b{word} )" for word in ("in", "by", "since", "until", "from", "through",
                                                                     "early", "late", "mid")) + r"|(?<=\bmid-))"
                   r"May\b(?!\.?\s+\d{1,2}\b)(?: (?:19|20)\d{2}\b)?|\bMay (?:19|20)\d{2}\b"
                   # a time told relative to the news ("as early as this fall", "in the coming weeks")
                   r"|\b(?:(?:early|late|later|earlier) )?(?:this|next|last) " + _PERIOD + r"\b"
                   r"|\b(?:in|within|over) the (?:coming|next) (?:few |several |two |three )?(?:days|weeks|months)\b")


@dataclass(frozen=True)
class Expectation:
    """What a question asks for: ``kind`` and the noun it names (``head``), and the words it already says."""

    kind: str  # person, place, org, number, money, percent, date, thing, reason, event, identity
    head: str  # the noun asked for, lower-cased; for "identity", the name asked about as the question writes it
    asked: frozenset[str]
    sort: bool = False  # it asks for a type ("which type of infrastructure"): a common noun, rarely a name
    winner: bool = False  # it asks who won ("who won", "which team beat"), not who lost
    names: frozenset[str] = frozenset()  # the names it gives (lower-cased): "hbo max", "warner bros"
    frame: tuple[str, ...] = ()  # the words right before "which"/"what", lower-cased: "acquiring", "sale of"
    owned: str = ""  # the noun "which <noun>'s" says the answer owns, stemmed: "bid" for "which country's bid"
    counted: str = ""  # the noun "how many" counts, lower-cased: "people" for "how many people died"


@dataclass(frozen=True)
class Span:
    """A candidate answer inside a sentence: ``sentence[start:end] == text``."""

    start: int
    end: int
    text: str
    kind: str  # name, quote, number, money, percent, date


@dataclass(frozen=True)
class Sentence:
    """A scored sentence: its support score, the passage it is cited as (``n``: a passage of its article, which
    may not hold it), and where it lies in the article's body."""

    score: float
    n: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Choice:
    """The short answer: ``span`` of ``sentence``, with its total score."""

    sentence: Sentence
    span: Span
    score: float
    also: Span | None = None  # a second answer the sentence gives apart, when several are asked ("which two teams")

    @property
    def text(self) -> str:
        """The short answer as said: the span, or both spans joined ("Houston Astros and Philadelphia Phillies")."""
        return f"{self.span.text} and {self.also.text}" if self.also else self.span.text

    @property
    def start(self) -> int:
        return self.sentence.start + self.span.start

    @property
    def end(self) -> int:
        return self.sentence.start + self.span.end


def stem(word: str) -> str:
    word = word.lower().replace("’", "'")
    for suffix in ("'s", "s'", "ies", "es", "s"):
        if len(word) > len(suffix) + 1 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def _words(text: str) -> list[str]:
    return [word.strip(".’'") for word in _WORD.findall(text)]


def expect(question: str) -> Expectation:
    """The kind of answer ``question`` asks for (see the module docstring)."""
    whole = question.lower().replace("’", "'")
    asked = frozenset(stem(w) for w in _words(whole) if w not in STOPWORDS) | _acronyms(question)
    asking = _asking(question)
    lowered = asking.lower().replace("’", "'")
    named = _identity_asked(asking)
    expected = Expectation("identity", named, asked) if named else _expect(lowered, whole, asked)
    return replace(expected, winner=_ASKS_WINNER.search(lowered) is not None,
                   names=frozenset(span.text.lower() for span in _names(question)), frame=_frame(lowered),
                   owned=_owned(lowered))


def _frame(lowered: str) -> tuple[str, ...]:
    """The words of the asking sentence right before its "which" or "what", back to the nearest word that is
    not a function word, at most two ("is acquiring which platform?": acquiring; "the sale of which team?":
    sale of); () when a function word or nothing comes first ("in which city")."""
    wh = re.search(_ASKS + r"(what|which)\b", lowered)
    if not wh or _first_asking(lowered) not in ("what", "which"):
        return ()
    before = _TOKEN.findall(lowered[: wh.start()])[-2:]
    while before and before[0] in STOPWORDS:
        before.pop(0)
    if not before or before[-1] not in STOPWORDS and len(before) > 1:
        before = before[-1:]
    return tuple(before) if before and before[0] not in STOPWORDS and before[0] not in _VAGUE else ()


#: A question that asks who won, not who lost: "who won", "which team beat", "who will win", "who was the winner".
_ASKS_WINNER = re.compile(r"\b(?:(?:who|which|what)(?:\s+(?!(?:did|does|do|was|were|is|are)\b)[\w'-]+){0,5}?\s+"
                          r"(?:has\s+|have\s+|had\s+|will\s+|just\s+)?(?:won|win|wins|beat|beats|defeated|defeats|clinched|captured|triumphed|prevailed)|"
                          r"who (?:is|was|were|are) the (?:[\w'-]+ )?(?:winners?|victors?|champions?))\b")


def _acronyms(question: str) -> frozenset[str]:
    """The acronyms of the question's names, lower-cased: "NFL Players Association" says NFLPA (and NFLP, PA),
    "Federal Emergency Management Agency" FEMA. A word in capitals gives all its letters, another its first."""
    found: set[str] = set()
    for run in re.findall(r"[A-Z][\w’'-]*(?:\s+(?:(?:of|and|for|the|&)\s+)*[A-Z][\w’'-]*)+", question):
        letters = [w if w.isupper() else w[0] for w in run.split() if w[:1].isupper()]
        found |= {"".join(letters[i:j]).lower() for i in range(len(letters)) for j in range(i + 2, len(letters) + 1)}
    return frozenset(a for a in found if len(a) >= 3)


def _expect(lowered: str, whole: str, asked: frozenset[str]) -> Expectation:
    """The kind of answer and its noun: ``lowered`` is the asking part of the question, ``whole`` all of it."""
    if re.search(r"\bwhat (?:percentage|percent|share|proportion|fraction)\b", lowered):
        return Expectation("percent", "percentage", asked)
    if match := re.search(r"\bhow (many|much|long|old|far|tall|big|large|high|fast|often)\b", lowered):
        word = match.group(1)
        kind = "money" if word == "much" and _MONEY_WORDS.search(whole) else "number"
        counted = re.match(r"\s+(?:more\s+|fewer\s+|additional\s+|other\s+|of\s+the\s+)?([a-z][\w'-]*)",
                           lowered[match.end():]) if word == "many" else None
        return Expectation(kind, word, asked, counted=counted.group(1) if counted else "")
    if match := _QUANTITY.search(lowered):  # "above what amount?", "at what age?"
        word = match.group(1)
        of_other = re.match(r"\s+of\s+(?!money|cash|dollars|funding)", lowered[match.end() :])  # "amount of rain"
        money = word in ("price", "cost", "fine", "fee", "salary") or (word in ("amount", "sum") and not of_other)
        return Expectation("money" if money else "number", word, asked)
    if re.search(r"\b(?:what|which) (?:year|month|day|date|time)\b", lowered) or _first_asking(lowered) == "when":
        future = re.search(r"\b(?:will|going to|expected|set to|plan|plans|soon|upcoming|next)\b", lowered)
        return Expectation("date", "future date" if future else "date", asked)
    if re.search(r"\bwhy\b", lowered) or _ASKS_CAUSE.search(lowered):
        return Expectation("reason", "", asked)
    if re.search(_ASKS + r"who(?:m|se)?\b", lowered):
        return Expectation("person", "person", asked)
    if re.search(_ASKS + r"where\b", lowered):
        return Expectation("place", "place", asked)
    lowered = _NAME_OF.sub("which ", _OWN_NAME.sub(r"which \1 ", lowered))
    if (called := _CALLED.search(lowered)) and not called.group(1):
        return Expectation("thing", "name", asked)  # "what will it be called?": a name, whatever it names
    head = _head(_CALLED.sub(r"which \1 ", lowered)) or _what_is_the(lowered)
    if head:
        return Expectation(_kind_of(head), head, asked, sort=_ASKS_SORT.search(lowered) is not None)
    # "what happened?", "what went wrong?", "… have identified what?": no noun says what kind of thing, and
    # the answer is most often a common noun phrase or a clause, which a name or quoted title would not be
    return Expectation("event", "", asked)


#: "Who is <name>?" as a whole asking sentence; group 1: "the" before the name, group 2: the name.
_IDENTITY = re.compile(r"\s*who(?:'s|’s|\s+is|\s+was|\s+are|\s+were)\s+(the\s+)?([^?]+?)\s*\?\s*", re.IGNORECASE)


def _identity_asked(asking: str) -> str:
    """The name a "who is <name>?" question asks about ("Who is Susan Hall?": Susan Hall; "Who are the
    Taliban?": the Taliban), which asks what its bearer is, not for another name; '' for a question that asks for
    somebody by what they are ("who is the new prime minister?", "who is the Secretary General of the UN?",
    "who is Time's person of the year?")."""
    match = _IDENTITY.fullmatch(asking)
    if not match:
        return ""
    words = match.group(2).split()
    if any(word.endswith(("'s", "’s")) for word in words) or \
            not all(word[:1].isupper() or word[:1].isdigit() or word.lower() in _CONNECTORS for word in words):
        return ""
    if match.group(1) and any(_is_role(word) and stem(word) == word.lower() for word in words):
        return ""  # "the Secretary General": an office, not a name ("the Proud Boys" is one)
    return (match.group(1) or "") + match.group(2)


#: "What amount", "what age" …: a quantity asked for by its noun (a few words may stand between: "what total
#: amount").
_QUANTITY = re.compile(r"\b(?:what|which)\s+(?:(?:is|was|are|were|will be)\s+the\s+)?(?:(?:total|estimated|approximate|"
                       r"record|new|minimum|maximum|average|annual|combined|final|high|low|highest|lowest|median|"
                       r"starting|base|retail|top)\s+){0,3}(amount|sum|price|cost|fine|fee|salary|age|temperature|speed|"
                       r"height|depth|distance|weight|size|score|number|rate)\b(?!['’]s)")
#: Questions that ask for a cause without "why": "... due to what?", "what caused ...", "for what reason".
_ASKS_CAUSE = re.compile(r"\b(?:(?:due|owing) to what|because of what|(?:for|by) what reason|what (?:is|was|are|were) "
                         r"(?:the )?(?:reason|cause)s?\b|what (?:caused|prompted|led to|is behind|was behind|drove|"
                         r"triggered|sparked|fuell?ed|spurred)|what (?:\w+ ){0,4}(?:blame|blamed)\b|what (?:is|was|are|"
                         r"were) to blame|blamed? (?:on|for) what)")
#: How a sentence gives a cause.
_CAUSE = re.compile(r"\b(?:because|due to|owing to|as a result of|result of|caused by|blamed on|thanks to|amid|"
                    r"driven by|fuell?ed by|triggered by|prompted by|in response to|led to|leading to|after)\b",
                    re.IGNORECASE)


#: A question word that asks, not one after a comma that begins a relative clause ("Kanye West, who changed
#: his name, is buying which platform?" asks for a platform).
_ASKS = r"(?<!, )\b"


def _first_asking(lowered: str) -> str:
    """The first question word that asks in the (lower-cased) asking sentence: "which fruit reduces hypertension
    when eaten daily?" asks "which", its "when" begins a clause; a word after a comma asks nothing (``_ASKS``)."""
    match = re.search(_ASKS + r"(what|which|who|whom|whose|where|when|why|how)\b", lowered)
    return match.group(1) if match else ""


def _kind_of(head: str) -> str:
    """The kind of answer a noun phrase names, by its last noun: a "sea creature" is no place."""
    last = head.split()[-1]
    for kind, lexicon in (("place", _PLACE_NOUNS), ("person", _PERSON_NOUNS), ("org", _ORG_NOUNS)):
        if last in lexicon or stem(last) in lexicon:
            return kind
    return "thing"


_SKIP = _set("""two three four kind type sort of popular major new famous common prestigious ancient
controversial big biggest largest small smallest top leading legendary beloved notable former current other
one""")
#: Words between "which" and its noun that name no noun: "which of these companies".
_BEFORE_HEAD = _set("these those the")
_END = _set("""is are was were did does do has have had will would can could should may might be been being to
in on at for of that with from by as about after before during this last next recently now soon also just a
an the its their his her who which what where when
won win wins took take takes became become becomes made make makes got get gets came come comes went go goes
saw see sees said say says told tell tells plan plans appear appears announce announces hit hits lost lose
loses left leave leaves gave give gives held hold holds kept keep keeps ran run runs sold sell sells bought
buy buys broke break breaks led lead leads began begin begins faced face faces topped tops beat beats met meet
meets fought fight fights struck strike strikes drew draw draws chose choose chooses paid pay pays""")


_QUESTION_WORD = re.compile(r"\b(?:what|which|who|whom|whose|where|when|why|how)\b", re.IGNORECASE)


def _asking(question: str) -> str:
    """The sentence that asks: "Many Florida residents who are still recovering were hit by a storm. What was
    its name?" asks in its last sentence (the first one's "who" asks nothing); the whole text if none asks."""
    parts = [question[start:end] for start, end in sentence_spans(question)]
    asking = [part for part in parts if "?" in part and _QUESTION_WORD.search(part)]
    return asking[-1] if asking else question


#: "What was the name of the storm?" asks "which storm?".
_NAME_OF = re.compile(r"\bwhat(?: is|'s| was| are| were) (?:the )?(?:name|title)s? (?:of|for) "
                      r"(?:the |a |an |this |that |his |her |its |their )?")


#: "What is the asteroid's name?" asks "which asteroid?".
_OWN_NAME = re.compile(r"\bwhat(?: is|'s| was| are| were) (?:the |a |an |this |that |his |her |its |their )?"
                       r"((?:[\w-]+ ){0,2}[\w-]+)'s (?:new |official |full |real |actual )?names?\b")
#: "What will the new service be called?" asks "which service?"; "what is it called?" for a name (group 1 empty).
_CALLED = re.compile(r"\bwhat(?: is|'s| was| are| were| will| would)\s+(?:(?:it|this|that|they|he|she)|"
                     r"(?:the|a|an|this|that|his|her|its|their)\s+((?:[\w-]+ ){0,2}[\w-]+))\s+"
                     r"(?:be\s+|being\s+|now\s+)?(?:called|named|dubbed|renamed|known as)\b")


#: "Which type of infrastructure", "what kind of animal": a type is asked for, which a name rarely is.
_ASKS_SORT = re.compile(r"\b(?:which|what)\s+(?:\w+\s+)?(?:type|kind|sort|breed)s?\s+of\b")


#: "What is the political slogan of …" asks "which political slogan" when its noun names a kind of answer.
_WHAT_IS_THE = re.compile(r"\bwhat(?: is|'s| was| are| were) (?:the|a|an|this|that|his|her|its|their) ")


def _what_is_the(question: str) -> str:
    match = _WHAT_IS_THE.search(question)
    head = _head("which " + question[match.end() :]) if match else ""
    return head if head and stem(head.split()[-1]) in _TITLE_NOUNS | _ALL_NOUNS else ""


#: Possessives that say what kind, not whose: "which women's sport" asks for a sport.
_ATTRIBUTIVE = _set("women's men's children's people's")
#: "Which country's bid …?", "which company's e-cigarettes": the noun owned by the one asked for.
_OWNED = re.compile(r"\b(?:which|what)\s+(?:[\w-]+\s+){0,2}?([\w-]+'s)\s+([\w-]+)")


def _owned(lowered: str) -> str:
    """The noun that "which <noun>'s" says the answer owns ("which country's bid": bid), stemmed, or ''."""
    match = _OWNED.search(lowered)
    if not match or match.group(1) in _ATTRIBUTIVE or match.group(2) in STOPWORDS or match.group(2) in _END:
        return ""
    return stem(match.group(2))


def _head(question: str) -> str:
    """The noun phrase after "which" or "what" ("which prestigious awards show" -> "awards show"; its last
    three words), or ''."""
    match = re.search(r"\b(?:which|what)\b((?:\s+[\w'.-]+){1,6})", question)
    if not match:
        return ""
    words: list[str] = []
    for word in match.group(1).split():
        word = word if re.fullmatch(r"(?:[a-z]\.){2,}", word) else word.rstrip(".")  # "u.s." stays a word
        if not word:
            break
        if not words and (word in _SKIP or word in _BEFORE_HEAD):  # "which type of", "which of these"
            continue
        if word in _END or (words and word.endswith(("ed", "ing", "ly")) and stem(word) not in _ALL_NOUNS):
            break
        if word.endswith(("'s", "s'")) and word not in _ATTRIBUTIVE:  # "which company's stock": the company
            words.append(word[:-2] if word.endswith("'s") else word[:-1])
            break
        words.append(word)
        if len(words) == 5:
            break
    return " ".join(words[-3:])  # the noun is last: "late Supreme Court justice" asks for a justice


def candidates(sentence: str) -> list[Span]:
    """The spans of ``sentence`` that a short answer can be (names, quoted titles, numbers, money, dates)."""
    found: list[Span] = []
    for match in _QUOTED.finditer(sentence):
        if len(match.group(1).split()) <= 10:
            found.append(Span(match.start(1), match.end(1), match.group(1), "quote"))
    for pattern in (_NUMBER, _SPOKEN):
        for match in pattern.finditer(sentence):
            text = _without_trailing_word(match.group().rstrip(",. "))
            words = text.lower().split()
            if not words or words[0] in _MULTIPLIERS or (pattern is _SPOKEN and words[0] in ("one", "half")):
                continue
            if re.fullmatch(r"(?:19|20)\d\d", text):  # a year is a date, not a count
                continue
            kind = "money" if text[:1] in "$£€" or text.startswith("US$") else (
                "percent" if "%" in text or "percent" in text or "per cent" in text else "number")
            found.append(Span(match.start(), match.start() + len(text), text, kind))
    dates = [Span(match.start(), match.end(), match.group(), "date") for match in _DATE.finditer(sentence)]
    # The day of "January 6, 2021" is part of a date, not a count of anything.
    found = [span for span in found if span.kind == "quote" or not any(
        date.start <= span.start < date.end for date in dates)]
    return found + dates + _names(sentence)


_CURRENCIES = frozenset(["dollars", "dollar", "euros", "euro", "pounds", "pound", "yen", "yuan", "rupees", "pesos",
                         "francs", "cents", "bucks"])
_MULTIPLIERS = frozenset(["hundred", "thousand", "million", "billion", "trillion", "dozen", "dozens", "hundreds",
                          "thousands", "millions", "billions"])


def _without_trailing_word(text: str) -> str:
    """A number without a last word that is not its unit ("2022 was" -> "2022", "six months" stays)."""
    head, _, last = text.rpartition(" ")
    if head and (last.lower() in STOPWORDS or last.lower() in _LEADING or last.endswith(("ed", "ly"))):
        return head
    return text


_CONNECTORS = frozenset(["of", "and", "de", "del", "da", "van", "von", "la", "le", "du", "the", "&", "for", "los",
                         "las", "el"])


def _names(sentence: str) -> list[Span]:
    """Runs of capitalised words (a name), joined by a connector between two capitalised words."""
    tokens = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(sentence)]
    spans, run = [], []
    for index, (start, end, word) in enumerate(tokens):
        if run and sentence[run[-1][1] : start].strip() not in ("", "&"):  # punctuation ends a name, "&" joins one
            spans += _name_span(sentence, run)
            run = []
        capital = (word[0].isupper() or (word[0].isdigit() and run and re.fullmatch(r"\d{1,3}|\d+-[A-Za-z][\w-]*", word)
                                         and run[-1][2] not in ("No", "No."))
                   or (len(word) > 1 and word[0].islower() and word[1].isupper()))  # iPhone, eBay
        if capital and (re.search(r"-[a-z]", word) or _possessor(word.lower().rstrip(".")) in _CALENDAR
                        or sentence.startswith("*", end)):
            capital = False  # "Four-time", "Far-right" are modifiers; "Tuesday", "May" dates; "F***" no name
        if capital and word in ("No", "No.") and index + 1 < len(tokens) and tokens[index + 1][2][0].isdigit():
            capital = False  # "No. 5 Miami": a ranking, not a name
        joins = run and word.lower() in _CONNECTORS and _joined(tokens, index)
        if capital or joins:
            run.append((start, end, word))
            continue
        spans += _name_span(sentence, run)
        run = []
    spans += _name_span(sentence, run)
    return spans


_CALENDAR = frozenset([*_MONTHS, *_WEEKDAYS, *(m[:3] for m in _MONTHS), "sept"])


def _possessor(word: str) -> str:
    """A word without its possessive ending: "sunday’s" -> "sunday"."""
    return re.sub(r"[’']s?$", "", word)


def _joined(tokens: list[tuple[int, int, str]], index: int) -> bool:
    """Whether the connector at ``index`` (with any connectors after it) is followed by a capitalised word."""
    for _, _, word in tokens[index + 1 : index + 3]:
        if word[:1].isupper():
            return True
        if word.lower() not in _CONNECTORS:
            return False
    return False


_NOT_FIRST = frozenset(["of", "and", "&", "for", "the"])


def _name_span(sentence: str, run: list[tuple[int, int, str]]) -> list[Span]:
    while run and (run[0][2].lower().strip("’'") in _LEADING or run[0][2].lower() in _NOT_FIRST):
        run = run[1:]
    while run and run[-1][2].lower() in _CONNECTORS:
        run = run[:-1]
    if not run:
        return []
    run = _without_title(run)
    start, end = run[0][0], run[-1][1]
    text = sentence[start:end]
    for suffix in ("’s", "'s"):
        if text.endswith(suffix):
            end -= len(suffix)
            text = text[: -len(suffix)]
    text = text.rstrip(".’'")
    end = start + len(text)
    if start == 0 and len(run) == 1 and text.lower() in STOPWORDS | _LEADING:
        return []
    if _shouted(run) or _label(sentence, start, start + len(text)):
        return []
    return [Span(start, end, text, "name")] if text else []


#: The rest of a table's row after its first label: "; Winner: …".
_NEXT_LABEL = re.compile(r";\s+[^;:]{1,60}: ")


def _label(sentence: str, start: int, end: int) -> bool:
    """Whether the words at ``start:end`` are a label in a table's row as ingest writes it ("State: Nevada;
    Winner: Mark Kelly"): a colon follows them, and a semicolon stands before them, or they open a sentence
    that goes on to another label. A speaker's name opening a line of a transcript ("Biden: We will …") stays
    a name."""
    if not sentence.startswith(": ", end):
        return False
    before = sentence[:start].rstrip()
    return before.endswith(";") or not before and _NEXT_LABEL.search(sentence, end) is not None


def _shouted(run: list[tuple[int, int, str]]) -> bool:
    """Whether a run of words is a label in capitals ("BREAKING NEWS", "WATCH LIVE"), not a name: two or more
    words, all in capitals, one of them longer than an acronym (NASA, NATO and UK PM stay names)."""
    words = [word for _, _, word in run if word.isalpha()]
    return len(words) >= 2 and all(word.isupper() for word in words) and any(len(word) > 4 for word in words)


_ALL_NOUNS = _PLACE_NOUNS | _PERSON_NOUNS | _ORG_NOUNS

_TITLE_NOUNS = _set("""song single album film movie show series book novel title slogan name word phrase
nickname motto hashtag play musical episode podcast game term expression catchphrase""")
#: The kinds of span that can answer each kind of question.
ANSWER_SPANS = {
    "person": ("name",), "place": ("name",), "org": ("name",), "thing": ("name", "quote", "member"),
    "number": ("number", "money", "percent"), "money": ("money", "number"), "percent": ("percent",),
    "date": ("date",),
}
_PROTOTYPES = {"person": "a person's name", "place": "a country or city", "org": "a company or organization"}


#: The most candidates read in one sentence: news sentences name a handful; a hostile "sentence" of thousands of
#: names would otherwise cost seconds per question.
PER_SENTENCE = 40


def choose(expectation: Expectation, sentences: Sequence[Sentence], titles: Sequence[str], texts: Sequence[str],
           embeddings: Embeddings, top: int = 8, outlets: Sequence[str] = (),
           articles: Sequence[str] = ()) -> Choice | None:
    """The best short answer among the candidates of the ``top`` best sentences, or None (see the module).

    ``outlets``: the passages' sources; an outlet that reports the news ("a source tells CNN") is not its answer.
    ``articles``: the passages' article ids, so that a lone surname can take its full name from its own article.
    """
    kinds = ANSWER_SPANS.get(expectation.kind)
    if not kinds or not sentences:
        return None
    best = max(sentences[0].score, 1e-9)  # the answerer's priors can take weak sentences below 0
    proper = _proper_words(texts)
    reporters = _outlet_names(outlets)
    pool: list[tuple[Sentence, Span]] = []
    several = _asks_several(expectation)
    asked_class = _asked_class(expectation)
    joined = "\n".join(texts)
    for sentence in sentences[:top]:
        found = candidates(sentence.text)[:PER_SENTENCE]
        found += [shorter for span in found if (shorter := _without_number(span))]  # "iPhone 14": also "iPhone"
        found += _class_members(asked_class, sentence.text)  # "gray" for "which color"
        if not several and expectation.head not in ("", "person", "place"):  # one "which <noun>" asked: each
            # name of a list ("Mayor Greg Fisher and Lonnie Ali") may be it; "who" may be several
            found += [member for span in found if span.kind == "name" for member in _members(sentence.text, span)]
        quoted = [(s.start, s.end) for s in found if s.kind == "quote"]
        for span in found:
            if span.kind == "name" and expectation.kind in ("person", "place", "org") and any(
                    start <= span.start and span.end <= end for start, end in quoted):
                continue  # a name in quotation marks is a title ("Kimberly Akimbo"), not who or where
            span = _trim_sentence_start(span, proper, sentence.text) if span.kind == "name" else span
            if span and span.kind == "name" and expectation.kind in ("org", "thing"):
                span = _brand(span, sentence.text, joined)
            new = span and (is_new(span.text, expectation.asked) or _renamed(expectation, sentence.text, span))
            if span and new and span.kind in kinds and span.text.lower() not in reporters:
                pool.append((sentence, span))
    pool += [(sentence, span) for sentence in sentences[top:CLASS_TOP] if asked_class  # its words: further down
             for span in _class_members(asked_class, sentence.text) if is_new(span.text, expectation.asked)]
    if not pool:
        return None
    corpus = " ".join(texts).lower()
    headlines = " ".join(titles).lower()
    fits, persons = closeness(expectation, [span.text for _, span in pool], embeddings)
    named_kind = frozenset(stem(word) for word in expectation.head.split()[-1:])  # "Dartmoor National Park": a park
    scored = []
    for (sentence, span), fit, person in zip(pool, fits, persons):
        key = span.text.lower()
        headlined = _in_headline(key, headlines)
        introduced = span.kind == "name" and _introduced(expectation, sentence.text, span)
        if not _typed(expectation, span, fit, headlined=span.kind == "name" and headlined, introduced=introduced):
            continue
        if expectation.head == "name" and not _called(sentence.text, span):
            continue  # "what will it be called?" is answered by what a sentence says it is called
        numeric = span.kind in ("number", "money", "percent", "date")
        # a name other reports repeat is agreement; the same figure in another story is a coincidence
        mentions = (_count(_own_article(texts, articles, sentence.n), key) if numeric else corpus.count(key)) \
            if len(key) > 2 else 1
        score = (max(sentence.score, 0.0) / best
                 + 0.5 * fit
                 + 0.12 * math.log1p(max(mentions - 1, 0))
                 + (0.15 if headlined else 0.0)
                 + 0.1 * _nearness(sentence.text, span, expectation.asked)
                 + (FRAMED if _framed(expectation.frame, sentence.text, span)
                    or _owns(expectation.owned, sentence.text, span) else 0.0)
                 + 0.05 * (1.0 - span.start / max(len(sentence.text), 1))  # news sentences name their subject first
                 + _kind_bonus(expectation, span)
                 + _several_bonus(expectation, span)
                 + (TITLED if introduced and expectation.kind == "person" else 0.0)
                 - (NOT_PERSON if expectation.kind in ("org", "thing") and _person_by_title(sentence.text, span)
                    else 0.0)
                 + (_year_fit(expectation, sentence.text, span) if numeric else 0.0)
                 - (LOSER if expectation.winner and _lost(sentence.text, span) else 0.0)
                 + (UNIT if expectation.kind == "number" and _counts_what_is_asked(sentence.text, span,
                                                                                     expectation.asked)
                    else 0.0)
                 - (0.0 if numeric else 0.4 * _repeated(span.text, expectation.asked - named_kind))
                 - (WRONG_TIME if expectation.kind == "date" and _wrong_time(expectation, sentence.text, span) else 0.0)
                 - PERSON_PENALTY * max(0.0, person - fit))
        scored.append((score, sentence, span))
    if not scored:
        return None
    score, sentence, span = max(scored, key=lambda item: item[0])
    pair = _best_pair(expectation, scored)
    if pair and pair[0] > score and pair[0] >= MIN_SCORE:
        return Choice(pair[1], pair[2], pair[0], also=pair[3])
    if score < MIN_SCORE:
        return None
    fuller = [item for item in scored if _fuller_name(item[2], span) and item[0] >= score - FULLER_NAME]
    if fuller:
        score, sentence, span = max(fuller, key=lambda item: item[0])
    elif expectation.kind in ("person", "org", "thing") and span.kind == "name" and " " not in span.text:
        others = [other for other in sentences if other is not sentence]
        sentence, span = _full_name_in_article(sentence, span, others, articles, expectation, proper,
                                               reporters, headlines)
    return Choice(sentence, _without_asked_unit(span, expectation.asked), score)


def _count(text: str, key: str) -> int:
    """How often a figure stands in ``text`` as a whole: "$5" is not in "$5.02"."""
    return len(re.findall(r"(?<![\w$£€])" + re.escape(key) + r"(?!\w|[.,]\d)", text))


def _article_of(articles: Sequence[str], n: int) -> str:
    """The article passage ``n`` belongs to; without article ids, each passage stands for itself."""
    return articles[n - 1] if 0 < n <= len(articles) else f"#{n}"


def _own_article(texts: Sequence[str], articles: Sequence[str], n: int) -> str:
    """The passages (lower-cased) of the article passage ``n`` belongs to."""
    own = _article_of(articles, n)
    return " ".join(text for i, text in enumerate(texts, 1) if _article_of(articles, i) == own).lower()


def _without_asked_unit(span: Span, asked: frozenset[str]) -> Span:
    """A count without the unit the question already names: "how many minutes" is answered "187", not "187
    minutes"; "how long" keeps "six months"."""
    if span.kind != "number":
        return span
    head, _, last = span.text.rpartition(" ")
    if head and not any(c.isdigit() for c in last) and last.lower() not in _MULTIPLIERS and stem(last.lower()) in asked:
        return Span(span.start, span.start + len(head), head, span.kind)
    return span


#: A party's adjective names no one: "the former Tory deputy chief whip" answers no "which MP".
_PARTY_WORDS = _set("""tory tories labour democrat democrats democratic republican republicans gop conservative
conservatives liberal liberals socialist socialists communist communists green greens libertarian""")


_TITLE_WORDS = _set("""hurricane storm tropical typhoon cyclone mr mrs ms dr gov sen rep gen lt col sgt prof
st sir dame lord lady former late""")


#: Words that stand before a person's name as a title or office: "Tory MP Chris Pincher" is Chris Pincher.
#: Royal titles are left out: "King Charles III" is his name.
_TITLES = ((_PERSON_NOUNS - _set("""king queen prince princess pope star figure icon legend member emperor empress duke
duchess sheikh son daughter wife husband mother father brother sister boy girl widow winner owner victim
veteran rookie personality"""))
           | (_TITLE_WORDS - _set("hurricane storm tropical typhoon cyclone st"))
           | _set("speaker chief commissioner attorney prosecutor ambassador envoy spokesman spokeswoman manager mep")
           | _set("democrat republican tory gop"))  # "Democrat Jennifer McClellan"


def _without_title(run: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """A run of capitalised words without the title before a personal name of two to four words:
    "President Barack Obama" -> "Barack Obama", "Apple CEO Tim Cook" -> "Tim Cook"; "President Biden" and
    "Secretary of State Antony Blinken" stay as they are (one word, or a connector, after the title)."""
    for index in range(len(run) - 3, -1, -1):
        if run[index][2].lower().rstrip(".") in _TITLES:
            rest = run[index + 1 :]
            listed = any(word.lower() in ("and", "&") for _, _, word in run[:index])  # "Leader X and Sen. Y"
            named = rest[-1][2].lower() not in _ALL_NOUNS | _NOT_PERSON_ENDS  # not "Republican National Committee"
            if 2 <= len(rest) <= 4 and all(word[:1].isupper() for _, _, word in rest) and not listed and named:
                return rest
            break
    return run


#: How much lower a fuller form of the best name may score and still be the answer instead ("Boris Johnson"
#: for "Johnson", "Las Vegas Aces" for "Aces").
FULLER_NAME = 0.3


def _fuller_name(span: Span, best: Span) -> bool:
    """Whether ``span`` is a longer name ending with the name ``best`` ("Ruth Bader Ginsburg", "Ginsburg")."""
    if not (span.kind == best.kind == "name" and span.text.endswith(" " + best.text)) or _LIST.search(span.text):
        return False
    added = {w.lower() for w in _words(span.text[: -len(best.text)])}
    return not added & (_ALL_NOUNS | _TITLE_WORDS)  # "President Biden" or "Hurricane Nicole" adds no name


def _full_name_in_article(sentence: Sentence, span: Span, rest: Sequence[Sentence], articles: Sequence[str],
                          expectation: Expectation, proper: set[str], reporters: set[str],
                          headlines: str) -> tuple[Sentence, Span]:
    """A lone name ("Johnson", "Aces") as its article writes it in full elsewhere ("Boris Johnson", "Las Vegas
    Aces"), with that sentence: the first one, if the article gives it only one fuller form. The added words are
    names ("NASA's DART" is not DART's name); for a thing or an organisation a headline must give it too
    ("La Dolce Velveeta" is a dessert, not the cheese)."""
    fuller: dict[str, tuple[Sentence, Span]] = {}
    for other in rest:
        if _article_of(articles, other.n) != _article_of(articles, sentence.n):
            continue
        for found in candidates(other.text):
            found = _trim_sentence_start(found, proper, other.text) if found.kind == "name" else None
            added = found.text[: -len(span.text)].split() if found else []
            if found and _fuller_name(found, span) and all(w[:1].isupper() and not w.endswith(("’s", "'s"))
                                                           for w in added) and \
                    (expectation.kind == "person" or _in_headline(found.text.lower(), headlines)) and \
                    is_new(found.text, expectation.asked) and found.text.lower() not in reporters:
                fuller.setdefault(found.text.lower(), (other, found))
    return next(iter(fuller.values())) if len(fuller) == 1 else (sentence, span)


def _outlet_names(outlets: Sequence[str]) -> set[str]:
    """The names the passages' outlets go by in a text, lower-cased: "CNN", "BBC News" and "BBC"."""
    names = set()
    for outlet in outlets:
        name = outlet.strip().lower()
        if name:
            names.add(name)
            names.add(re.sub(r"(?:\s+(?:news|online)|\.com|\.co\.uk)$", "", name))
    return names


_PROPER = re.compile(r"(?<=[a-z0-9,;:’'\)] )([A-Z][\w’'&-]*)")


def _proper_words(texts: Sequence[str]) -> set[str]:
    """Words that are names, not sentence openers: capitalised in mid-sentence somewhere in the passages, or
    capitalised wherever they occur (never written in lower case)."""
    mid = {match.group(1).lower().strip("’'") for text in texts for match in _PROPER.finditer(text)}
    capitalised, lower = set(), set()
    for text in texts:
        for word in _WORD.findall(text):
            word = word.strip(".’'")
            (capitalised if word[:1].isupper() else lower).add(word.lower())
    return mid | (capitalised - lower) | (_PLACES & capitalised)


def _trim_sentence_start(span: Span, proper: set[str], sentence: str) -> Span | None:
    """A name at the start of a sentence (or of a quotation) without a first word that is capitalised only for
    being first: kept only if the passages also capitalise it mid-sentence."""
    before = sentence[: span.start].rstrip()
    if before and before[-1] not in "“\"‘'(:—–-":
        return span
    first, _, rest = span.text.partition(" ")
    if first.lower().strip("’'") in proper or first.isupper():
        return span
    if not rest:
        return None
    offset = len(first) + 1
    return Span(span.start + offset, span.end, rest, span.kind)


def _in_headline(key: str, headlines: str) -> bool:
    """Whether a candidate (lower-cased) stands in a headline as whole words."""
    return re.search(r"(?<!\w)" + re.escape(key) + r"(?!\w)", headlines) is not None


#: How a sentence gives a name right before it: "a new service called Max", "known as “goblin mode”".
_NAMED = re.compile(r"\b(?:called|named|dubbed|titled|known as|renamed|rebranded as|branded as|(?:new )?name is)"
                    r"\s*[“\"‘']?\s*$", re.IGNORECASE)


def _called(sentence: str, span: Span) -> bool:
    """Whether the sentence says what the candidate is called right before it ("a service called Max")."""
    return _NAMED.search(sentence[max(0, span.start - 40) : span.start]) is not None


def _renamed(expectation: Expectation, sentence: str, span: Span) -> bool:
    """Whether a candidate that repeats the question's words is a new name: "What will it be called?" of "HBO
    Max and Discovery+" is answered by a service "called Max", a name the question never gives whole."""
    return _called(sentence, span) and span.text.lower() not in expectation.names


def _typed(expectation: Expectation, span: Span, fit: float, headlined: bool = False, introduced: bool = False
           ) -> bool:
    """Whether a candidate can be the kind of thing the question asks for (``headlined``: a headline names
    it, which stands in for closeness in meaning when a "which <noun>" question asks for a thing, but not
    for a type: "which type of infrastructure" is no volcano the headline names; ``introduced``: the
    sentence calls it by the noun asked for, "the asteroid Dimorphos")."""
    if introduced:
        return True
    if expectation.kind == "place":
        return _is_place(span.text) or fit >= 0.45
    if expectation.kind == "person":  # "who" may be a person, a country or an organisation
        return span.kind == "name" and span.text.lower() not in _PARTY_WORDS
    if expectation.kind == "money" and span.kind == "number":  # "120 people" is no sum of money
        last = span.text.rsplit(" ", 1)[-1].lower()
        return not last.isalpha() or last in _MULTIPLIERS or last in _CURRENCIES
    if expectation.counted and span.kind in ("number", "money"):  # "how many people": not "seven decades", "$5"
        if span.kind == "money":
            return expectation.counted in _CURRENCIES
        measured = any(word in _MEASURES for word in re.findall(r"[a-z]+", span.text.lower()))  # "25-mile route"
        return not measured or expectation.counted in _MEASURES
    if span.kind == "member":  # a word of the closed class asked for ("soccer" for "which sport")
        return True
    if expectation.kind == "thing" and expectation.head == "name":  # "what is it called?"
        return span.kind in ("name", "quote")
    if expectation.kind == "thing":
        title_like = bool(set(expectation.head.split()) & _TITLE_NOUNS)  # a song, a show: quoted or not
        if title_like and span.kind == "quote":  # a quoted title is what "which show" asks for
            return True
        return (span.kind == "name" or title_like) and (fit >= THING_FIT or headlined and not expectation.sort)
    return True


#: Units of time, length, weight …: "seven decades" or a "25-mile" route counts no people.
_MEASURES = _set("""second seconds minute minutes hour hours day days week weeks month months year years decade
decades century centuries mile miles kilometer kilometers kilometre kilometres km meter meters metre metres
foot feet inch inches yard yards acre acres hectare hectares pound pounds kilogram kilograms kg ton tons tonne
tonnes ounce ounces gallon gallons liter liters litre litres degree degrees mph percent""")

#: What a candidate loses per unit it is closer to "a person's name" than to the thing, place or organisation
#: asked for ("Tom DeLonge" for "which band").
PERSON_PENALTY = 1.0

#: The share of a "who" candidate's closeness that is closeness to "a person's name" (see ``closeness``).
PERSON_MIX = 0.3

#: What a number gains when its unit is the question's own word ("187 minutes" for "how many minutes").
UNIT = 0.3


def _counts_what_is_asked(sentence: str, span: Span, asked: frozenset[str]) -> bool:
    """Whether a number's unit ("187 minutes", "3.2 million lives", "12 Republicans", "10 Republican senators")
    is a word of the question: the span's last word or one of the two words right after it."""
    words = [stem(w) for w in _words(span.text) if not any(c.isdigit() for c in w)]
    if words and words[-1] in asked:
        return True
    after = re.match(r"\s+([A-Za-z][\w’'-]*)(?:\s+([A-Za-z][\w’'-]*))?", sentence[span.end:])
    return bool(after) and any(word and stem(word) in asked for word in after.groups())


#: What a date candidate loses when it is the wrong time for the "when" asked (``_wrong_time``).
WRONG_TIME = 0.3
_REPORTED = re.compile(r"\b(?:said|says|told|announced|reported|wrote|added|confirmed|tweeted|stated)"
                       r"(?:\s+[\w’'.-]+){0,3}?\s+(?:on\s+)?$", re.IGNORECASE)


def _wrong_time(expectation: Expectation, sentence: str, span: Span) -> bool:
    """Whether a date candidate is the wrong time for a "when" question: the day someone spoke, or, when the
    question asks about the future ("when will …"), a past time ("last week", "earlier this year") or the day
    something was done ("voted on Tuesday to repair it" does not say when the repairs start)."""
    past = span.text.lower().startswith(("last ", "earlier ")) or _day_done(sentence, span)
    return _reporting_day(sentence, span) or (expectation.head == "future date" and past)


_DONE = re.compile(r"\b(?!(?:expected|scheduled|planned|slated|delayed|postponed|moved|rescheduled|pushed)\b)"
                   r"[a-z]{3,}ed(?:\s+[\w’'.-]+){0,4}?\s+(?:on\s+)?$")


def _day_done(sentence: str, span: Span) -> bool:
    """Whether ``span`` is a weekday a few words after a verb in the past ("voted seven to two on Tuesday"; not
    "is expected on Tuesday")."""
    return span.text.lower() in _WEEKDAYS and _DONE.search(sentence[max(0, span.start - 60) : span.start]) is not None


def _reporting_day(sentence: str, span: Span) -> bool:
    """Whether ``span`` is a weekday right after a verb of saying ("said on Tuesday", "told CNN Monday")."""
    before = sentence[max(0, span.start - 60) : span.start]
    return span.text.lower() in _WEEKDAYS and _REPORTED.search(before) is not None


def _repeated(text: str, asked: frozenset[str]) -> float:
    """The share of a candidate's words that the question already says ("National Football League" all of
    them when the question says "NFL")."""
    if _initials(text) & asked:
        return 1.0
    own = [w for w in _words(text) if w.lower() not in STOPWORDS]
    return sum(1 for w in own if _said(w, asked)) / len(own) if own else 1.0


def is_new(text: str, asked: frozenset[str]) -> bool:
    """Whether a candidate says something the question does not: a word (or number) of its own, not a stopword
    (a month is a word: "May")."""
    own = [w for w in _words(text) if w.lower() not in STOPWORDS or w.lower() in _MONTHS]
    if text.lower() in _PLACE_NAMES and any(_adjective_of(w, text.lower()) for w in asked):
        return False  # "Americans" says the United States
    figures = [w for w in _words(text) if any(c.isdigit() for c in w)]
    if _initials(text) & asked:
        return False  # "National Football League" when the question says "NFL"
    return bool(own) and (not all(_said(w, asked) for w in own) or any(w.lower() not in asked for w in figures))


def _initials(text: str) -> frozenset[str]:
    """The acronyms of a name of three or more words ("National Football League" -> nfl; "Department of
    Justice" -> doj, dj), lower-cased; none for a name with a word in lower case outside its connectors."""
    words = text.split()
    if any(not w[:1].isupper() and w.lower() not in _CONNECTORS for w in words):
        return frozenset()
    forms = {"".join(w[0] for w in words), "".join(w[0] for w in words if w[:1].isupper())}
    return frozenset(form.lower() for form in forms if len(form) >= 3)


def has_candidate(expectation: Expectation, sentence: str) -> bool:
    """Whether ``sentence`` holds a span of the kind ``expectation`` asks for that the question does not say;
    for a reason ("why", "due to what"), whether it gives a cause ("because of", "due to", "amid" …) in words
    of its own: "died as a result of a catastrophic breeding failure" restates "what caused the catastrophic
    breeding failure?"."""
    if expectation.kind == "reason":
        return any(_new_words(sentence[cause.end() :], expectation.asked, CAUSE_WORDS)
                   for cause in _CAUSE.finditer(sentence))
    if expectation.kind == "identity":
        return _role(expectation.head, sentence) is not None
    kinds = ANSWER_SPANS.get(expectation.kind, ())
    return any(span.kind in kinds and is_new(span.text, expectation.asked) for span in candidates(sentence))


#: How many words after "because of" (and the like) must hold one the question does not, to give a cause.
CAUSE_WORDS = 6


def _new_words(text: str, asked: frozenset[str], limit: int) -> bool:
    """Whether the first ``limit`` words of ``text``, up to its first comma or stop, hold a content word that
    the question does not ("as a result of a breeding failure, researchers said": none)."""
    clause = re.split(r"[,;:.!?()—–]", text, maxsplit=1)[0]
    return any(word not in STOPWORDS and stem(word) not in asked
               for word in _TOKEN.findall(clause.lower())[:limit])


def _said(word: str, asked: frozenset[str]) -> bool:
    """Whether the question says ``word``: its stem, or for a place its people or adjective ("European" says
    Europe, "Ukrainian" Ukraine; places of under five letters are left out, "Iraqi" is not Iran)."""
    if stem(word) in asked:
        return True
    place = word.lower()
    return place in _PLACES | _ADJECTIVES.keys() and any(_adjective_of(w, place) for w in asked)


def _adjective_of(word: str, place: str) -> bool:
    """Whether a (lower-case) word is the adjective or people of a place: "ukrainian" of Ukraine, "english"
    of England (``_ADJECTIVES``); places of under five letters only by the table ("iraqi" is not Iran's)."""
    if word == place:
        return False
    if word in _ADJECTIVES.get(place, ()) or stem(word) in _ADJECTIVES.get(place, ()):
        return True
    return len(place) >= 5 and word.startswith(place[:-1]) and word.endswith(("an", "ese", "ish", "i", "ans"))


#: Places whose adjective does not begin with the place's own name ("English" says England).
_ADJECTIVES = {place: adjectives.split() for place, adjectives in (
    ("england", "english"), ("britain", "british briton britons"), ("uk", "british"), ("france", "french"),
    ("spain", "spanish"), ("netherlands", "dutch"), ("wales", "welsh"), ("scotland", "scottish scots"),
    ("ireland", "irish"), ("switzerland", "swiss"), ("greece", "greek"), ("thailand", "thai"),
    ("philippines", "filipino philippine"), ("turkey", "turkish"), ("denmark", "danish"), ("sweden", "swedish"),
    ("finland", "finnish"), ("poland", "polish"), ("norway", "norwegian"), ("peru", "peruvian"),
    ("iran", "iranian"), ("iraq", "iraqi"), ("cuba", "cuban"), ("china", "chinese"), ("japan", "japanese"),
    ("vietnam", "vietnamese"), ("portugal", "portuguese"), ("lebanon", "lebanese"), ("sudan", "sudanese"),
    ("afghanistan", "afghan"), ("pakistan", "pakistani"), ("israel", "israeli"), ("yemen", "yemeni"),
    ("bangladesh", "bangladeshi"), ("kuwait", "kuwaiti"), ("qatar", "qatari"), ("usa", "american"),
    ("america", "american americans"), ("us", "american americans"), ("texas", "texan"),
    ("united states", "american americans"), ("united kingdom", "british briton britons"),
    ("great britain", "british briton britons"), ("saudi arabia", "saudi saudis"),
)}


def closeness(expectation: Expectation, texts: list[str], embeddings: Embeddings) -> tuple[list[float], list[float]]:
    """How close each candidate is in meaning to what the question asks for (cosine, 0 for numbers and dates),
    and, when a question asks for no person, how close it is to a person's name (else 0). For a person, the
    closeness mixes the noun asked for with a person's name (``PERSON_MIX``): "professional golfer" alone is
    nearer the "PGA Tour" than "Dustin Johnson"."""
    target = expectation.head if expectation.kind in ("thing", "org", "place", "person") and expectation.head \
        else _PROTOTYPES.get(expectation.kind)
    if not target or expectation.kind in ("number", "money", "percent", "date"):
        return [0.0] * len(texts), [0.0] * len(texts)
    vectors = embeddings.embed_documents([target, _PROTOTYPES["person"], *texts])
    fits, persons = ([max(0.0, sum(a * b for a, b in zip(want, vector))) for vector in vectors[2:]]
                     for want in vectors[:2])
    if expectation.kind == "person":
        return [(1 - PERSON_MIX) * fit + PERSON_MIX * person for fit, person in zip(fits, persons)], [0.0] * len(texts)
    return fits, persons


def _kind_bonus(expectation: Expectation, span: Span) -> float:
    if span.kind == "member":  # of the very class asked for, as a sum of money is for "how much"
        return 0.2
    words = [w.lower() for w in _words(span.text)]
    if expectation.kind == "place":  # a known place of the grain asked for ("which city": Denver, not Colorado)
        last = stem(expectation.head.split()[-1]) if expectation.head and expectation.head != "place" else "place"
        grains = _GRAINS.get(last, set())
        places = _known_places(span.text)
        if any(_place_grain(place) & grains for place in places):
            return GRAIN
        wrong = grains and len(grains) == 1 and span.text.lower() in places  # "Colorado" for "which city"
        return -GRAIN if wrong else 0.0
    if expectation.kind == "org" and expectation.head.split()[-1] in _BUSINESSES and \
            span.text.lower() in _known_places(span.text):
        return -NOT_BUSINESS  # "California" makes no ice cream; a team or a government may be a place
    if expectation.kind == "person":
        if words[-1] in _NOT_PERSON_ENDS or (len(words) == 1 and _is_demonym(words[0])):
            return -NOT_PERSON  # "Downing Street", "Tony Awards", "British": who may be a body, rarely these
        return 0.15 if 2 <= len(words) <= 4 and not _is_place(span.text) else 0.0
    if expectation.kind in ("money", "percent"):
        return 0.2 if span.kind == expectation.kind else 0.0
    if expectation.kind == "number" and expectation.head == "much":
        return 0.1 if span.kind == "money" else 0.0
    return 0.0


#: What a known place of the grain asked for gains ("which city": Denver), and one of another grain loses
#: ("Colorado").
GRAIN = 0.25

#: What a place loses as the answer to "which company / brand / maker …".
NOT_BUSINESS = 0.3
_BUSINESSES = _set("""company firm brand retailer chain restaurant airline carrier automaker app platform website
site studio bank band business store supermarket manufacturer maker startup giant publisher newspaper magazine
broadcaster channel service streamer label conglomerate outlet corporation""")


#: What a person gains when the sentence gives the noun asked for as their title: "Tory MP Chris Pincher" for
#: "which MP". (A thing or organisation so introduced gains nothing: "another measure Democrats have been
#: pushing", "Google’s parent company Alphabet" for "which company’s stock".)
TITLED = 0.2


def _person_by_title(sentence: str, span: Span) -> bool:
    """Whether the sentence gives a name a person's title or role right before it ("quarterback Tua
    Tagovailoa", "original member, Tom DeLonge"): no company, band or team."""
    before = re.search(r"([A-Za-z][\w-]*)\.?,?\s+$", sentence[max(0, span.start - 30) : span.start])
    word = before.group(1).lower() if before else ""
    return bool(word) and any(form in _TITLES or form in _PERSON_NOUNS for form in (word, stem(word)))


def _introduced(expectation: Expectation, sentence: str, span: Span) -> bool:
    """Whether the word before a name (or before "called", "named" …) is the noun the question asks for: "the
    asteroid Dimorphos" for "the asteroid's name", "rapper Drake" for "which rapper". Such a name is of the kind
    asked, however far from the noun its meaning seems."""
    if expectation.kind not in ("thing", "org", "person", "place") or \
            expectation.head in ("", "person", "place", "name"):
        return False
    before = re.search(r"([A-Za-z][\w-]*)\s+(?:(?:called|named|dubbed|known as)\s+)?[“\"‘']?$",
                       sentence[max(0, span.start - 40) : span.start])
    return before is not None and stem(before.group(1).lower()) == stem(expectation.head.split()[-1])


#: What a figure gains when the year beside it is the question's ("by 2050 … 30%"), and loses when it is another
#: ("14% by 2030").
YEAR = 0.2
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def _year_fit(expectation: Expectation, sentence: str, span: Span) -> float:
    asked = {word for word in expectation.asked if _YEAR.fullmatch(word)}
    if not asked:
        return 0.0
    near = set()
    for match in _YEAR.finditer(sentence):
        between = sentence[min(match.end(), span.end) : max(match.start(), span.start)]
        apart = match.start() >= span.end or match.end() <= span.start
        if apart and len(_WORD.findall(between)) <= 6 and not re.search(r"[;:]|, (?:and|but|while)\b", between):
            near.add(match.group())
    return YEAR if near & asked else -YEAR if near else 0.0


#: What a candidate loses when the question asks who won and the sentence has it lose ("X defeated Y": Y).
LOSER = 0.4
_BEATEN = re.compile(r"\b(?:defeat(?:ed|ing|s)?|beat(?:s|ing)?|oust(?:ed|ing|s)?|unseat(?:ed|ing|s)?|"
                     r"edg(?:ed|es|ing)(?:\s+out)?|top(?:ped|ping|s)|over|against|versus|vs\.?|trounc(?:ed|es|ing)|"
                     r"rout(?:ed|s|ing)|upset(?:s|ting)?|eliminat(?:ed|es|ing)|knock(?:ed|s|ing) out)"
                     r"\s+(?:(?!by\b)[\w’'.-]+\s+){0,3}?$", re.IGNORECASE)
_LOST = re.compile(r"(?:[’']s)?\s*(?:,[^,]{0,60},\s*)?(?:lost|loses|lose|was defeated|were defeated|was beaten|"
                   r"were beaten|conceded|fell to|falls to|trailed)\b", re.IGNORECASE)


def _lost(sentence: str, span: Span) -> bool:
    """Whether the sentence has the candidate lose: "defeated Republican Leon Benjamin", "a win over the
    Bills", "Benjamin conceded"."""
    return _BEATEN.search(sentence[max(0, span.start - 60) : span.start]) is not None or \
        _LOST.match(sentence[span.end :]) is not None


#: What a "who" candidate loses when its last word names a place, a building or an event ("Downing Street",
#: "PGA Tour").
NOT_PERSON = 0.3
_NOT_PERSON_ENDS = _PLACE_NOUNS | _set("""street avenue road square palace house hall castle stadium arena bridge
center centre building tower station awards award prize festival cup championship championships games olympics
tour tournament series summit conference marathon day week""")


def _is_demonym(word: str) -> bool:
    """Whether a (lower-case) word is a place's adjective or people: "british", "ukrainian", "chinese"."""
    return word not in _PLACES and any(_adjective_of(word, place) for place in _PLACES | _ADJECTIVES.keys())


#: What a list of names ("Sweden and Finland") gains when the question asks for several things.
SEVERAL = 0.2
_NOT_PLURAL = frozenset(["news", "series", "species", "us", "chess", "physics", "politics", "economics", "gas",
                         "bus", "virus", "campus", "census", "status", "congress", "process", "address"])
_LIST = re.compile(r"\s(?:and|&)\s")


def _asks_several(expectation: Expectation) -> bool:
    """Whether the question asks for more than one thing: its noun is plural ("which countries")."""
    last = expectation.head.split()[-1] if expectation.head else ""
    return last.endswith("s") and last not in _NOT_PLURAL and not last.endswith("ss") and stem(last) != last


#: Closed classes of common nouns a "which <noun>" question may ask for: the answer is one of them ("which
#: sport": soccer), which no capitalised name or quoted title would be. Singular; a plural "s" is read too.
_CLASSES = {noun: frozenset(line.split()) for nouns, line in (
    (("sport",), """soccer football basketball baseball softball hockey tennis golf cricket rugby boxing wrestling
     gymnastics swimming diving volleyball cycling skiing snowboarding skating surfing sailing rowing athletics
     lacrosse polo fencing archery judo karate taekwondo badminton squash handball netball darts snooker
     bowling climbing triathlon marathon motorsport racing skateboarding weightlifting pickleball curling"""),
    (("color", "colour", "shade"), """red blue green yellow orange purple pink black white gray grey brown gold
     silver violet turquoise beige maroon navy teal"""),
    (("animal", "creature", "pet", "mammal", "reptile", "bird", "species", "beast"), """dog cat horse pony donkey
     cow bull pig sheep goat chicken duck goose turkey rabbit mouse rat squirrel deer moose elk bear wolf fox
     lion tiger leopard cheetah jaguar elephant rhino rhinoceros hippo hippopotamus giraffe zebra camel monkey
     gorilla chimpanzee orangutan kangaroo koala panda sloth bat whale dolphin shark seal walrus otter octopus
     squid jellyfish crab lobster turtle tortoise snake python cobra alligator crocodile lizard iguana frog
     toad salmon trout tuna eagle hawk owl parrot penguin pigeon crow swan flamingo ostrich bee wasp ant
     spider butterfly moth mosquito beetle worm bison buffalo boar hedgehog raccoon skunk beaver badger
     hamster ferret llama alpaca yak manatee stingray coyote hyena puma cougar lynx vulture peacock corgi"""),
    (("fruit",), """apple banana orange grape strawberry blueberry raspberry cherry peach pear plum mango
     pineapple watermelon melon lemon lime kiwi avocado coconut pomegranate fig papaya apricot cranberry"""),
    (("vegetable",), """carrot potato tomato onion garlic broccoli cabbage lettuce spinach kale pepper cucumber
     celery corn pea bean pumpkin zucchini eggplant cauliflower asparagus beet radish"""),
    (("meal",), "breakfast brunch lunch dinner supper"),
    (("instrument",), """piano guitar violin cello drums drum trumpet saxophone flute clarinet harp bass banjo
     ukulele accordion organ harmonica trombone tuba"""),
    (("metal",), "gold silver copper iron steel aluminum aluminium lithium nickel cobalt platinum zinc tin lead"),
    (("season",), "spring summer fall autumn winter"),
    (("infrastructure",), """highway road bridge railway railroad tunnel pipeline airport port dam
     grid power plant reservoir canal subway"""),
    (("disaster", "phenomenon"), """earthquake hurricane tornado typhoon cyclone wildfire flood flooding
     drought tsunami landslide mudslide avalanche blizzard heatwave eruption storm hail"""),
    (("vehicle", "aircraft"), """car truck bus buses train plane jet helicopter boat ship bicycle bike
     scooter motorcycle tank drone rocket submarine van"""),
) for noun in nouns}


#: How many of the best sentences are searched for a word of the closed class asked for (names: ``top``); such
#: a word is rarer than a name, and the sentence that gives it often shares few words with the question.
CLASS_TOP = 40


def _asked_class(expectation: Expectation) -> frozenset[str]:
    """The closed class a "which <noun>" question asks for (``_CLASSES``), or none (empty)."""
    last = stem(expectation.head.split()[-1]) if expectation.kind == "thing" and expectation.head else ""
    return _CLASSES.get(last, frozenset())


def _class_members(members: frozenset[str], sentence: str) -> list[Span]:
    """The words of ``sentence`` in lower case ("Turkey" is a country) that are ``members``, or their plurals."""
    words = re.finditer(r"(?<![\w-])[a-z]+(?![\w-])", sentence) if members else ()
    return [Span(m.start(), m.end(), m.group(), "member") for m in words
            if m.group() in members or m.group().endswith("s") and m.group()[:-1] in members]


def _without_number(span: Span) -> Span | None:
    """A name that ends in a short number without it ("iPhone 14" -> "iPhone"), else None."""
    match = re.fullmatch(r"(.*\S)\s+\d{1,3}", span.text) if span.kind == "name" else None
    return Span(span.start, span.start + len(match.group(1)), match.group(1), "name") if match else None


def _brand(span: Span, sentence: str, texts: str) -> Span:
    """A name with its "’s" when the passages never write it without one and use it as a noun somewhere
    ("partnered with Ben & Jerry’s to replace"): "Ben & Jerry’s", "McDonald’s" are names; "Google’s parent
    company" and "Rock’s joke" are possessives."""
    if not re.match(r"[’']s\b", sentence[span.end :]):
        return span
    name = r"(?<!\w)" + re.escape(span.text)
    bare = re.search(name + r"(?![’']s\b|\w)", texts)
    as_noun = re.search(name + r"[’']s(?:\s*[^\w\s]|\s*$|\s+(?:" + "|".join(_NOUN_AFTER) + r")\b)", texts, re.MULTILINE)
    if bare or not as_noun:
        return span
    return Span(span.start, span.end + 2, sentence[span.start : span.end + 2], span.kind)


#: Words that follow a name used as a noun, not as a possessive: "Ben & Jerry’s to replace", "at McDonald’s in".
_NOUN_AFTER = ("to", "in", "on", "at", "and", "or", "is", "was", "has", "had", "will", "said", "says", "for", "with",
               "from", "by", "as", "which", "that", "who", "also", "announced", "restaurants", "stores", "locations")


def _members(sentence: str, span: Span) -> list[Span]:
    """The names a list of names is made of ("Louisville Mayor Greg Fisher and Lonnie Ali" -> "Greg Fisher",
    "Lonnie Ali"), each as ``_names`` reads it alone (without its title); none for a single name."""
    if " and " not in span.text:
        return []
    members = []
    start = span.start
    for part in re.split(r"(\sand\s)", span.text):  # "&" joins a name: "Ben & Jerry’s", "Procter & Gamble"
        if part != " and ":
            members += [Span(start + m.start, start + m.end, m.text, m.kind) for m in _names(part)]
        start += len(part)
    return members


#: The best names of a sentence paired (a long list of names stays a bounded number of pairs).
_PAIRED = 12


def _best_pair(expectation: Expectation, scored: list[tuple[float, Sentence, Span]]
               ) -> tuple[float, Sentence, Span, Span] | None:
    """For a question asking for several things ("which two teams"), the best two names one sentence gives
    apart ("The Houston Astros … after defeating the Philadelphia Phillies"), scored as their mean plus
    ``SEVERAL``, as a list of names in one span is ("Sweden and Finland"); in the sentence's order."""
    if not _asks_several(expectation):
        return None
    by_sentence: dict[tuple[int, int], list[tuple[float, Sentence, Span]]] = {}
    for score, sentence, span in scored:
        if span.kind == "name" and not _LIST.search(span.text):
            by_sentence.setdefault((sentence.n, sentence.start), []).append((score, sentence, span))
    best = None
    for items in by_sentence.values():
        items = sorted(sorted(items, key=lambda item: -item[0])[:_PAIRED], key=lambda item: item[2].start)
        for index, (first_score, sentence, first) in enumerate(items):
            for second_score, _, second in items[index + 1 :]:
                one, other = first.text.lower(), second.text.lower()
                if first.end > second.start or one in other or other in one:
                    continue  # the same name twice, or one inside the other ("Houston", "Houston Astros")
                value = (first_score + second_score) / 2 + SEVERAL
                if best is None or value > best[0]:
                    best = (value, sentence, first, second)
    return best


def _several_bonus(expectation: Expectation, span: Span) -> float:
    listed = span.kind == "name" and _LIST.search(span.text) is not None
    return SEVERAL if listed and _asks_several(expectation) else 0.0


#: What a candidate gains when the sentence says it in the question's frame: "is acquiring Parler" for "is
#: acquiring which platform?", "the sale of the Denver Broncos" for "the sale of which team?".
FRAMED = 0.2
#: How far before or after a candidate its frame is looked for, in characters (a few words).
_NEAR_CHARS = 80


def _framed(frame: Sequence[str], sentence: str, span: Span) -> bool:
    """Whether the words of ``frame`` stand right before ``span`` (a determiner may come between), the same
    words or forms of one verb ("acquired" for "acquiring")."""
    before = sentence[max(0, span.start - _NEAR_CHARS) : span.start]  # a few words: any sentence is cheap
    if not frame or not before.endswith(" "):
        return False
    words = _TOKEN.findall(before.lower())
    if words and words[-1] in _DETERMINERS:
        words.pop()
    return len(words) >= len(frame) and all(_same_word(a, b) for a, b in zip(words[-len(frame):], frame))


def _owns(owned: str, sentence: str, span: Span) -> bool:
    """Whether the sentence gives ``span`` as the owner of the noun ``owned`` ("Saudi Arabia's FIFA-favored
    bid" for "which country's bid"): its possessive, then the noun within four words."""
    if not owned or not re.match(r"[’']s\b", sentence[span.end :]):
        return False
    after = sentence[span.end + 2 : span.end + 2 + _NEAR_CHARS].lower()
    return any(stem(word) == owned for word in _TOKEN.findall(after)[:4])


def _same_word(a: str, b: str) -> bool:
    """The same word, or forms of one ("acquiring", "acquired", "visited"): both have five letters or more and
    share all but three letters of the shorter, and five at least."""
    if a == b or stem(a) == stem(b):
        return True
    shorter = min(len(a), len(b))
    shared = max(5, shorter - 3)
    return shorter >= 5 and a[:shared] == b[:shared]


def _nearness(sentence: str, span: Span, asked: frozenset[str]) -> float:
    """1 when a question word stands right next to the candidate, falling to 0 at 12 words away."""
    starts, said = _said_at(sentence, asked)
    if not said:
        return 0.0

    def words(start: int, end: int) -> int:  # how many words begin in sentence[start:end]
        return bisect.bisect_left(starts, end) - bisect.bisect_left(starts, start)

    before, after = bisect.bisect_left(said, span.start), bisect.bisect_left(said, span.end)
    between = [words(said[before - 1], span.start)] if before else []  # the nearest question word before it
    between += [words(span.start, said[after])] if after < len(said) else []  # after it, the span counted
    between += [words(span.start, span.end)] if before < after else []  # inside it
    return max(0.0, 1.0 - min(between) / 12)


@functools.lru_cache(maxsize=64)
def _said_at(sentence: str, asked: frozenset[str]) -> tuple[list[int], list[int]]:
    """Where each word of ``sentence`` begins, and where each word the question says does: read once per
    sentence, not once per candidate (a long sentence holds many)."""
    starts, said = [], []
    for match in _WORD.finditer(sentence):
        starts.append(match.start())
        if stem(match.group().strip(".’'")) in asked:
            said.append(match.start())
    return starts, said


# --- common-noun answers ---------------------------------------------------------------
#: How many of the answering sentences (best first) are read for a common-noun answer, and its longest length.
PHRASE_TOP, PHRASE_WORDS = 3, 4

#: Words that begin or make no answer phrase: quantities, the vaguest adjectives, words that say only how
#: new, big or important a thing is ("many diners", "a key measure", "its latest item"), and spans of time
#: ("searches for the week of May 1": a "what" is not a "when").
_VAGUE = _set("""many some all any each every few several much own other another same such only just even
still already never always often less least really nearly almost new newest latest key major main important
big bigger biggest large larger largest small top first last final next recent current former further certain
various particular possible potential proposed planned reported alleged so-called full whole entire total
likely unlike like including
day days week weeks weekend month months year years decade decades time times period morning night""")
#: Determiners an answer phrase does not keep at its start ("an egg" answers "what", "egg" is the phrase).
_DETERMINERS = _set("a an the its their his her our your this that these those")
#: What links a subject to "the <noun>" the question asks about ("climate change posed the biggest threat").
_LINKS = _set("""is are was were remains remained become became becomes pose poses posed represent represents
represented constitute constitutes constituted as""")
_TOKEN = re.compile(r"[A-Za-z0-9][\w’'-]*")
#: Verbs that end a phrase ("sewage samples taken by the council"): irregular participles and, by their
#: ending, the regular ones ("wastewater conducted by", "eggs showing").
_PARTICIPLES = _set("""taken given seen found known shown written brought built caught done drawn driven eaten
fallen felt gotten grown heard hidden laid meant put read sent set shot spent stolen stood thought thrown worn
begun chosen frozen spoken sung sunk swum torn woken""")


def _ends_phrase(word: str) -> bool:
    lowered = word.lower()
    return lowered in _PARTICIPLES or lowered.endswith(("ed", "ing"))


def phrase(question: str, expectation: Expectation, sentences: Sequence[Sentence]) -> Choice | None:
    """A common-noun answer, for a "what" or "which <noun>" question that no name, title or figure answers
    (``choose`` found none), taken from one of the first ``PHRASE_TOP`` sentences where it says what the question
    asks about, in the question's own frame:

    - after the words that come before "what" in the question: "based on an analysis of what?" -> "analysis of
      wastewater"; "batches of which household product?" -> "batches of dry shampoo products" (the noun asked
      for is dropped: "dry shampoo");
    - before the noun asked for: "which diners?" -> "vegan diners"; "which music genre?" -> "country music";
    - "what is the <noun>?" -> "<phrase> posed / is the <noun>" or "the <noun> is <phrase>".

    The phrase is lower-case words that the question does not have (a name is ``choose``'s), at most
    ``PHRASE_WORDS``, without a vague word ("many", "key", "new"); None if no sentence frames one."""
    if expectation.kind not in ("thing", "event") or expectation.head == "name":
        return None
    asking = _asking(question).lower().replace("’", "'")
    wh = re.search(_ASKS + r"(what|which|who|whom|whose|where|when|why|how)\b", asking)  # as ``_first_asking``
    if not wh or wh.group(1) not in ("what", "which"):
        return None
    before = _TOKEN.findall(asking[: wh.start()])[-2:]
    subject = _subject_asked(asking)
    head = [stem(word) for word in expectation.head.split()]
    for sentence in sentences[:PHRASE_TOP]:
        words = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(sentence.text)]
        found = (_after_frame(sentence.text, words, before, expectation, head)
                 or _before_noun(sentence.text, words, head, expectation)
                 or (subject and _linked(sentence.text, words, subject, expectation)))
        if found:
            start, end = words[found[0]][0], words[found[-1]][1]
            return Choice(sentence, Span(start, end, sentence.text[start:end], "phrase"), sentence.score)
    return None


def _subject_asked(asking: str) -> list[str]:
    """The noun phrase of "what is the <noun phrase> …?" (up to its first function word), stemmed, or []."""
    match = re.search(r"\bwhat(?: is|'s| was| are| were) (?:the|a|an) ((?:[\w-]+ ){0,3}[\w-]+)", asking)
    if not match:
        return []
    words = []
    for word in match.group(1).split():
        if word in STOPWORDS or word in _END:
            break
        words.append(stem(word))
    return words


_Words = list[tuple[int, int, str]]  # a sentence's words: (start, end, text)


def _joined_words(text: str, words: _Words, first: int, last: int) -> bool:
    """Whether words ``first``..``last`` stand in one run, only spaces between them (no comma, no dash)."""
    return all(text[words[i][1] : words[i + 1][0]] == " " for i in range(first, last))


def _phrase_word(word: str, expectation: Expectation, repeats: bool = False) -> bool:
    """Whether ``word`` can be part of an answer phrase: lower case (or a figure), no function word, vague word
    or possessive; ``repeats``: it may be one of the question's words."""
    lowered = word.lower()
    return ((word[:1].islower() or word[:1].isdigit()) and lowered not in STOPWORDS and lowered not in _VAGUE
            and lowered not in _END and (repeats or stem(lowered) not in expectation.asked)
            and not lowered.endswith(("'s", "’s")))


def _forward(text: str, words: _Words, j: int, expectation: Expectation, repeats: bool = False,
             head: Sequence[str] = ()) -> list[int]:
    """The phrase that begins at word ``j`` (after any determiners), up to a word that cannot be in it, a
    participle ("wastewater conducted by"), a noun of ``head`` (the kind asked is no part of the answer: "dry
    shampoo products") or ``PHRASE_WORDS``; with ``repeats``, it may hold the question's words but ends in one
    of its own."""
    while j < len(words) and words[j][2].lower() in _DETERMINERS:
        j += 1
    taken: list[int] = []
    while j < len(words) and len(taken) < PHRASE_WORDS and (not taken or _joined_words(text, words, j - 1, j)):
        word = words[j][2]
        if taken and (stem(word.lower()) in head or _ends_phrase(word)) or \
                not _phrase_word(word, expectation, repeats):
            break
        taken.append(j)
        j += 1
    while taken and stem(words[taken[-1]][2].lower()) in expectation.asked:
        taken.pop()
    return taken


def _backward(text: str, words: _Words, j: int, expectation: Expectation, limit: int,
              verbs: bool = True) -> list[int]:
    """The phrase that ends at word ``j``, read backwards up to a word that cannot be in it or ``limit`` words;
    ``verbs`` false: a word that looks like a verb ends it too ("serve", "-ed", "-ing", "-ly")."""
    taken: list[int] = []
    while j >= 0 and len(taken) < limit and (not taken or _joined_words(text, words, j, j + 1)) and \
            _phrase_word(words[j][2], expectation) and \
            (verbs or not (_ends_phrase(words[j][2]) or words[j][2].lower().endswith("ly"))):
        taken.insert(0, j)
        j -= 1
    return taken


def _after_frame(text: str, words: _Words, before: list[str], expectation: Expectation,
                 head: list[str]) -> list[int]:
    """The phrase right after the question's two words before "what" ("analysis of" wastewater), dropping a
    leading determiner and a trailing noun asked for; it may hold a word of the question but ends in one of its
    own ("searches for abortion medication" when the question speaks of the abortion decision)."""
    if len(before) < 2 or all(word in STOPWORDS for word in before):
        return []
    lowered = [stem(w.lower()) for _, _, w in words]
    frame = [stem(word) for word in before]
    for i in range(len(words) - len(frame)):
        if lowered[i : i + len(frame)] == frame and _joined_words(text, words, i, i + len(frame) - 1) and \
                (taken := _forward(text, words, i + len(frame), expectation, repeats=True, head=head)):
            return taken
    return []


def _before_noun(text: str, words: _Words, head: list[str], expectation: Expectation) -> list[int]:
    """The new words right before a noun of the phrase asked for: "vegan diners" for "which diners", "country
    music" for "which music genre"; the last noun first. Without knowing which word is a verb, more than the
    one word next to the noun is taken only when a function word stands before them all ("of dry shampoo
    products"; "serve vegetarian diners" gives "vegetarian")."""
    for noun in reversed(head):
        for i, (_, _, word) in enumerate(words):
            if word[:1].islower() and stem(word.lower()) == noun and i and _joined_words(text, words, i - 1, i):
                taken = _backward(text, words, i - 1, expectation, PHRASE_WORDS - 1, verbs=False)
                while len(taken) > 1 and not _bounded(text, words, taken[0]):
                    taken.pop(0)
                if taken:
                    return taken
    return []


def _bounded(text: str, words: _Words, first: int) -> bool:
    """Whether word ``first`` begins a noun phrase: the sentence starts there, or punctuation or a function
    word stands before it."""
    if first == 0 or not _joined_words(text, words, first - 1, first):
        return True
    return words[first - 1][2].lower() in _BOUNDS


#: Words a noun phrase follows: determiners, prepositions, conjunctions.
_BOUNDS = _DETERMINERS | _set("""of in on at by for with from into onto about over under after before than to as
and or but nor both either""")


def _linked(text: str, words: _Words, subject: list[str], expectation: Expectation) -> list[int]:
    """For "what is the <noun>": "<phrase> posed the biggest <noun>" (the phrase before a linking verb), or
    "the <noun> is <phrase>"."""
    lowered = [stem(w.lower()) for _, _, w in words]
    for i, word in enumerate(lowered):
        if word != subject[-1]:
            continue
        j = i - 1
        while j >= 0 and (lowered[j] in subject or lowered[j] in expectation.asked or words[j][2].lower() in _VAGUE):
            j -= 1  # the rest of the noun phrase and its adjectives ("biggest security")
        if j >= 2 and words[j][2].lower() in _DETERMINERS and words[j - 1][2].lower() in _LINKS and \
                _joined_words(text, words, j - 2, j - 1) and \
                (taken := _backward(text, words, j - 2, expectation, PHRASE_WORDS)):
            return taken
        if i + 1 < len(words) and words[i + 1][2].lower() in _LINKS - {"as"} and \
                (taken := _forward(text, words, i + 2, expectation)):
            return taken
    return []


# --- who somebody is -------------------------------------------------------------------
#: How many of the answering sentences (best first) are read for what the person asked about is.
ROLE_TOP = 5
#: The longest description kept (words): what the checker still takes for a short answer.
ROLE_WORDS = SHORT_WORDS

#: Words that say what somebody is or does: the nouns "who" asks for, the titles before a name, and a few more.
_ROLES = _PERSON_NOUNS | _TITLES | _set("""adviser advisor aide deputy chair chairman chairwoman boss spokesperson
lieutenant commander militant rebel movement group laureate champion medalist medallist""")


def _is_role(word: str) -> bool:
    lowered = word.lower().rstrip(".")
    return lowered in _ROLES or stem(lowered) in _ROLES


#: A description set beside a name: ", the Tory candidate for mayor," (after an age: ", 48, the …"), or a
#: possessive one: ", Russia's foreign ministry spokeswoman,"; it ends at a comma, a stop, a dash or a bracket.
_END_OF_ROLE = r"\s*(?=[,;:)]|\.(?:\s|$)|\s[–—-]\s|$)"
_APPOSITIVE = re.compile(r",\s+(?:\d{1,3},\s+)?((?:the|a|an|(?:[A-Z][\w’'.-]*\s+){0,3}[A-Z][\w.-]*['’]s)\s+"
                         r"[^,;:()\"“”]+?)" + _END_OF_ROLE)
#: A description the sentence links to the name: "Hall is a member of the London Assembly".
_COPULA = re.compile(r"\s+(?:is|was|has been|had been|became|becomes|remains|served as|serves as)\s+"
                     r"((?:the|a|an)\s+[^,;:()\"“”]+?)" + _END_OF_ROLE)
#: Words that end a title before a name on its left ("said Foreign Ministry spokeswoman Maria Zakharova").
_BEFORE_TITLE = _set("""said says told tells added wrote asked according by and or with to from as that when while
after before including like than but if because at in on the a an this""")
#: A photo's credit that runs into the caption's text ("Jim Watson/AFP Nobel Peace Prize laureate Maria Ressa"):
#: an agency's or a picture desk's words, which end a title as a credit (``_credit``).
_CREDITS = _set("""reuters ap afp getty images epa bloomberg shutterstock photo photos file credit courtesy xinhua
anadolu sipa dpa ansa efe tass ria""")
#: Where a relative clause begins, which a description does not keep.
_RELATIVE = re.compile(r"\s+(?:who|whom|whose|which|that)\b")
#: Verbs that show a description beside a name is a clause of its own ("Zakharova, the ministry said").
_REPORTING = re.compile(r"\b(?:said|says|told|tells|added|adds|wrote|writes|stated|reported|reports|announced)\b")


def role(expectation: Expectation, sentences: Sequence[Sentence]) -> Choice | None:
    """What the person (or group) a "who is <name>?" question asks about is, as one of the first ``ROLE_TOP``
    answering sentences says it beside the name (``_role``): "Who is Maria Zakharova?" -> "Russian Foreign
    Ministry spokeswoman" of "…, said Russian Foreign Ministry spokeswoman Maria Zakharova". A description of
    several words beats a one-word title ("President") a later sentence improves on; None if no sentence
    describes the name."""
    if expectation.kind != "identity":
        return None
    best: tuple[tuple[int, int], Sentence, Span] | None = None
    for index, sentence in enumerate(sentences[:ROLE_TOP]):
        span = _role(expectation.head, sentence.text)
        if span is None:
            continue
        rank = (0 if " " in span.text else 1, index)
        if best is None or rank < best[0]:
            best = (rank, sentence, span)
        if rank[0] == 0:
            break
    return Choice(best[1], best[2], best[1].score) if best else None


def _role(name: str, sentence: str) -> Span | None:
    """What ``sentence`` says the bearer of ``name`` is, beside the name (or a person's last word, where no
    other capitalised word stands before it): a description after it (``_APPOSITIVE``, ``_COPULA``), else the title
    before it, words up to ``_BEFORE_TITLE`` or a function word, of which one says what somebody is (``_ROLES``)
    and the last is one or capitalised: "Tory candidate Susan Hall", "Secretary of State Antony Blinken", not
    "members have chosen Susan Hall". None if it gives none."""
    group = name[:4].lower() == "the "  # "the Proud Boys": a group, not known by its last word
    name = name[4:] if group else name
    words = name.split()
    forms = [name] + ([words[-1]] if len(words) > 1 and len(words[-1]) >= 3 and not group else [])
    for form in forms:
        for found in re.finditer(r"(?<![\w’'-])" + re.escape(form) + r"(?![\w-])", sentence):
            start, end = found.span()
            left = re.search(r"([A-Za-z][\w’'.-]*)\s+$", sentence[:start])
            if form != name and left and left.group(1)[0].isupper() and \
                    (not _is_role(left.group(1)) or left.group(1) in words):
                continue  # "City Hall" is not Susan Hall; "Queen Elizabeth" is the whole name
            for pattern in (_APPOSITIVE, _COPULA):
                after = pattern.match(sentence, end)
                if not after or _REPORTING.search(after.group(1)):
                    continue
                said = _RELATIVE.split(after.group(1), maxsplit=1)[0]  # "a California Republican who pleaded …"
                if 2 <= len(said.split()) <= ROLE_WORDS and _describes(said):
                    return Span(after.start(1), after.start(1) + len(said), said, "role")
            if (title := _title_before(sentence, start)) is not None:
                return title
    return None


def _describes(text: str) -> bool:
    """Whether a phrase beside a name can say what its bearer is: it has a word that says what somebody is, or a
    lower-case word of content ("the Ukrainian leader", "a Democrat"; not "the Boys" nor another name)."""
    return any(_is_role(word) or word[:1].islower() and word.lower() not in STOPWORDS for word in _TOKEN.findall(text))


def _credit(sentence: str, word: re.Match[str]) -> bool:
    """Whether ``word`` ends a photo's credit: an agency's or a picture desk's word after "/", ":" or "via", or
    after another such word ("Getty Images"); "AP correspondent Jane Roe" keeps its title."""
    if word.group().lower() not in _CREDITS:
        return False
    before = sentence[: word.start()].rstrip()
    previous = before.rsplit(None, 1)[-1].lower() if before else ""
    return before.endswith(("/", ":")) or previous in ("via", "by") or previous in _CREDITS


def _title_before(sentence: str, start: int) -> Span | None:
    """The title right before a name that starts at ``start`` (see ``_role``), or None."""
    taken: list[re.Match[str]] = []
    for word in reversed(list(_TOKEN.finditer(sentence, 0, start))):
        gap = sentence[word.end() : taken[-1].start() if taken else start]
        lowered = word.group().lower()
        if gap.strip() or lowered in _BEFORE_TITLE or _credit(sentence, word) or \
                lowered in STOPWORDS and lowered != "of" or len(taken) == ROLE_WORDS // 2:
            break
        taken.append(word)
    while taken and taken[-1].group().lower() == "of":  # "of State": the title does not start with "of"
        taken.pop()
    nearest = taken[0].group() if taken else ""  # "spokeswoman", or "State" of "Secretary of State"; not a verb
    if not (nearest[:1].isupper() or _is_role(nearest)) or not any(_is_role(word.group()) for word in taken):
        return None
    first, last = taken[-1].start(), taken[0].end()
    return Span(first, last, sentence[first:last], "role")
