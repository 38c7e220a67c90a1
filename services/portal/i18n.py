"""The portal's words: Russian by default, English by the customer's choice (``?lang=``, then
their cookie, then the browser's Accept-Language)."""

from __future__ import annotations

from fastapi import Request

LANGUAGES = ("ru", "en")
DEFAULT = "ru"
COOKIE = "sviftdesk_portal_lang"

MESSAGES: dict[str, dict[str, str]] = {
    "ru": {
        "app": "Поддержка sviftcommunity",
        "nav": "Разделы",
        "home": "Главная",
        "language": "Язык",
        "hours": "Мы отвечаем с понедельника по четверг, с 9:00 до 18:00 по московскому времени; "
        "в пятницу, субботу и воскресенье не работаем.",
        "home_title": "Чем мы можем помочь?",
        "home_intro": "Здесь вы следите за своим обращением, отвечаете на него и оцениваете "
        "ответ. Ссылка на обращение приходит в письме-подтверждении.",
        "home_mail": "Написать нам можно на support@sviftcommunity.ru.",
        "home_no_phone": "Телефонной поддержки у нас нет: все обращения мы ведём письменно, "
        "чтобы ничего не потерялось.",
        "not_found": "Такой страницы нет.",
        "error": "Что-то пошло не так. Повторите через минуту.",
        "csrf": "Форма устарела: обновите страницу и повторите.",
        "unavailable": "Сервис временно недоступен. Повторите через минуту.",
        "too_many": "Слишком много запросов. Подождите немного и повторите.",
        "back_home": "На главную",
        "skip": "К содержанию",
        "error_title": "Ошибка",
        "not_found_title": "Страница не найдена",
    },
    "en": {
        "app": "sviftcommunity support",
        "nav": "Sections",
        "home": "Home",
        "language": "Language",
        "hours": "We answer Monday to Thursday, 9:00 to 18:00 Moscow time; we do not work on "
        "Friday, Saturday and Sunday.",
        "home_title": "How can we help?",
        "home_intro": "Here you follow your request, reply to it and rate the answer. The link "
        "to your request comes in the confirmation mail.",
        "home_mail": "You can write to us at support@sviftcommunity.ru.",
        "home_no_phone": "We do not offer phone support: every request is handled in writing, "
        "so that nothing gets lost.",
        "not_found": "There is no such page.",
        "error": "Something went wrong. Please try again in a minute.",
        "csrf": "The form is out of date: reload the page and try again.",
        "unavailable": "The service is unavailable for a moment. Try again in a minute.",
        "too_many": "Too many requests. Please wait a little and try again.",
        "back_home": "Back to the home page",
        "skip": "Skip to the content",
        "error_title": "Error",
        "not_found_title": "Page not found",
    },
}


def words(language: str) -> dict[str, str]:
    return MESSAGES.get(language, MESSAGES[DEFAULT])


def chosen(request: Request) -> str | None:
    """A language the customer picked just now (``?lang=``), to be remembered in a cookie."""
    asked = request.query_params.get("lang")
    return asked if asked in LANGUAGES else None


def language_of(request: Request) -> str:
    """``?lang=``, else the cookie, else the first of Accept-Language we speak, else Russian."""
    asked = chosen(request) or request.cookies.get(COOKIE)
    if asked in LANGUAGES:
        return str(asked)
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT
