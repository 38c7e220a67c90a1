"""Auto-categorisation (clause 18): a request that comes without a category (every email,
many web and API requests) gets one from its words, so the reports group it and a complaint
reaches the senior review at once (clause 14). A customer's own choice always stands.

The words are read as lemmas (Russian through pymorphy3's dictionary, English through the
Snowball stemmer), so "пожаловать" in a greeting is not "пожаловаться", and "зависит" is not
"зависает". Each cue (a word or a short phrase of lemmas) adds its weight to a category; a
cue right after a negation ("не жалоба", "no complaints") counts for nothing, and a phrase
that contains the negation itself ("не работает") is a cue of its own. The winner's share of
all the evidence is the confidence the desk publishes.

A complaint sends the ticket to a senior and tells the customer so; a wrong one costs more than
a missed one, which an agent corrects with one click. So a complaint needs a strong signal
(COMPLAINT_MIN_SCORE): a weaker one gives the best other category, or none.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pymorphy3
import snowballstemmer

from shared.contracts.events import Category

# Enough to tell what a request is about; a long body adds cost, not certainty.
READ_CHARS = 2000
# Below this much evidence the words point nowhere and the ticket stays uncategorised.
MIN_SCORE = 1.0
# One explicit word ("жалоба", "complaint") or two strong ones ("возмутительно", "rude").
COMPLAINT_MIN_SCORE = 3.0
# Added to the evidence of every request when the confidence is computed: a lone weak cue is
# not a certainty.
PRIOR = 1.0
# The subject is what the customer chose to sum it all up with.
SUBJECT_WEIGHT = 1.5
# How many words before a cue a negation reaches ("не совсем жалоба").
NEGATION_REACH = 3

NEGATIONS = frozenset({"не", "нет", "ни", "без", "no", "not", "non", "never", "without"})
# Words that negate what they follow ("претензий нет", "complaints: none").
TRAILING_NEGATIONS = frozenset({"нет", "none"})
# Ends a clause: a negation does not reach past it.
BREAK = "|"

# (category, weight, phrases separated by commas): each phrase is written as text and read
# through the same lemmatiser as the request, so any inflection of it matches. None is a phrase
# that takes its words away from the single-word cues inside it ("добро пожаловать" greets).
CUES: tuple[tuple[Category | None, float, str], ...] = (
    (
        None,
        0.0,
        "добро пожаловать, welcome to, welcome aboard",
    ),
    (
        Category.complaint,
        3.0,
        "жалоба, пожаловаться, жаловаться, претензия, complaint, complain",
    ),
    (
        Category.complaint,
        2.0,
        (
            "возмутительно, возмутительный, возмущённый, возмутить, безобразие, недовольный, "
            "недоволен, хамство, нагрубить, грубо, обмануть, обман, отвратительный, отвратительно, "
            "ужасный, ужасно, неуважение, разочаровать, unacceptable, outrageous, disappointed, "
            "dissatisfied, unhappy, furious, rude, unprofessional, terrible, worst, not acceptable"
        ),
    ),
    (
        Category.complaint,
        1.0,
        (
            "требовать, игнорировать, руководитель, руководство, нарушить, demand, ignored, "
            "apology, manager, misled"
        ),
    ),
    (
        Category.bug,
        2.0,
        (
            "ошибка, баг, сбой, вылетать, зависать, сломаться, глючить, кракозябра, не работать, "
            "не открываться, не загружаться, не сохраняться, не приходить, не синхронизироваться, "
            "не находить, пропасть, падать, таймаут, bug, error, crash, broken, glitch, freez, "
            "exception, timeout, time out, not work, not load, stop work, stop arriv, fail, "
            "not arriv, no result, wrong, not loading, empty file, spin, unread"
        ),
    ),
    (
        Category.bug,
        1.0,
        (
            "не мочь, неверный, неактивный, пустой, дважды, два раза, тормозить, после обновление, "
            "twice, after the updat, shift, expir, off, can not, duplic"
        ),
    ),
    (
        Category.testing_help,
        3.0,
        (
            "тестирование, протестировать, бета, тестировщик, тест план, тестовый, песочница, "
            "тестовый стенд, тестировать, beta, test plan, sandbox, qa, tester, staging, "
            "test environ, test account, test build"
        ),
    ),
    (
        Category.testing_help,
        1.5,
        (
            "ранний доступ, до релиз, стенд, early access, pilot, load test, acceptance test, "
            "regression"
        ),
    ),
    (
        Category.testing_help,
        2.0,
        "test",
    ),
    (
        Category.partner_issue,
        2.5,
        (
            "партнёр, партнёрский, сторонний, интеграция, реселлер, коннектор, платёжный система, "
            "платёжный шлюз, partner, third-party, third parti, integr, resel, connector, provid, "
            "gateway"
        ),
    ),
    (
        Category.partner_issue,
        1.5,
        (
            "внешний сервис, курьерский, маркетплейс, эквайринг, банк, служба доставка, amocrm, "
            "1с, битрикс24, stripe, zapier, salesforc, quickbook, courier, delivery servic, "
            "plugin, hosting, marketplac, yukassa, юkassa"
        ),
    ),
    (
        Category.individual_solution,
        3.0,
        (
            "индивидуальный, доработка, кастомизация, под заказ, под наш, под ключ, нестандартный, "
            "персональный, особый условие, выделенный сервер, собственный сервер, custom solut, "
            "custom develop, custom integr, custom sla, custom report, custom packag, custom bill, "
            "custom workflow, customise, tailor, bespok, white-label, white label, on-premise, "
            "individu, dedic, special arrang, specif for us"
        ),
    ),
    (
        Category.individual_solution,
        1.5,
        (
            "разработка, адаптировать, специфика, специально, особый, развёртывание, our own, "
            "specif, adapt, develop, negoti, enterprise, brand"
        ),
    ),
    (
        Category.onboarding,
        3.0,
        (
            "новичок, впервые, первый раз, как начать, с что начать, регистрация, "
            "зарегистрироваться, новый пользователь, новый клиент, первый шаг, getting start, "
            "get start, new user, first time, first step, onboard, sign up, signed up, "
            "just regist, newbi, beginn, newcom, new here, welcom email, quick start"
        ),
    ),
    (
        Category.onboarding,
        1.5,
        (
            "начало работа, начать работа, с нуля, вводный, обучение, руководство для, только что, "
            "только подключиться, только знакомиться, что делать дальше, what to do next, "
            "initial setup, introductori, tutori, invit my, first, внедрение, основа, регистр, "
            "just creat, guid"
        ),
    ),
    (
        Category.suggestion,
        3.0,
        (
            "предлагать, предложение, было бы здорово, было бы удобно, было бы неплохо, "
            "было бы удобнее, хотелось бы, хотеться, хочется, добавьте, хорошо бы, пожелание, "
            "идея, suggest, feature request, would be nice, would be great, would be use, "
            "it would help, please add, please consider, idea, wish, i'd love to see, love to see, "
            "could you consider, proposal, propose"
        ),
    ),
    (
        Category.suggestion,
        1.5,
        (
            "не хватать, в следующий версия, сделать возможность, сделайте, увеличить, мысль, "
            "would save, allow, mayb make, let admin, would be"
        ),
    ),
    (
        Category.feedback,
        2.5,
        (
            "спасибо, благодарить, благодарность, отзыв, молодец, похвалить, нравиться, "
            "понравиться, отличный работа, хороший работа, приятно, thank, feedback, great job, "
            "kudo, appreci, love, well done, excel, cheer, great servic, review"
        ),
    ),
    (
        Category.feedback,
        1.0,
        (
            "отлично, отличный, удобный, полезно, быстро, оценка, устраивать, great, help, fast, "
            "stabl, friend, pleasant, happi"
        ),
    ),
    (
        Category.question,
        1.5,
        (
            "вопрос, подсказать, можно ли, как, где, когда, почему, сколько, какой, чем, "
            "что будет, правильно ли, есть ли, куда, question, how, where, when, why, can i, "
            "is it possibl, is there, do you, what, which, doe"
        ),
    ),
)
# A request that asks something: a question unless its words say more.
QUESTION_MARK_SCORE = 1.0


@dataclass(frozen=True)
class Categorisation:
    """What the words point to, and how sure the model is of it (0 to 1)."""

    category: Category | None
    confidence: float


@functools.cache
def _analyser() -> pymorphy3.MorphAnalyzer:
    # Its dictionaries take ~0.3 s and some MB to load: once per process, on first use.
    return pymorphy3.MorphAnalyzer()


_english = snowballstemmer.stemmer("english")
_russian = snowballstemmer.stemmer("russian")
_CYRILLIC = re.compile(r"[а-яё]")
# Hyphenated words are read as their parts: "бета-программа" is about "бета".
_WORDS = re.compile(r"[a-zа-яё0-9]+(?:['’][a-zа-яё0-9]+)*|[.!?;:,()«»\"—]")


@functools.lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """A word's dictionary form: Russian by pymorphy3 (or its Snowball stem if the dictionary
    does not know it), anything else by the English Snowball stemmer."""
    if _CYRILLIC.search(word):
        analyser = _analyser()
        # A word the dictionary does not know gets a Snowball stem: pymorphy3's guess costs
        # ~0.1 ms a word, which a body of made-up words would multiply.
        if not analyser.word_is_known(word):
            return str(_russian.stemWord(word.replace("ё", "е")))
        return str(analyser.parse(word)[0].normal_form).replace("ё", "е")
    return str(_english.stemWord(word))


def lemmas(text: str, *, every: bool = False) -> list[str]:
    """The text as lemmas, with BREAK where a clause ends (a negation stops there).

    A longer Russian word is looked up only if it starts like some cue: the dictionary takes
    ~0.05 ms a word it knows, and a body of rare words must not hold the event loop for long.
    """
    text = text.lower().replace("n't", " not").replace("n’t", " not")
    prefixes = None if every else _prefixes()
    words = []
    for token in _WORDS.findall(text):
        if not token[0].isalnum():
            words.append(BREAK)
        elif (
            prefixes is None
            or len(token) <= 4  # short words change most ("со", "могу", "чего")
            or not _CYRILLIC.match(token)
            or token[:3].replace("ё", "е") in prefixes
        ):
            words.append(lemma(token))
        else:
            words.append(token)
    return words


def _compile(
    cues: Iterable[tuple[Category | None, float, str]],
) -> dict[str, list[tuple[tuple[str, ...], Category | None, float]]]:
    """First lemma -> (the phrase's lemmas, category, weight), longest phrase first."""
    index: dict[str, list[tuple[tuple[str, ...], Category | None, float]]] = {}
    for category, weight, phrases in cues:
        for phrase in phrases.split(","):
            words = tuple(w for w in lemmas(phrase.strip(), every=True) if w != BREAK)
            index.setdefault(words[0], []).append((words, category, weight))
    for entries in index.values():
        entries.sort(key=lambda entry: -len(entry[0]))
    return index


@functools.cache
def _index() -> dict[str, list[tuple[tuple[str, ...], Category | None, float]]]:
    return _compile(CUES)


@functools.cache
def _prefixes() -> frozenset[str]:
    """How every Russian cue word and negation begins, as written and as a lemma."""
    words = {*NEGATIONS, *TRAILING_NEGATIONS}
    for _, _, phrases in CUES:
        for phrase in phrases.split(","):
            words.update(phrase.lower().split())
            words.update(lemmas(phrase, every=True))
    return frozenset(word.replace("ё", "е")[:3] for word in words if _CYRILLIC.match(word))


def _negated(words: Sequence[str], start: int, end: int) -> bool:
    for before in reversed(words[max(0, start - NEGATION_REACH) : start]):
        if before == BREAK:
            break
        if before in NEGATIONS:
            return True
    return end < len(words) and words[end] in TRAILING_NEGATIONS


def scores(text: str, weight: float = 1.0) -> dict[Category, float]:
    """Each category's evidence in the text; a cue counts once however often it recurs."""
    index, words = _index(), lemmas(text)
    found: dict[tuple[str, ...], tuple[Category, float]] = {}
    position = 0
    while position < len(words):
        step = 1
        for phrase, category, cue_weight in index.get(words[position], ()):
            end = position + len(phrase)
            if tuple(words[position:end]) != phrase:
                continue
            step = len(phrase)
            if category is not None and not _negated(words, position, end):
                found[phrase] = (category, cue_weight * weight)
            break
        position += step
    totals: dict[Category, float] = {}
    for category, cue_weight in found.values():
        totals[category] = totals.get(category, 0.0) + cue_weight
    return totals


def categorise(subject: str, body: str) -> Categorisation:
    """The category the request's words point to (None if they point nowhere or only weakly),
    with the model's confidence in it."""
    body = body[:READ_CHARS]
    totals = scores(body)
    for category, score in scores(subject, SUBJECT_WEIGHT).items():
        totals[category] = totals.get(category, 0.0) + score
    if "?" in subject or "?" in body:
        totals[Category.question] = totals.get(Category.question, 0.0) + QUESTION_MARK_SCORE
    evidence = sum(totals.values()) + PRIOR
    eligible = {
        category: score
        for category, score in totals.items()
        if score >= (COMPLAINT_MIN_SCORE if category is Category.complaint else MIN_SCORE)
    }
    if not eligible:
        # The confidence that the words point nowhere: the prior's share of the evidence.
        return Categorisation(None, round(PRIOR / evidence, 2))
    best = max(eligible, key=lambda category: eligible[category])
    return Categorisation(best, round(eligible[best] / evidence, 2))
