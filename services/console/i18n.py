"""The console's words: Russian by default, English by the agent's choice."""

from __future__ import annotations

LANGUAGES = ("ru", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "ru": {
        "app": "Консоль SviftDesk",
        "sign_in": "Вход",
        "email": "Рабочий адрес",
        "send_link": "Прислать ссылку для входа",
        "link_sent": "Если адрес принадлежит сотруднику, на него отправлена ссылка для входа. "
        "Она действует несколько минут и только один раз.",
        "sign_in_button": "Войти",
        "sign_in_confirm": "Нажмите «Войти», чтобы открыть консоль.",
        "link_expired": "Срок действия ссылки истёк. Запросите новую.",
        "link_used": "Эта ссылка уже использована. Запросите новую.",
        "link_revoked": "Доступ этого сотрудника отозван.",
        "link_invalid": "Ссылка недействительна. Запросите новую.",
        "session_ended": "Сеанс завершён. Войдите снова.",
        "draft": "Ваш неотправленный текст: скопируйте его, войдите и отправьте снова",
        "csrf": "Форма устарела: обновите страницу и повторите.",
        "sign_out": "Выйти",
        "language": "Язык",
        "apply": "Применить",
        "queue": "Очередь",
        "mine": "Мои",
        "take_next": "Взять следующий",
        "queue_empty": "Очередь пуста.",
        "number": "Номер",
        "subject": "Тема",
        "customer": "Клиент",
        "age": "Ожидает",
        "first_response": "До первого ответа",
        "paused": "на паузе",
        "breached": "просрочен",
        "met": "дан",
        "new_customer": "новый клиент",
        "status": "Статус",
        "timeline": "История",
        "reply": "Ответ клиенту",
        "send_reply": "Отправить ответ",
        "note": "Внутренняя заметка",
        "add_note": "Добавить заметку",
        "move": "Перевести в статус",
        "move_note": "Сообщение клиенту (при решении — итог)",
        "partner_name": "Партнёр",
        "partner_reference": "Номер обращения у партнёра",
        "move_button": "Перевести",
        "complexity": "Сложность",
        "category": "Категория",
        "save": "Сохранить",
        "resolution": "До решения",
        "internal": "заметка",
        "agent": "сотрудник",
        "no_tickets": "Нет обращений.",
        "not_found": "Обращение не найдено.",
        "unavailable": "Сервис временно недоступен. Повторите через минуту.",
        "view_mine": "Мои обращения",
        "view_needs_reply": "Ждут ответа",
        "waits_since": "Ждёт с",
        "other_tickets": "Другие обращения клиента",
        "canned": "Шаблоны ответов",
        "canned_choice": "Шаблон ответа",
        "insert": "Вставить",
        "moscow_time": "МСК",
        "answer_soon": "в ближайшее время",
        "canned_new": "Новый шаблон",
        "canned_edit": "Изменить шаблон",
        "title": "Название",
        "text": "Текст",
        "reply_language": "Язык ответа",
        "shared": "Общий (для всей команды)",
        "personal": "личный",
        "shared_tag": "общий",
        "create": "Создать",
        "delete": "Удалить",
        "edit": "Изменить",
        "placeholders": "Подстановки: {customer_name}, {ticket_number}, {ticket_subject}, "
        "{expected_answer_time}",
        "no_canned": "Шаблонов пока нет.",
        "search": "Поиск обращений",
        "search_button": "Найти",
        "search_results": "Найдено",
        "nothing_found": "Ничего не найдено.",
        "view_waiting": "Ожидают",
        "view_resolved": "Решённые",
        "back_to_queue": "Вернуть в очередь",
        "extension": "Продлить срок решения",
        "business_days": "На сколько рабочих дней",
        "reason": "Причина (её прочтёт клиент)",
        "extend": "Продлить",
        "development": "Передать в разработку",
        "summary": "Описание ошибки для разработчиков",
        "forward": "Передать",
        "escalations": "Эскалации",
        "forwards": "В разработке",
        "forward_pending": "ждёт приёма трекером",
        "forward_sent": "принято разработкой",
        "forward_released": "исправление выпущено",
        "opened": "Поступила",
        "claim": "Взять",
        "outcome": "Итог для клиента",
        "close": "Закрыть эскалацию",
        "no_escalations": "Эскалаций нет.",
        "reasons": "Причины",
        "h": "ч",
        "min": "мин",
        "incidents": "Инциденты",
        "knowledge": "База знаний",
        "reports": "Отчёты",
        "admin": "Администрирование",
        "notifications": "Уведомления",

        # -- incidents and complaints

        # -- knowledge base

        # -- reports

        # -- admin

        # -- notifications, preferences, keyboard, attachments

        # -- passwords and single sign-on

    },
    "en": {
        "app": "SviftDesk console",
        "sign_in": "Sign in",
        "email": "Work address",
        "send_link": "Send me a sign-in link",
        "link_sent": "If the address is a staff member's, a sign-in link is on its way. "
        "It works for a few minutes, once.",
        "sign_in_button": "Sign in",
        "sign_in_confirm": "Press “Sign in” to open the console.",
        "link_expired": "This link has expired. Ask for a new one.",
        "link_used": "This link was used already. Ask for a new one.",
        "link_revoked": "This staff member's access was revoked.",
        "link_invalid": "This link is not valid. Ask for a new one.",
        "session_ended": "Your session has ended. Sign in again.",
        "draft": "Your unsent text: copy it, sign in and send it again",
        "csrf": "This form is out of date: reload the page and try again.",
        "sign_out": "Sign out",
        "language": "Language",
        "apply": "Apply",
        "queue": "Queue",
        "mine": "Mine",
        "take_next": "Take next",
        "queue_empty": "The queue is empty.",
        "number": "Number",
        "subject": "Subject",
        "customer": "Customer",
        "age": "Waiting",
        "first_response": "First response due in",
        "paused": "paused",
        "breached": "breached",
        "met": "given",
        "new_customer": "new customer",
        "status": "Status",
        "timeline": "Timeline",
        "reply": "Reply to the customer",
        "send_reply": "Send reply",
        "note": "Internal note",
        "add_note": "Add note",
        "move": "Move to",
        "move_note": "Message to the customer (the summary when resolving)",
        "partner_name": "Partner",
        "partner_reference": "The partner's case number",
        "move_button": "Move",
        "complexity": "Complexity",
        "category": "Category",
        "save": "Save",
        "resolution": "Resolution due in",
        "internal": "note",
        "agent": "staff",
        "no_tickets": "No tickets.",
        "not_found": "No such ticket.",
        "unavailable": "A service is unavailable. Try again in a minute.",
        "view_mine": "My tickets",
        "view_needs_reply": "Needs reply",
        "waits_since": "Waiting since",
        "other_tickets": "The customer's other tickets",
        "canned": "Canned replies",
        "canned_choice": "Canned reply",
        "insert": "Insert",
        "moscow_time": "Moscow time",
        "answer_soon": "shortly",
        "canned_new": "New canned reply",
        "canned_edit": "Edit the canned reply",
        "title": "Title",
        "text": "Text",
        "reply_language": "Reply language",
        "shared": "Shared (for the whole team)",
        "personal": "personal",
        "shared_tag": "shared",
        "create": "Create",
        "delete": "Delete",
        "edit": "Edit",
        "placeholders": "Placeholders: {customer_name}, {ticket_number}, {ticket_subject}, "
        "{expected_answer_time}",
        "no_canned": "No canned replies yet.",
        "search": "Search tickets",
        "search_button": "Search",
        "search_results": "Found",
        "nothing_found": "Nothing found.",
        "view_waiting": "Waiting",
        "view_resolved": "Resolved",
        "back_to_queue": "Back to the queue",
        "extension": "Extend the resolution target",
        "business_days": "By how many business days",
        "reason": "Reason (the customer reads it)",
        "extend": "Extend",
        "development": "Forward to development",
        "summary": "The bug, for developers",
        "forward": "Forward",
        "escalations": "Escalations",
        "forwards": "In development",
        "forward_pending": "waiting for the tracker to take it",
        "forward_sent": "taken by development",
        "forward_released": "fix released",
        "opened": "Arrived",
        "claim": "Take",
        "outcome": "Outcome for the customer",
        "close": "Close the escalation",
        "no_escalations": "No escalations.",
        "reasons": "Reasons",
        "h": "h",
        "min": "min",
        "incidents": "Incidents",
        "knowledge": "Knowledge base",
        "reports": "Reports",
        "admin": "Admin",
        "notifications": "Notifications",

        # -- incidents and complaints

        # -- knowledge base

        # -- reports

        # -- admin

        # -- notifications, preferences, keyboard, attachments

        # -- passwords and single sign-on

    },
}


