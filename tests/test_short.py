"""Short answers: what a question asks for, the spans that can answer it, and the one chosen.

The choice uses the real embedding model (it judges "Europe" close to
"continent"); the sentences are hand-made, so what is right can be seen.
"""

from __future__ import annotations

import pytest

from bot import short
from bot.citations import short_answer
from bot.types import Citation
from tests.conftest import make_bot


@pytest.mark.parametrize(("question", "kind", "head"), [
    ("Which country was shaken by a 7.0-magnitude earthquake this week?", "place", "country"),
    ("Which continent will soon require a single charging standard?", "place", "continent"),
    ("What NFL star announced his retirement on Tuesday?", "person", "nfl star"),
    ("Who holds the overall major league single-season home run record?", "person", "person"),
    ("Which food chain launched a redesigned menu?", "org", "food chain"),
    ("Which Major League Baseball team was invited to the White House?", "org", "league baseball team"),
    ("How many minutes did the violence play out?", "number", "many"),
    ("How much was Instagram fined this week?", "money", "much"),
    ("What percentage of US adults disapprove of the decision?", "percent", "percentage"),
    ("When will the new bridge open?", "date", "future date"),
    ("When did the bridge open?", "date", "date"),
    ("Broadway's biggest stars were recognized at which prestigious awards show?", "thing", "awards show"),
    ("Why did some cities cancel their fireworks?", "reason", ""),
    # a cause asked for without "why"
    ("Many Americans will pay more to keep their homes warm this winter due to what?", "reason", ""),
    ("What caused the power outage in the city?", "reason", ""),
    ("Thousands of penguin chicks died last year. What do researchers blame?", "reason", ""),
    ("What sparked the protests in the capital?", "reason", ""),
    ("Which show won best musical at the Tony Awards?", "thing", "show"),  # a verb ends the noun asked for
    ("Which team beat the Bills on Sunday?", "org", "team"),
    ("Which company’s stock became cheaper after the split?", "org", "company"),  # the possessor is asked for
    ("The committee recommended suspending which MP?", "person", "mp"),
    ("Which sea creature was filmed eating a drone?", "thing", "sea creature"),  # the last noun says the kind
    ("Which country music star won entertainer of the year?", "person", "country music star"),
    # the sentence that asks decides: the first one's "who" asks nothing; "the name of the storm" is a storm
    ("Residents who are still recovering were hit by a tropical storm. What was the name of the storm?",
     "thing", "storm"),
    ("Which U.S. state will hold the first primary?", "place", "u.s. state"),
    # "what is the <noun> of" asks which <noun>, when the noun names a kind of answer
    ("What is the political slogan of the new candidate for mayor?", "thing", "political slogan"),
    ("What was the record high price for a gallon of gas?", "money", "price"),  # a quantity by its noun
    # the noun after "type of", "kind of", "of these" is the one asked for
    ("Lava could soon reach which type of infrastructure?", "thing", "infrastructure"),
    ("Which of these companies reported a loss?", "org", "companies"),
    ("Which late Supreme Court justice will be featured on a stamp?", "person", "supreme court justice"),  # last
    # a "who" after a comma begins a relative clause, it asks nothing
    ("Kanye West, who changed his name to Ye, is buying which social media platform?", "org",
     "social media platform"),
    # a "when" after the question word begins a clause: it asks nothing
    ("Which fruit do physicians claim reduces hypertension when consumed daily?", "thing", "fruit"),
    ("Who was president when the wall fell?", "person", "person"),
    # a quantity asked for by its noun
    ("Total public debt outstanding is now above what amount?", "money", "amount"),
    ("At what age can babies begin to develop a sense of humour?", "number", "age"),
    ("What amount of rain fell on the city on Sunday?", "number", "amount"),
    # a name asked for: the thing it names, else any name a sentence says it is called
    ("NASA crashed its DART spacecraft into an asteroid. What is the asteroid's name?", "thing", "asteroid"),
    ("The company will combine its two streaming services. What will it be called?", "thing", "name"),
    ("What will the new streaming service be called?", "org", "streaming service"),
    ("Will Smith slapped which presenter during Sunday's Academy Awards?", "person", "presenter"),
    # "who is <name>?" asks what the bearer of a name is, not for another name; "who is the <office>?" asks for one
    ("Who is Susan Hall?", "identity", "Susan Hall"),
    ("Who are the Proud Boys?", "identity", "the Proud Boys"),
    ("Who is the new prime minister?", "person", "person"),
    ("Who is the Secretary General of the UN?", "person", "person"),
    ("Who is Time's Person of the Year?", "person", "person"),
    # no noun says what kind of thing: a phrase or a clause, not a name
    ("The rocket exploded minutes after launch this week. What went wrong?", "event", ""),
    ("Scientists examining a slice of a massive meteorite have identified what?", "event", ""),
])
def test_the_question_says_what_kind_of_answer_it_wants(question, kind, head):
    expected = short.expect(question)
    assert (expected.kind, expected.head) == (kind, head)


@pytest.mark.parametrize(("question", "winner"), [
    ("Who won a special election this week?", True),
    ("Which team beat the Bills on Sunday?", True),
    ("Who will win the race?", True),
    ("Who was the big winner at the Oscars?", True),
    ("Which team did Argentina beat in the final?", False),
    ("Who lost the election?", False),
])
def test_a_question_that_asks_who_won_is_told_from_one_that_asks_who_lost(question, winner):
    assert short.expect(question).winner is winner


