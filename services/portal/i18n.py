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
        # portal2: the public pages (file a request, knowledge base, feedback, beta, status)
        "nav_file": "Написать нам",
        "nav_kb": "База знаний",
        "nav_feedback": "Отзывы",
        "nav_status": "Статус",
        "file_title": "Новое обращение",
        "file_expect_title": "Чего ожидать",
        "file_expect": "Мы отвечаем в рабочие часы (пн–чт, 9:00–18:00 по Москве) в течение 24 "
        "рабочих часов. Все обращения равны и идут по очереди.",
        "file_weekend": "Обращения, пришедшие в пятницу, субботу или воскресенье, мы разберём в "
        "ближайший рабочий день — понедельник.",
        "file_channels": "Телефонной поддержки у нас нет, а в социальных сетях мы обращения не "
        "принимаем: напишите здесь или на support@sviftcommunity.ru — так ничего не потеряется.",
        "file_name": "Ваше имя",
        "file_email": "Электронная почта для ответа",
        "file_category": "Тема обращения (необязательно)",
        "file_category_none": "Не знаю / выберите за меня",
        "file_category_question": "Вопрос",
        "file_category_bug": "Ошибка в работе",
        "file_category_complaint": "Жалоба",
        "file_category_feedback": "Отзыв",
        "file_category_suggestion": "Предложение",
        "file_category_onboarding": "Я только начинаю",
        "file_category_testing_help": "Помощь с тестированием",
        "file_category_other": "Другое",
        "file_subject": "Кратко, о чём обращение",
        "file_body": "Подробно: что случилось, что вы делали, что ожидали",
        "file_files": "Файлы (скриншоты, журналы), необязательно",
        "file_files_help": "До 20 МБ файл, до 25 МБ все вместе.",
        "file_send": "Отправить обращение",
        "file_fix": "Проверьте поля, отмеченные ниже. Файлы, если были, выберите ещё раз.",
        "file_refused": "Обращение не принято:",
        "file_suggested": "Возможно, ответ уже есть",
        "file_done_title": "Обращение принято",
        "file_done_number": "Номер обращения:",
        "file_done_received": "Получено",
        "file_done_mail": "Подтверждение со ссылкой на обращение отправлено на",
        "file_done_by": "Мы ответим до",
        "file_msk": "по московскому времени",
        "file_done_next": "По ссылке из письма вы увидите статус, ответ и сможете дописать "
        "обращение. Если письма нет, проверьте папку «Спам».",
        "file_done_articles": "Пока ждёте: статьи по вашему вопросу",
        "file_another": "Написать ещё одно обращение",
        "file_weekdays": "понедельник,вторник,среда,четверг,пятница,суббота,воскресенье",
        "kb_title": "База знаний",
        "kb_search_label": "Что вы ищете",
        "kb_search": "Найти",
        "kb_found": "Найдено по запросу",
        "kb_latest": "Новые статьи",
        "kb_nothing": "Ничего не нашлось.",
        "kb_ask": "Не нашли ответ? Напишите нам.",
        "kb_back": "← Все статьи",
        "kb_helped": "Статья помогла?",
        "kb_yes": "Да",
        "kb_no": "Нет",
        "kb_thanks": "Спасибо, ваш ответ учтён.",
        "kb_votes": "Помогла:",
        "kb_votes_no": "не помогла:",
        "fb_title": "Отзывы, предложения и жалобы",
        "fb_intro": "Ваше мнение помогает нам стать лучше: мы читаем всё, что вы пишете.",
        "fb_idea_title": "Отзыв или предложение",
        "fb_kind": "Что вы хотите оставить",
        "fb_kind_feedback": "Отзыв",
        "fb_kind_suggestion": "Предложение или идею",
        "fb_text": "Ваш отзыв или предложение",
        "fb_email": "Почта, если хотите ответ (необязательно)",
        "fb_send": "Отправить",
        "fb_complaint_title": "Жалоба",
        "fb_complaint_intro": "Не устроил уровень обслуживания или решение? Жалобу рассмотрит "
        "старший специалист, ответ придёт на вашу почту.",
        "fb_complaint_subject": "На что вы жалуетесь",
        "fb_complaint_body": "Что произошло (номер обращения, если есть)",
        "fb_complaint_send": "Отправить жалобу",
        "fb_done_title": "Спасибо!",
        "fb_done_feedback": "Ваш отзыв получен.",
        "fb_done_suggestion": "Ваше предложение получено: мы рассмотрим его.",
        "fb_done_complaint": "Ваша жалоба принята. Её рассмотрит старший специалист.",
        "fb_done_mail": "Подтверждение отправлено на",
        "fb_done_no_mail": "Вы не оставили почту, поэтому ответа не будет.",
        "beta_title": "Бета-программа",
        "beta_intro": "Участники бета-программы первыми пробуют новые функции до их выпуска "
        "и помогают сделать их лучше.",
        "beta_ask_opt_in": "Нажмите кнопку, чтобы участвовать: мы будем приглашать вас "
        "попробовать новые функции первыми.",
        "beta_ask_opt_out": "Нажмите кнопку, чтобы выйти: приглашений больше не будет.",
        "beta_button_opt_in": "Участвовать в бета-программе",
        "beta_button_opt_out": "Выйти из бета-программы",
        "beta_in": "Вы участвуете в бета-программе.",
        "beta_in_next": "Приглашение придёт письмом, когда появится новая функция.",
        "beta_out": "Вы вышли из бета-программы.",
        "beta_invalid": "Ссылка недействительна. Откройте ссылку из нашего письма.",
        "beta_by_mail": "Ссылка для участия приходит в наших письмах.",
        "status_title": "Статус поддержки",
        "status_now": "Сейчас",
        "status_open": "Поддержка работает: мы отвечаем на обращения.",
        "status_closed": "Поддержка сейчас не работает.",
        "status_opens": "Мы откроемся:",
        "status_incidents": "Известные сбои",
        "status_since": "С",
        "status_no_incidents": "Известных сбоев нет.",
        "status_holidays": "Праздничные дни впереди",
        "status_no_holidays": "В ближайшие два месяца праздников в рабочие дни нет.",
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
        # portal2: the public pages (file a request, knowledge base, feedback, beta, status)
        "nav_file": "Contact us",
        "nav_kb": "Knowledge base",
        "nav_feedback": "Feedback",
        "nav_status": "Status",
        "file_title": "New request",
        "file_expect_title": "What to expect",
        "file_expect": "We answer in business hours (Mon–Thu, 9:00–18:00 Moscow time) within 24 "
        "business hours. Every request is equal and taken in turn.",
        "file_weekend": "Requests that arrive on Friday, Saturday or Sunday are handled on the "
        "next working day, Monday.",
        "file_channels": "We offer no phone support and take no requests through social "
        "networks: write here or to support@sviftcommunity.ru, so that nothing gets lost.",
        "file_name": "Your name",
        "file_email": "Email for our answer",
        "file_category": "Topic (optional)",
        "file_category_none": "Not sure / choose for me",
        "file_category_question": "Question",
        "file_category_bug": "Something does not work",
        "file_category_complaint": "Complaint",
        "file_category_feedback": "Feedback",
        "file_category_suggestion": "Suggestion",
        "file_category_onboarding": "I am just starting",
        "file_category_testing_help": "Help with testing",
        "file_category_other": "Other",
        "file_subject": "In short, what is it about",
        "file_body": "In detail: what happened, what you did, what you expected",
        "file_files": "Files (screenshots, logs), optional",
        "file_files_help": "Up to 20 MB a file, 25 MB in all.",
        "file_send": "Send the request",
        "file_fix": "Please check the fields marked below. Choose the files again, if any.",
        "file_refused": "The request was not accepted:",
        "file_suggested": "The answer may be here already",
        "file_done_title": "Request received",
        "file_done_number": "Request number:",
        "file_done_received": "Received",
        "file_done_mail": "A confirmation with the link to your request was sent to",
        "file_done_by": "We will answer by",
        "file_msk": "Moscow time",
        "file_done_next": "The link in that mail shows the status and our answer, and lets you "
        "add to the request. No mail? Check the spam folder.",
        "file_done_articles": "While you wait: articles on your question",
        "file_another": "Send another request",
        "file_weekdays": "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday",
        "kb_title": "Knowledge base",
        "kb_search_label": "What are you looking for",
        "kb_search": "Search",
        "kb_found": "Found for",
        "kb_latest": "Latest articles",
        "kb_nothing": "Nothing found.",
        "kb_ask": "No answer here? Write to us.",
        "kb_back": "← All articles",
        "kb_helped": "Did this help?",
        "kb_yes": "Yes",
        "kb_no": "No",
        "kb_thanks": "Thank you, your answer is counted.",
        "kb_votes": "Helped:",
        "kb_votes_no": "did not help:",
        "fb_title": "Feedback, suggestions and complaints",
        "fb_intro": "Your opinion helps us get better: we read everything you write.",
        "fb_idea_title": "Feedback or a suggestion",
        "fb_kind": "What would you like to leave",
        "fb_kind_feedback": "Feedback",
        "fb_kind_suggestion": "A suggestion or an idea",
        "fb_text": "Your feedback or suggestion",
        "fb_email": "Email, if you would like an answer (optional)",
        "fb_send": "Send",
        "fb_complaint_title": "Complaint",
        "fb_complaint_intro": "Not happy with our service or a solution? A senior specialist "
        "reviews your complaint, and the answer comes by mail.",
        "fb_complaint_subject": "What is the complaint about",
        "fb_complaint_body": "What happened (the request number, if any)",
        "fb_complaint_send": "Send the complaint",
        "fb_done_title": "Thank you!",
        "fb_done_feedback": "Your feedback has been received.",
        "fb_done_suggestion": "Your suggestion has been received: we will consider it.",
        "fb_done_complaint": "Your complaint has been received. A senior specialist reviews it.",
        "fb_done_mail": "A confirmation was sent to",
        "fb_done_no_mail": "You left no email address, so there will be no answer.",
        "beta_title": "Beta programme",
        "beta_intro": "Members of the beta programme try new features before they are released "
        "and help us make them better.",
        "beta_ask_opt_in": "Press the button to join: we will invite you to try new features "
        "first.",
        "beta_ask_opt_out": "Press the button to leave: there will be no more invitations.",
        "beta_button_opt_in": "Join the beta programme",
        "beta_button_opt_out": "Leave the beta programme",
        "beta_in": "You are in the beta programme.",
        "beta_in_next": "An invitation comes by mail when a new feature is ready.",
        "beta_out": "You have left the beta programme.",
        "beta_invalid": "This link is not valid. Open the link from our mail.",
        "beta_by_mail": "The link to join comes in our mail.",
        "status_title": "Support status",
        "status_now": "Now",
        "status_open": "Support is open: we are answering requests.",
        "status_closed": "Support is closed now.",
        "status_opens": "We open again on",
        "status_incidents": "Known problems",
        "status_since": "Since",
        "status_no_incidents": "There are no known problems.",
        "status_holidays": "Holidays ahead",
        "status_no_holidays": "No holidays fall on working days in the next two months.",
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