def words(language: str) -> dict[str, str]:
    return MESSAGES.get(language, MESSAGES["ru"])


def duration(minutes: float, language: str) -> str:
    """Minutes as people read them: 26 h 10 min, 7 min. Never days: a business day is 9
    hours and a wall day 24, and the reader cannot tell which is meant."""
    w, total = words(language), max(int(minutes), 0)
    hours, mins = divmod(total, 60)
    if hours:
        return f"{hours} {w['h']} {mins} {w['min']}"
    return f"{mins} {w['min']}"


STATUSES: dict[str, dict[str, str]] = {
    "ru": {
        "received": "получено",
        "open": "открыто",
        "in_progress": "в работе",
        "waiting_customer": "ждёт клиента",
        "waiting_partner": "ждёт партнёра",
        "in_development": "в разработке",
        "resolved": "решено",
        "closed": "закрыто",
        "simple": "простое",
        "standard": "обычное",
        "complex": "сложное",
        "question": "вопрос",
        "bug": "ошибка",
        "complaint": "жалоба",
        "feedback": "отзыв",
        "suggestion": "предложение",
        "onboarding": "помощь новичку",
        "partner_issue": "вопрос к партнёру",
        "testing_help": "помощь с тестированием",
        "individual_solution": "индивидуальное решение",
        "other": "другое",
        "escalation_open": "ждёт старшего специалиста",
        "escalation_assigned": "на рассмотрении",
        "escalation_closed": "закрыта",
    },
    "en": {
        "received": "received",
        "open": "open",
        "in_progress": "in progress",
        "waiting_customer": "waiting on the customer",
        "waiting_partner": "waiting on a partner",
        "in_development": "in development",
        "resolved": "resolved",
        "closed": "closed",
        "simple": "simple",
        "standard": "standard",
        "complex": "complex",
        "question": "question",
        "bug": "bug",
        "complaint": "complaint",
        "feedback": "feedback",
        "suggestion": "suggestion",
        "onboarding": "onboarding",
        "partner_issue": "partner issue",
        "testing_help": "help with testing",
        "individual_solution": "individual solution",
        "other": "other",
        "escalation_open": "waiting for a senior",
        "escalation_assigned": "under review",
        "escalation_closed": "closed",
    },
}


def label(value: str, language: str) -> str:
    """A status or complexity as the agent reads it."""
    return STATUSES.get(language, STATUSES["ru"]).get(value, value.replace("_", " "))