def test_a_name_the_question_gives_as_its_acronym_or_the_acronym_of_a_name_it_gives_is_not_new():
    asked = short.expect("The NFL Players Association wants a review. Which team?").asked
    assert {"nflpa", "nfl"} <= asked
    assert not short.is_new("NFLPA", asked)
    assert not short.is_new("National Football League", asked)
    assert short.is_new("Miami Dolphins", asked)


@pytest.mark.parametrize(("sentence", "name", "person"), [
    ("It wants a review of the injury to quarterback Tua Tagovailoa of the Miami Dolphins.", "Tua Tagovailoa", True),
    ("They will reunite with original member, Tom DeLonge, for the tour.", "Tom DeLonge", True),
    ("It wants a review of the injury to quarterback Tua Tagovailoa of the Miami Dolphins.", "Miami Dolphins", False),
    ("Shares of Google’s parent company Alphabet fell.", "Alphabet", False),
])
def test_a_name_given_a_persons_title_or_role_is_a_person(sentence, name, person):
    start = sentence.index(name)
    assert short._person_by_title(sentence, short.Span(start, start + len(name), name, "name")) is person


def test_candidates_are_names_numbers_money_percentages_dates_and_quoted_titles():
    sentence = ('Four-time Super Bowl champion Rob Gronkowski said on Tuesday that he paid $5 million, '
                'or 60% of the fee, for six tickets to “The Lion King” at the Bank of America Stadium.')
    found = {(span.text, span.kind) for span in short.candidates(sentence)}
    assert {("Rob Gronkowski", "name"), ("$5 million", "money"), ("60%", "percent"), ("six tickets", "number"),
            ("Tuesday", "date"), ("The Lion King", "quote"), ("Bank of America Stadium", "name")} <= found
    assert ("Four-time Super Bowl", "name") not in found  # a capitalised modifier is not a name
    for span in short.candidates(sentence):
        assert sentence[span.start : span.end] == span.text
    agency = "The trial is set to begin Jan. 23 and the appeal Sept. 5, 2023, not at 10:30 on Mar 3.5."
    assert [span.text for span in short.candidates(agency) if span.kind == "date"] == ["Jan. 23", "Sept. 5, 2023"]
    dates = "The law takes effect on January 1, 2024, the tax in March 2025, and a review in the coming weeks."
    assert [span.text for span in short.candidates(dates) if span.kind == "date"] == [
        "January 1, 2024", "March 2025", "in the coming weeks"]  # not "March 20"
    may = "Ministers may vote in May, Theresa May said, and the rest by mid-May or in May 2025."
    assert [span.text for span in short.candidates(may) if span.kind == "date"] == ["May", "May", "May 2025"]
    shouted = "BREAKING NEWS: The UK PM met NASA chiefs."  # a label in capitals is no name; acronyms are
    assert [span.text for span in short.candidates(shouted) if span.kind == "name"] == ["UK PM", "NASA"]
    row = "State: Nevada; Winner: Catherine Cortez Masto; Share: 48.8%"  # a table's row, as ingest writes it
    assert [span.text for span in short.candidates(row) if span.kind == "name"] == ["Nevada", "Catherine Cortez Masto"]
    speaker = "Biden: We will not stand by, said the president to Senator Reed: again."  # a transcript's line
    assert [span.text for span in short.candidates(speaker) if span.kind == "name"][0] == "Biden"


@pytest.mark.parametrize(("sentence", "names"), [
    ("Tory MP Chris Pincher resigned as deputy chief whip.", ["Chris Pincher"]),  # a title is not the name
    ("It was led by former President Barack Obama.", ["Barack Obama"]),
    ("She clerked for Supreme Court Justice Ruth Bader Ginsburg.", ["Ruth Bader Ginsburg"]),
    ("Apple CEO Tim Cook spoke.", ["Tim Cook"]),
    ("She won Sunday’s run-off in Sonneberg.", ["Sonneberg"]),  # a weekday is a date, possessive or not
    ("President Biden spoke.", ["President Biden"]),  # one word after the title: the title says who
    ("King Charles III arrived.", ["King Charles III"]),  # a royal title is part of the name
    ("Secretary of State Antony Blinken flew in.", ["Secretary of State Antony Blinken"]),
    ("Minority Leader Mitch McConnell and Florida Sen. Rick Scott sparred.",  # a list keeps its names
     ["Minority Leader Mitch McConnell and Florida Sen. Rick Scott"]),
    ("“F*** off,” he told them.", []),  # a censored word is no name
    ("Democrat Jennifer McClellan defeated Republican Leon Benjamin.", ["Jennifer McClellan", "Leon Benjamin"]),
    ("The Republican National Committee met.", ["Republican National Committee"]),  # a body, not a title
    ("The Green Bay Packers won.", ["Green Bay Packers"]),
    ("Ben & Jerry’s partnered with Procter & Gamble.", ["Ben & Jerry", "Procter & Gamble"]),
    ("Covid rules known as Title 42 end as the iPhone 14 ships.", ["Covid", "Title 42", "iPhone 14"]),
    ("Florida Atlantic beat No. 5 Miami.", ["Florida Atlantic", "Miami"]),  # a ranking is no name
])
def test_a_name_candidate_is_the_name_without_the_title_before_it(sentence, names):
    spans = [span for span in short.candidates(sentence) if span.kind == "name"]
    assert [span.text for span in spans] == names
    assert all(sentence[span.start : span.end] == span.text for span in spans)


