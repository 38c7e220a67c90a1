"""The portal's words: Russian by default, English by the customer's choice (``?lang=``, then
their cookie, then the browser's Accept-Language)."""

from __future__ import annotations

from dataclasses import replace

from fastapi import Request

from shared.web.upstream import Problem

LANGUAGES = ("ru", "en")
DEFAULT = "ru"
COOKIE = "sviftdesk_portal_lang"

MESSAGES: dict[str, dict[str, str]] = {
    "ru": {
        # A service's refusal of a field, by its code (shared.contracts.api.FieldProblem)
        "err_missing": "Заполните это поле.",
        "err_too_short": "Не короче {limit} символов.",
        "err_too_long": "Не длиннее {limit} символов: сейчас больше.",
        "err_email": "Проверьте адрес электронной почты: в нём ошибка.",
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
        "req_review_asked": "Вы уже попросили о рассмотрении",
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
        "req_incident": "Сбой, с которым связано ваше обращение",
        "req_incident_help": "Мы работаем над ним всей командой и сообщим, когда всё заработает.",
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
        # QA (issues 16, 17): a request form refused for its token, shown again as typed
        "qa_csrf_again": "форма устарела. Всё, что вы написали, — ниже: отправьте ещё раз "
        "(файлы выберите заново).",
        "qa_reply_again": "Форма устарела, сообщение не отправлено. Оно сохранено здесь: "
        "отправьте его ещё раз (файлы выберите заново).",
    },
    "en": {
        "err_missing": "Please fill this in.",
        "err_too_short": "At least {limit} characters.",
        "err_too_long": "At most {limit} characters: this is longer.",
        "err_email": "Please check the email address: it has a mistake.",
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
        "req_review_asked": "You asked for a review",
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
        "req_incident": "An outage your request is part of",
        "req_incident_help": "The whole team is working on it; we will tell you when all "
        "works again.",
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
        # QA (issues 16, 17): a request form refused for its token, shown again as typed
        "qa_csrf_again": "the form was out of date. What you wrote is kept below: send it "
        "again (choose the files again).",
        "qa_reply_again": "The form was out of date and the message was not sent. It is kept "
        "here: send it again (choose the files again).",
    },
}


def words(language: str) -> dict[str, str]:
    return MESSAGES.get(language, MESSAGES[DEFAULT])


def worded(problem: Problem, language: str) -> Problem:
    """The service's refusal with each field's reason in the reader's language, where its code
    is one the portal words; other reasons stay as the service gave them."""
    t = words(language)
    fields = dict(problem.fields)
    for name, (code, limit) in problem.codes.items():
        bound = "" if limit is None else f"{limit:g}"
        if code == "missing" or (code == "string_too_short" and (limit or 0) <= 1):
            fields[name] = t["err_missing"]
        elif code == "string_too_short":
            fields[name] = t["err_too_short"].format(limit=bound)
        elif code == "string_too_long":
            fields[name] = t["err_too_long"].format(limit=bound)
        elif code == "value_error" and name.rsplit(".", 1)[-1] == "email":
            fields[name] = t["err_email"]
    return replace(problem, fields=fields)


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
