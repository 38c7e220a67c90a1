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
        "home_lost": "Потеряли ссылку на своё обращение? Мы пришлём новую.",
        "skip": "К содержанию",
        "error_title": "Ошибка",
        "not_found_title": "Страница не найдена",
        # My request (issue 17)
        "req_title": "Обращение",
        "req_status": "Статус",
        "req_status_received": "получено",
        "req_status_open": "ждёт специалиста",
        "req_status_in_progress": "специалист работает над ним",
        "req_status_waiting_customer": "ждём вашего ответа",
        "req_status_waiting_partner": "ждём ответа партнёра",
        "req_status_in_development": "исправление у разработчиков",
        "req_status_resolved": "решено",
        "req_status_closed": "закрыто",
        "req_answer_by": "Мы ответим не позднее чем",
        "req_moscow": "по московскому времени",
        "req_next_received": "Специалист скоро возьмёт его в работу.",
        "req_next_open": "Специалист скоро возьмёт его в работу.",
        "req_next_in_progress": "Специалист работает над вашим обращением и напишет вам.",
        "req_next_waiting_customer": "Мы ждём вашего ответа: напишите его ниже.",
        "req_next_waiting_partner": "Вопрос касается стороннего сервиса: мы ждём его ответа и "
        "сообщим вам о результате.",
        "req_next_in_development": "Мы передали ошибку разработчикам и сообщим, когда "
        "исправление выйдет.",
        "req_next_resolved": "Обращение решено. Оцените, пожалуйста, ответ. Если вопрос не "
        "решён, напишите нам ниже — обращение откроется снова.",
        "req_next_closed": "Обращение закрыто. Если вы напишете ниже, мы откроем новое.",
        "req_closed_now": "Сейчас служба поддержки не работает; она откроется",
        "req_received": "Получено",
        "req_conversation": "Переписка",
        "req_you": "Вы",
        "req_desk": "Служба поддержки",
        "req_file_refused": "файл не принят: слишком большой",
        "req_reply": "Ответить",
        "req_reply_closed": "Это обращение закрыто: ваш ответ откроет новое.",
        "req_reply_text": "Ваше сообщение",
        "req_files": "Файлы (необязательно)",
        "req_files_help": "До 10 файлов, не больше 20 МиБ каждый.",
        "req_send": "Отправить",
        "req_too_many_files": "Слишком много файлов: не больше 10 за раз.",
        "req_rate": "Оцените ответ",
        "req_rate_scale": "Оценка от 1 (плохо) до 5 (отлично)",
        "req_rate_comment": "Комментарий (необязательно)",
        "req_rate_send": "Оценить",
        "req_review": "Попросить рассмотрения старшим специалистом",
        "req_review_help": "Если вы считаете, что обращение требует особого внимания, его "
        "рассмотрит старший специалист.",
        "req_review_reason": "Почему это нужно",
        "req_review_send": "Попросить рассмотрения",
        "req_consent": "Контакты для партнёров",
        "req_consent_help": "Если вопрос касается стороннего сервиса, партнёр, который над ним "
        "работает, может видеть ваше имя и адрес — только с вашего согласия.",
        "req_consent_question": "Показывать партнёрам моё имя и адрес?",
        "req_consent_yes": "Да, показывать",
        "req_consent_no": "Нет",
        "req_consent_save": "Сохранить",
        "req_done_replied": "Ваше сообщение отправлено.",
        "req_done_escalated": "Просьба принята: обращение рассмотрит старший специалист.",
        "req_done_rated": "Спасибо! Ваша оценка сохранена.",
        "req_done_consent": "Ваш выбор сохранён.",
        "req_locked_title": "Ваше обращение",
        "req_locked_no_key": "Чтобы открыть обращение, перейдите по ссылке из письма, "
        "подтверждающего его получение.",
        "req_locked_stale": "Эта ссылка больше не действует в этом браузере.",
        "req_locked_bad_link": "Ссылка недействительна или устарела.",
        "req_locked_help": "Потеряли письмо со ссылкой? Мы пришлём новую на ваш адрес.",
        "lost_title": "Прислать новую ссылку",
        "lost_intro": "Укажите адрес, с которого вы писали нам: мы пришлём на него ссылки на "
        "ваши открытые обращения. Прежние ссылки перестанут действовать.",
        "lost_email": "Ваш адрес электронной почты",
        "lost_send": "Прислать ссылку",
        "lost_sent": "Если с этого адреса нам писали, ссылки уже отправлены. Проверьте почту.",
        "rate_title": "Оценка ответа",
        "rate_saved": "Спасибо! Ваша оценка сохранена.",
        "rate_bad_link": "Ссылка недействительна: используйте ссылку из нашего письма.",
        "rate_refused": "Это обращение уже оценено или ещё не решено.",
        "rate_choose": "Выберите оценку от 1 до 5.",
        "beta_title": "Бета-программа",
        "beta_ask_in": "Хотите первыми пробовать новые функции sviftcommunity?",
        "beta_ask_out": "Хотите выйти из бета-программы?",
        "beta_button_in": "Участвовать",
        "beta_button_out": "Выйти из программы",
        "beta_joined": "Вы участвуете в бета-программе. Спасибо!",
        "beta_left": "Вы вышли из бета-программы.",
        "beta_bad_link": "Ссылка недействительна: используйте ссылку из нашего письма.",
        "req_incident": "Сбой, с которым связано ваше обращение",
        "req_incident_help": "Мы работаем над ним всей командой и сообщим, когда всё заработает.",
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
        "home_lost": "Lost the link to your request? We will send a new one.",
        "skip": "Skip to the content",
        "error_title": "Error",
        "not_found_title": "Page not found",
        # My request (issue 17)
        "req_title": "Request",
        "req_status": "Status",
        "req_status_received": "received",
        "req_status_open": "waiting for a specialist",
        "req_status_in_progress": "a specialist is working on it",
        "req_status_waiting_customer": "waiting for your reply",
        "req_status_waiting_partner": "waiting for a partner",
        "req_status_in_development": "the fix is with our developers",
        "req_status_resolved": "resolved",
        "req_status_closed": "closed",
        "req_answer_by": "We will answer by",
        "req_moscow": "Moscow time",
        "req_next_received": "A specialist will take it up soon.",
        "req_next_open": "A specialist will take it up soon.",
        "req_next_in_progress": "A specialist is working on your request and will write to you.",
        "req_next_waiting_customer": "We are waiting for your reply: write it below.",
        "req_next_waiting_partner": "It concerns a third-party service: we are waiting for its "
        "answer and will tell you the outcome.",
        "req_next_in_development": "We passed the bug to our developers and will tell you when "
        "the fix is out.",
        "req_next_resolved": "Your request is resolved. Please rate the answer. If the problem "
        "remains, write to us below and the request opens again.",
        "req_next_closed": "Your request is closed. If you write below, we open a new one.",
        "req_closed_now": "The desk is closed now; it opens",
        "req_received": "Received",
        "req_conversation": "Conversation",
        "req_you": "You",
        "req_desk": "Support",
        "req_file_refused": "not accepted: too large",
        "req_reply": "Reply",
        "req_reply_closed": "This request is closed: your reply opens a new one.",
        "req_reply_text": "Your message",
        "req_files": "Files (optional)",
        "req_files_help": "Up to 10 files, 20 MiB each at most.",
        "req_send": "Send",
        "req_too_many_files": "Too many files: 10 at a time at most.",
        "req_rate": "Rate the answer",
        "req_rate_scale": "Score from 1 (poor) to 5 (excellent)",
        "req_rate_comment": "Comment (optional)",
        "req_rate_send": "Rate",
        "req_review": "Ask for a senior's review",
        "req_review_help": "If you feel your request needs special attention, a senior "
        "specialist will review it.",
        "req_review_reason": "Why it is needed",
        "req_review_send": "Ask for a review",
        "req_consent": "Contact details for partners",
        "req_consent_help": "If your request concerns a third-party service, the partner working "
        "on it may see your name and address, only with your consent.",
        "req_consent_question": "Show partners my name and address?",
        "req_consent_yes": "Yes, show them",
        "req_consent_no": "No",
        "req_consent_save": "Save",
        "req_done_replied": "Your message is sent.",
        "req_done_escalated": "Done: a senior specialist will review your request.",
        "req_done_rated": "Thank you! Your rating is saved.",
        "req_done_consent": "Your choice is saved.",
        "req_locked_title": "Your request",
        "req_locked_no_key": "To open your request, follow the link in the mail that confirmed "
        "we received it.",
        "req_locked_stale": "This link no longer works in this browser.",
        "req_locked_bad_link": "This link is not valid or has been replaced.",
        "req_locked_help": "Lost the mail with the link? We will send a new one to your address.",
        "lost_title": "Send me a new link",
        "lost_intro": "Give the address you wrote to us from: we will send links to your open "
        "requests to it. The links sent before will stop working.",
        "lost_email": "Your email address",
        "lost_send": "Send the link",
        "lost_sent": "If requests were filed from this address, the links are on their way. "
        "Check your mail.",
        "rate_title": "Rate our answer",
        "rate_saved": "Thank you! Your rating is saved.",
        "rate_bad_link": "This link is not valid: use the link from our mail.",
        "rate_refused": "This request is already rated, or not resolved yet.",
        "rate_choose": "Choose a score from 1 to 5.",
        "beta_title": "Beta programme",
        "beta_ask_in": "Would you like to try new sviftcommunity features first?",
        "beta_ask_out": "Would you like to leave the beta programme?",
        "beta_button_in": "Join",
        "beta_button_out": "Leave the programme",
        "beta_joined": "You are in the beta programme. Thank you!",
        "beta_left": "You have left the beta programme.",
        "beta_bad_link": "This link is not valid: use the link from our mail.",
        "req_incident": "An outage your request is part of",
        "req_incident_help": "The whole team is working on it; we will tell you when all "
        "works again.",
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