def _sentences(*texts: str) -> list[short.Sentence]:
    body, spans = "", []
    for text in texts:
        spans.append((len(body), len(body) + len(text)))
        body += text + " "
    return [short.Sentence(1.0 - 0.1 * i, 1, start, end, text) for i, (text, (start, end)) in
            enumerate(zip(texts, spans))]


@pytest.mark.parametrize(("question", "texts", "answer"), [
    ("Which country was shaken by a 7.0-magnitude earthquake this week?",
     ["The 7.0-magnitude quake hit northern Luzon, the most populous island of the Philippines, on Wednesday."],
     "Philippines"),
    ("How many people died in the storm?",
     ["The storm that hit the coast on Monday killed twelve people, officials in Ostrak said."], "twelve"),
    ("How long will the player be detained?",  # a unit the question does not name stays
     ["A court ruled on Friday that the player will be detained for six months."], "six months"),
    ("How much was Instagram fined this week for failing to protect children's data?",
     ["Ireland's regulator fined Instagram $402 million on Thursday over its handling of children's data."],
     "$402 million"),
    ("What percentage of US adults disapprove of the court's decision?",
     ["In a new survey, 60% of US adults disapprove of the decision, with 37% approving."], "60%"),
    ("Which NFL star announced his retirement on Tuesday?",
     ["Four-time Super Bowl champion Rob Gronkowski announced his retirement from the NFL on Tuesday."],
     "Rob Gronkowski"),
    ("Broadway's biggest stars were recognized at which prestigious awards show?",
     ["Broadway's best were recognized on Sunday night at the 75th Tony Awards in New York."], "Tony Awards"),
    ("How many minutes did Trump let the violence at the Capitol play out?",  # no date's day, no unit asked for
     ["Protesters stormed the Capitol on January 6, 2021, in Washington.",
      "The committee's hearing is all about the 187 minutes in which the violence played out."], "187"),
    ("Which island nation plunged into chaos, its leader fleeing?",  # a place of two words
     ["Sri Lanka plunged into chaos and its president fled to Singapore on a military jet."], "Sri Lanka"),
    ("How many Republicans supported the bill?",  # the noun counted follows the number
     ["The Senate passed the bill 3 days after the House did.",
      "It had the votes of every Democrat and 12 Republicans."], "12"),
    ("Which professional golfer won the season-ending championship and its $18 million prize?",  # no tour
     ["Dustin Johnson took the season-ending title and the $18 million prize on Sunday, in a rebuke to the PGA "
      "Tour."], "Dustin Johnson"),
    ("Which baseball team was invited to the White House?",  # the fuller name the passages give
     ["The Braves were invited to the White House on Monday to celebrate the title.",
      "The Atlanta Braves won the World Series in six games last fall."], "Atlanta Braves"),
    ("Who spoke first at the summit?",  # a title adds no name
     ["Macron spoke first at the summit in Brussels on Monday.", "President Macron later met the press."],
     "Macron"),
    ("Which countries applied to join NATO this week?",  # several asked for: the list of names
     ["Russia's war in Ukraine pushed Sweden and Finland to apply to join NATO on Wednesday."],
     "Sweden and Finland"),
    ("Which professional golfer clinched the LIV Golf championship?",  # nor is a tour
     ["The PGA Tour said on Sunday that Dustin Johnson clinched the LIV Golf championship."], "Dustin Johnson"),
    ("Which slang term was chosen as the word of the year?",  # a term is named like a title: quoted
     ["The dictionary’s publisher chose “goblin mode” after a public vote, Oxford said."], "goblin mode"),
    ("The committee recommended suspending which MP?",  # a party's adjective is no one
     ["The committee recommended that the former Tory deputy chief whip be barred from the Commons.",
      "It said Tory MP Chris Pincher should be suspended for eight weeks."], "Chris Pincher"),
    ("Who won the top prize?",  # a street, an award or a people is rarely who
     ["The Tony Awards went to Joaquina Kalukango and Jaquel Spivey on Sunday."],
     "Joaquina Kalukango and Jaquel Spivey"),
    ("When will the updated boosters be available?",  # not the day someone said it
     ["Jha said on Tuesday that the updated boosters would be ready in early to mid-September."], "mid-September"),
    ("When will the new boosters be available?",  # a time told relative to the news, not a past one
     ["A study of the boosters was published last week in the journal Nature.",
      "The new boosters will be available to adults next month, officials said."], "next month"),
    ("When did the quake strike the island?",
     ["The quake struck the island on Tuesday, officials said."], "Tuesday"),
    ("When will the lighthouse repairs start?",  # not the day of the vote
     ["The council voted seven to two on Tuesday to start lighthouse repairs in May."], "May"),
    ("How much did the hurricane cost in damages?",  # a count of people is no sum of money
     ["Ian killed 120 people and caused $50 billion in damages, the insurers said."], "$50 billion"),
    ("Which English national park will allow wild camping again?",  # "English" already says England
     ["Wild camping is allowed again in England, in Dartmoor National Park, after a court ruling on Monday."],
     "Dartmoor National Park"),
    ("Which city's international airport hit a record 100 degrees?",  # a city, not its state
     ["The record fell in Colorado on Saturday, when Denver hit 100 degrees at its international airport."],
     "Denver"),
    ("Which national park saw record crowds?",  # a park is no country or state
     ["Record crowds visited Wales on Sunday, and Snowdonia National Park was full by noon."],
     "Snowdonia National Park"),
    ("Which sports legend will a new stamp honor?",  # one asked for: a name of a list may be it
     ["Boxing great Muhammad Ali and his widow Lonnie were honored with a stamp on Friday."], "Muhammad Ali"),
    ("The startup has partnered with which ice cream maker?",  # a brand's "’s" is its name
     ["It has partnered with Ben & Jerry’s to replace the cream liqueur in one flavor."], "Ben & Jerry’s"),
    ("Which company’s stock became cheaper after the split?",  # a possessive is not
     ["One share of Google’s parent company is suddenly a lot cheaper after the split."], "Google"),
    ("Total public debt outstanding is now above what amount?",
     ["Total public debt outstanding is now above $30 trillion, according to Treasury data."], "$30 trillion"),
    ("When is the double murder trial set to begin?",  # a month as news agencies write it
     ["That double murder trial, set to begin Jan. 23 in Walterboro, will draw crowds."], "Jan. 23"),
    ("Abuse and misconduct were found within which sport?",  # a closed class of common nouns: the sports
     ["An investigation found systemic abuse in women’s soccer, the US Soccer Federation said."], "soccer"),
    ("Which color did Twitter use for its new official check mark?",
     ["Twitter briefly added a gray check mark to some accounts, Elon Musk said."], "gray"),
    ("The company will merge its two streaming services. What will it be called?",  # what a sentence calls it
     ["HBO Max and Discovery+ will merge into a single service called Max, Warner Bros. Discovery said."], "Max"),
    ("Warner Bros. Discovery will combine HBO Max and Discovery+. What will the service be called?",  # a new
     ["It is rebranding HBO Max and Discovery+ as one mega service called Max, the company said."], "Max"),  # name
    # may repeat a word of the old one
    # who won: not the one the sentence has lose, though the question's words stand next to it
    ("Who won a special election this week to become the first Black woman Virginia will send to Congress?",
     ["Democrat Jennifer McClellan defeated Republican Leon Benjamin to become the first Black woman Virginia "
      "will send to Congress."], "Jennifer McClellan"),
    ("Which team won the final on Sunday?", ["Argentina beat France on penalties in the final on Sunday."],
     "Argentina"),
    ("Which team did Argentina beat in the final on Sunday?",  # who lost, asked
     ["Argentina beat France on penalties in the final on Sunday."], "France"),
    # a figure for the year the question names, not another year's
    ("A report says fires will get worse. By 2050, extreme wildfires will increase by up to what percentage?",
     ["The number of extreme wildfire events will increase up to 14% by 2030, the report found.",
      "By 2050, the increase will climb to 30%."], "30%"),
    ("NASA crashed its DART spacecraft into an asteroid this week. What is the asteroid's name?",  # called by
     # the noun asked for; the spacecraft's name is the question's DART
     ["The Double Asteroid Redirection Test spacecraft, or DART, collided with the 520-foot-long asteroid "
      "Dimorphos at 14,000 mph."], "Dimorphos"),
    ("The Commons standards committee recommended suspending which MP?",  # the title asked for, before a name
     ["Chancellor Rishi Sunak backed the standards committee, which recommended suspending Tory MP Chris "
      "Pincher."], "Chris Pincher"),
    ("A startup that turns whey into spirits has partnered with which ice cream maker?",  # a state makes no ice
     ["The startup's California distillery turns whey into spirits.",  # cream
      "It has partnered with Ben & Jerry’s to replace the cream liqueur in one flavor."], "Ben & Jerry’s"),
])
def test_the_answer_is_the_span_of_the_right_kind_that_the_question_does_not_already_say(
        real_embeddings, question, texts, answer):
    choice = short.choose(short.expect(question), _sentences(*texts), [], texts, real_embeddings)
    assert choice is not None and choice.span.text == answer


@pytest.mark.parametrize(("question", "frame"), [
    ("The singer, who changed her name last year, is buying which streaming app?", ("buying",)),
    ("League owners this week approved the sale of which hockey team?", ("sale", "of")),
    ("The speaker's visit to which island angered a neighbour?", ("visit", "to")),
    ("Fans were gathered this week at which stadium?", ()),  # "week at": a span of time frames nothing
    ("In which city did the talks take place?", ()),
    ("Which company bought the chain?", ()),
    ("Who is buying which app?", ()),  # it asks "who" first
])
def test_the_words_right_before_which_or_what_are_the_frame_the_answer_fills(question, frame):
    assert short.expect(question).frame == frame


def _with_and_without_frame(question: str, texts: list[str], scores: tuple[float, float], embeddings,
                            monkeypatch) -> tuple[str, str]:
    """The short answer to ``question`` from two sentences scored ``scores``, then with the frame cue off."""
    sentences = [short.Sentence(score, 1, 200 * i, 200 * i + len(text), text)
                 for i, (score, text) in enumerate(zip(scores, texts))]
    answers = []
    for framed in (short.FRAMED, 0.0):
        monkeypatch.setattr(short, "FRAMED", framed)
        choice = short.choose(short.expect(question), sentences, [], texts, embeddings)
        answers.append(choice.span.text if choice else "")
    return answers[0], answers[1]


def test_the_owner_asked_for_is_the_name_the_sentence_gives_the_owned_noun_to(real_embeddings, monkeypatch):
    question = "Which city's bid to host the 2036 Olympics got a boost this week?"
    assert short.expect(question).owned == "bid" and short.expect(question).head == "city"
    texts = ["The decision isolated Brisbane if it wants to follow its successful 2032 bid with a host such as Perth.",
             "Officials said Lyon's long-planned bid to host the 2036 Games passed a first review on Wednesday."]
    framed, unframed = _with_and_without_frame(question, texts, (0.55, 0.45), real_embeddings, monkeypatch)
    assert framed == "Lyon" and unframed != "Lyon"


def test_a_plural_possessive_says_what_kind_not_whose():
    expected = short.expect("Abuse was found within which women's professional sport this week?")
    assert expected.head.endswith("sport") and expected.kind == "thing" and expected.owned == ""


def test_a_name_in_the_questions_frame_beats_one_a_sentence_restating_the_question_gives(real_embeddings,
                                                                                          monkeypatch):
    question = "The singer, who changed her name last year, is buying which streaming app?"
    texts = ["The purchase comes after the singer, who changed her name last year, was blocked by Rumble.",
             "The singer is buying Gettr, the streaming app favoured by audiophiles."]
    framed, unframed = _with_and_without_frame(question, texts, (0.60, 0.58), real_embeddings, monkeypatch)
    assert (framed, unframed) == ("Gettr", "Rumble")  # the frame is what decides
    assert short._framed(("acquiring",), "They acquired the Broncos.", short.Span(18, 25, "Broncos", "name"))
    assert not short._framed(("acquiring",), "They acquired, sources say, the Broncos.",
                             short.Span(33, 40, "Broncos", "name"))


def test_a_word_of_the_class_asked_for_is_looked_for_beyond_the_best_sentences(real_embeddings):
    question = "Lava from the volcano could soon reach which type of infrastructure?"
    filler = [f"The lava flow slowed on day {n} of the eruption, scientists at the volcano said." for n in range(12)]
    texts = [*filler, "It was within two miles of the Daniel K. Inouye Highway, the main highway across the island."]
    sentences = [short.Sentence(0.5 - 0.01 * i, 1, 0, len(text), text) for i, text in enumerate(filler)]
    sentences.append(short.Sentence(0.3, 1, 0, len(texts[-1]), texts[-1]))  # the 13th, weaker: no name fits
    choice = short.choose(short.expect(question), sentences, [], texts, real_embeddings)
    assert choice is not None and choice.span.text == "highway" and choice.sentence.text == texts[-1]


def test_two_things_asked_for_are_two_names_one_sentence_gives_apart(real_embeddings):
    question = "Which two countries are forging much closer economic ties since the war began?"
    texts = ["Since then, Russia has sought ever closer ties with China as Europe responded with sanctions."]
    choice = short.choose(short.expect(question), _sentences(*texts), [], texts, real_embeddings)
    assert choice is not None and (choice.span.text, choice.also and choice.also.text) == ("Russia", "China")
    assert choice.text == "Russia and China"
    assert texts[0][choice.also.start : choice.also.end] == "China"
    one = "Which country is forging much closer economic ties with China since the war began?"  # one: no pair
    choice = short.choose(short.expect(one), _sentences(*texts), [], texts, real_embeddings)
    assert choice is not None and choice.also is None and choice.text == choice.span.text


def test_a_lone_name_takes_the_full_name_a_nearly_as_good_sentence_gives(real_embeddings):
    question = "Will Smith walked on stage and slapped which presenter during the Academy Awards?"
    texts = ["Taking offense at the joke, best actor nominee Will Smith walked onstage and slapped Rock.",
             "It all started when presenter Chris Rock made a crack aimed at Jada Pinkett Smith."]
    choice = short.choose(short.expect(question), _sentences(*texts), [], texts, real_embeddings)
    assert choice is not None and choice.span.text == "Chris Rock"


def test_a_name_the_headline_gives_answers_a_which_thing_question_its_meaning_alone_would_not(real_embeddings):
    texts = ["Sales of the cheese spread rose 12% this year as Velveeta won back shoppers, its maker said."]
    question = "A processed cheese product is seeing a boost in popularity. Which product is it?"
    assert short.choose(short.expect(question), _sentences(*texts), [], texts, real_embeddings) is None
    choice = short.choose(short.expect(question), _sentences(*texts), ["Velveeta is staging a comeback"], texts,
                          real_embeddings)
    assert choice is not None and choice.span.text == "Velveeta"
    # a type is asked for: the volcano the headline names is none; a word of the class asked for is one
    texts = ["Lava from Mauna Loa and Kilauea crept within two miles of the island's main highway on Tuesday."]
    question = "Lava from the volcano could soon reach which type of infrastructure?"
    assert short.expect(question).sort
    choice = short.choose(short.expect(question), _sentences(*texts), ["Kilauea and Mauna Loa erupt"], texts,
                          real_embeddings)
    assert choice is not None and choice.span.text == "highway"
    texts = ["Lava from Mauna Loa and Kilauea crept within two miles of the island's main town on Tuesday."]
    assert short.choose(short.expect(question), _sentences(*texts), ["Kilauea and Mauna Loa erupt"], texts,
                        real_embeddings) is None


def test_a_lone_surname_takes_the_full_name_its_own_article_gives_further_down(real_embeddings):
    question = "Which head of state announced his resignation this week?"
    filler = [f"Lawmakers met on day {n} of the crisis in the capital." for n in range(8)]
    texts = ["Johnson announced his resignation on Thursday after a wave of ministers quit.", *filler,
             "Boris Johnson first became prime minister in July 2019."]
    sentences = _sentences(*texts)
    choice = short.choose(short.expect(question), sentences, [], texts, real_embeddings)
    assert choice is not None and choice.span.text == "Boris Johnson"
    assert choice.sentence.text[choice.span.start : choice.span.end] == "Boris Johnson"
    other = [*sentences[:-1], short.Sentence(0.1, 2, 0, len(texts[-1]), texts[-1])]  # another article's
    choice = short.choose(short.expect(question), other, [], texts, real_embeddings, articles=["a", "b"])
    assert choice is not None and choice.span.text == "Johnson"
    # two full forms in the article: which one is meant is not known
    carrie = "His wife Carrie Johnson stood beside him."
    twice = [*sentences, short.Sentence(0.05, 1, 0, len(carrie), carrie)]
    choice = short.choose(short.expect(question), twice, [], [*texts, carrie], real_embeddings)
    assert choice is not None and choice.span.text == "Johnson"
    # a longer name for a thing must stand in a headline: "La Dolce Velveeta" is a dessert, not the cheese
    product = "A processed cheese product is seeing a boost in popularity. Which product is it?"
    texts = ["Sales of the cheese spread rose 12% this year as Velveeta won back shoppers, its maker said.",
             *(f"Its sales were up on day {n} of the month." for n in range(8)),
             "One chef even serves La Dolce Velveeta, a dessert."]
    headline = ["Velveeta is staging a comeback"]
    choice = short.choose(short.expect(product), _sentences(*texts), headline, texts, real_embeddings)
    assert choice is not None and choice.span.text == "Velveeta"


def test_a_figure_another_story_repeats_gains_nothing_from_it(real_embeddings):
    question = "According to a new poll, what percentage of voters feel the harbour plan is fair?"
    texts = ["A new poll shows 79% of voters feel the harbour plan is fair, including 45% who call it generous.",
             "Turnout reached 45% in the city, 45% in the suburbs and 45% on the islands, officials said."]
    sentences = [short.Sentence(1.0, 1, 0, len(texts[0]), texts[0]),
                 short.Sentence(0.2, 2, 0, len(texts[1]), texts[1])]
    choice = short.choose(short.expect(question), sentences, [], texts, real_embeddings, articles=["poll", "turnout"])
    assert choice is not None and choice.span.text == "79%"


def test_a_weaker_sentence_never_outranks_a_stronger_one_even_when_both_score_below_zero(real_embeddings):
    question = "Which country hosted the summit?"
    texts = ["The summit was hosted by France this year.", "Germany sent a delegation to the summit."]
    weak = [short.Sentence(-0.1, 1, 0, len(texts[0]), texts[0]), short.Sentence(-0.3, 1, 50, 90, texts[1])]
    choice = short.choose(short.expect(question), weak, [], texts, real_embeddings)
    assert choice is None or choice.span.text == "France"


def test_the_outlet_that_reports_the_news_is_not_its_answer(real_embeddings):
    question = "Which organization did the senator say she would leave?"
    texts = ["The senator told CNN on Monday that she would leave the Democratic Party and register as independent."]
    choice = short.choose(short.expect(question), _sentences(*texts), [], texts, real_embeddings)
    assert choice is not None and choice.span.text == "CNN"  # nothing says who reported it: a name like any
    choice = short.choose(short.expect(question), _sentences(*texts), [], texts, real_embeddings,
                          outlets=["CNN", "BBC News"])
    assert choice is not None and choice.span.text == "Democratic Party"
    assert short._outlet_names(["BBC News", " Reuters ", ""]) == {"bbc news", "bbc", "reuters"}


def test_no_short_answer_for_a_why_question_or_when_only_the_questions_own_words_fit(real_embeddings):
    why = "Why did some cities cancel their Fourth of July fireworks displays?"
    texts = ["Some cities in Utah cancelled their Fourth of July fireworks because of the drought."]
    assert short.choose(short.expect(why), _sentences(*texts), [], texts, real_embeddings) is None
    who = "Who did Rob Gronkowski play for?"
    texts = ["Rob Gronkowski said on Tuesday that he is retiring."]
    assert short.choose(short.expect(who), _sentences(*texts), [], texts, real_embeddings) is None
    which = "Which wild European animal was found to carry high levels of radioactivity?"  # "European" says Europe
    texts = ["High levels of radioactivity have been found in the wild pigs of Europe, scientists said."]
    choice = short.choose(short.expect(which), _sentences(*texts), ["Radioactive boars of Europe"], texts,
                          real_embeddings)
    assert choice is not None and choice.span.text == "pigs"  # an animal, in its plural; never "Europe"
    where = "Where are many Americans moving?"  # "Americans" says the United States, a name of two words
    texts = ["Rents in the United States have risen by a fifth since 2020, the survey found."]
    assert short.choose(short.expect(where), _sentences(*texts), [], texts, real_embeddings) is None


def _citation(body: str, quote: str, n: int = 1) -> Citation:
    start = body.index(quote)
    return Citation(n, "a", "T", "S", "", "", "", quote, start, start + len(quote))


def test_the_checker_takes_a_short_opening_as_the_short_answer_and_locates_it_in_the_quote():
    body = "Intro. Broadway's best were recognized at the Tony Awards on Sunday. More."
    citation = _citation(body, "Broadway's best were recognized at the Tony Awards on Sunday.")
    found = short_answer("The Tony Awards [1]\nBroadway's best were recognized there [1].", [citation], {"a": body})
    assert found is not None and found.n == 1 and body[found.start : found.end] == found.text == "the Tony Awards"
    paraphrase = short_answer("A theatre prize [1]", [citation], {"a": body})
    assert paraphrase is not None and (paraphrase.text, paraphrase.n) == ("A theatre prize", 0)
    assert short_answer("Broadway's best were recognized at the Tony Awards on Sunday. [1]", [citation],
                        {"a": body}) is None  # a sentence is not a short answer
    assert short_answer("It was the Tony Awards, which honour Broadway shows every June [1]", [citation],
                        {"a": body}) is None  # too long


def test_every_backend_gives_answers_whose_quotes_and_short_answers_are_spans_of_their_articles(
        seed_store, real_embeddings):
    from langchain_core.language_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    scripted = GenericFakeChatModel(messages=iter([AIMessage(content=reply) for reply in [
        'Russia [1]\nRussia called on Baku to unblock the corridor [1].\n\nQuotes:\n'
        '[1] "Russia on Wednesday called on Baku to unblock the Lachin Corridor"',
        'The Russian Foreign Ministry [1]\n\nQuotes:\n[1] "Maria Zakharova"',
    ]]))
    backends = [("extractive", None), ("scripted", scripted)]
    try:
        from bot.llm import llamacpp_model
        from bot.settings import Settings, default_llm_model

        if default_llm_model():
            backends.append(("llamacpp", llamacpp_model(Settings(llm="llamacpp", llm_max_tokens=120))))
    except Exception:  # llama-cpp-python not installed: the two others still run  # noqa: BLE001
        pass
    for name, llm in backends:
        bot = make_bot(seed_store, real_embeddings, llm=llm, backend=name)
        for question in ("Who called on Baku to unblock the Lachin Corridor?",
                         "Who is the spokeswoman of the Russian Foreign Ministry?"):
            answer = bot.ask(question)
            for citation in answer.citations:
                body, _ = seed_store.article(citation.article_id)
                assert body[citation.start : citation.end] == citation.quote, name
            if answer.short is not None and answer.short.n:
                cited = next(c for c in answer.citations if c.n == answer.short.n)
                body, _ = seed_store.article(cited.article_id)
                assert body[answer.short.start : answer.short.end] == answer.short.text, name
                assert cited.start <= answer.short.start < answer.short.end <= cited.end, name
    extractive = make_bot(seed_store, real_embeddings).ask("Who called on Baku to unblock the Lachin Corridor?")
    assert extractive.short is not None and extractive.short.text == "Russia"


@pytest.mark.parametrize(("question", "sentence", "answer"), [
    # the words before "what" frame the answer in the sentence
    ("Rising drug use in the city was found by an analysis of what?",
     "Drug use is rising in the city, according to an analysis of sewage samples taken by the council.",
     "sewage samples"),
    # ... without the noun asked for, and it may hold a word of the question if it ends in one of its own
    ("A toxic chemical turned up in several batches of which common household product?",
     "The chemical was found in new batches of spray deodorant products sold across the country.",
     "spray deodorant"),
    ("Online searches for what rose sharply after the court's abortion ruling?",
     "Online searches for the week of May 1 doubled, and searches for abortion pills reached a record.",
     "abortion pills"),  # a span of time is no "what"
    # the new words before the noun asked for
    ("A famous chef turned away which diners from his restaurant?",
     "The chef said he would no longer serve vegetarian diners at his restaurant.", "vegetarian"),
    ("The late singer was best known for which music genre?",
     "She was hailed as the queen of bluegrass music for five decades.", "bluegrass"),
    # "what is the <noun>": the subject that is it, or what it is
    ("What is the greatest threat to the island nations, according to their leaders?",
     "The leaders said on Monday that rising seas posed the greatest threat to the island nations.",
     "rising seas"),
    ("What is the main obstacle to the peace deal?",
     "Diplomats said the main obstacle is border security, not money.", "border security"),
])
def test_a_common_noun_phrase_answers_when_the_sentence_frames_it_as_the_question_does(question, sentence, answer):
    choice = short.phrase(question, short.expect(question), _sentences(sentence, "An unrelated sentence here."))
    assert choice is not None and choice.text == answer and choice.span.kind == "phrase"
    assert sentence[choice.span.start : choice.span.end] == answer


@pytest.mark.parametrize(("question", "sentence"), [
    ("Which diners did the chef turn away?", "The chef said many diners had complained."),  # a vague word
    ("Which diners did the chef turn away?", "The chef turned away diners on Tuesday."),  # nothing before it
    ("Who banned vegetarian diners?", "The chef banned vegetarian diners."),  # a person is asked: a name's task
    ("What will the new service be called?", "The new streaming service will be called plus."),  # a name
    ("Drug use was found by an analysis of what?", "An analysis of Drug use found it rising."),  # all repeated
])
def test_no_common_noun_phrase_where_the_sentence_gives_none_or_a_name_is_asked(question, sentence):
    assert short.phrase(question, short.expect(question), _sentences(sentence)) is None


@pytest.mark.parametrize(("question", "sentence", "answer"), [
    # a title before the name, back to a word that ends it ("said", "the", a comma)
    ("Who is Maria Zakharova?", "The call was made by Russian Foreign Ministry spokesperson Maria Zakharova, who "
     "spoke to reporters.", "Russian Foreign Ministry spokesperson"),
    ("Who is Antony Blinken?", "The talks were led by Secretary of State Antony Blinken on Monday.",
     "Secretary of State"),
    ("Who is Maria Ressa?", "Jim Watson/AFP via Getty Images Nobel Peace Prize laureate Maria Ressa spoke.",
     "Nobel Peace Prize laureate"),  # a photo's credit running into its caption is not part of the title
    ("Who is Maria Ressa?", "The interview was given to AP correspondent Maria Ressa in Manila.", "AP correspondent"),
    # a description after the name, without a relative clause; after an age; the last name alone
    ("Who is Kevin McCarthy?", "The vote went to Kevin McCarthy, a California Republican who leads the House.",
     "a California Republican"),
    ("Who is Susan Hall?", "Susan Hall, 68, the Tory candidate for London mayor, spoke on Monday.",
     "the Tory candidate for London mayor"),
    ("Who is Susan Hall?", ("Voters know Hall well.", "Hall is a member of the London Assembly."),
     "a member of the London Assembly"),
])
def test_who_is_a_name_is_answered_by_what_the_sentence_says_its_bearer_is(question, sentence, answer):
    choice = short.role(short.expect(question), _sentences(*([sentence] if isinstance(sentence, str) else sentence)))
    assert choice is not None and choice.text == answer and choice.span.kind == "role"
    assert choice.sentence.text[choice.span.start : choice.span.end] == answer


@pytest.mark.parametrize(("question", "sentence"), [
    ("Who is Susan Hall?", "Conservative members have chosen Susan Hall as their candidate."),  # a verb, no title
    ("Who is Susan Hall?", "The meeting at City Hall, the old town hall of Leeds, ended."),  # not her last name
    ("Who is Maria Zakharova?", "Maria Zakharova, the ministry said, would not attend."),  # a clause of its own
    ("Who is Susan Hall?", "Sadiq Khan, the Labour mayor, will face Susan Hall."),  # another person's description
])
def test_no_description_where_the_sentence_gives_none_of_the_name_asked_about(question, sentence):
    assert short.role(short.expect(question), _sentences(sentence)) is None


@pytest.mark.slow
def test_the_extractive_answer_opens_with_the_common_noun_phrase_located_in_its_quote(real_embeddings):
    from bot.citations import check
    from bot.extractive import ExtractiveAnswerer
    from bot.types import Passage

    body = ("Cocaine use is rising in several English cities. It was measured by an analysis of wastewater "
            "collected at treatment plants. Police said the trend was worrying.")
    passages = [Passage(n=1, article_id="a1", title="Cocaine use rising", source="Wire", published="2023-06-12",
                        url="", path="", text=body, start=0, end=len(body), score=1.0, body=body)]
    text = ExtractiveAnswerer(real_embeddings).answer("Cocaine use is rising, based on an analysis of what?", passages)
    assert text.startswith("wastewater [1]")
    checked = check(text, passages, {"a1": body})
    found = short_answer(checked.text, checked.citations, {"a1": body})
    assert found is not None and found.n == 1 and body[found.start : found.end] == found.text == "wastewater"


def test_a_sentence_of_thousands_of_names_is_read_in_bounded_time(real_embeddings):
    """A hang guard, not a speed target: every candidate once read the whole sentence (hours at this size)."""
    import time

    text = " ".join(f"Alpha{i} Corp's bid acquired Beta{i}" for i in range(5000))
    started = time.monotonic()
    for question in ("Which company's bid won?", "The fund is acquiring which company?"):
        choice = short.choose(short.expect(question), [short.Sentence(0.5, 1, 0, len(text), text)], [], [text],
                              real_embeddings)
        assert choice is not None and text[choice.span.start : choice.span.end] == choice.span.text
    assert time.monotonic() - started < 60


def test_a_count_of_people_is_no_span_of_time_no_distance_no_sum_and_no_clock_time(real_embeddings):
    question = "How many people died in the Queen's funeral?"
    texts = ["The Queen died on September 8 after a rule spanning seven decades.",
             "Thousands lined the 25-mile route, and tickets sold for $5 apiece.",
             "Watch key moments from the Queen's funeral 04:14 - Source: CNN"]
    assert short.choose(short.expect(question), _sentences(*texts), [], texts, real_embeddings) is None
    assert not [span for span in short.candidates(texts[2]) if span.kind == "number"]  # "04:14" is no count
    served = "How many years is she due to serve?"  # a span of time answers a count of years
    texts = ["She is due to serve the remainder of a nine-year sentence in a penal colony."]
    choice = short.choose(short.expect(served), _sentences(*texts), [], texts, real_embeddings)
    assert choice is not None and choice.span.text.startswith("nine")
    texts = ["Twelve people died when the stand collapsed during the 25-mile race, officials said."]
    choice = short.choose(short.expect(question), _sentences(*texts), [], texts, real_embeddings)
    assert choice is not None and choice.span.text.lower() == "twelve"
